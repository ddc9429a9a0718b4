"""A consumer-group worker for Redis streams, shared by the pipeline and the outbox.

Delivery is at-least-once: an entry is acknowledged only after its handler returned.
On stop the worker finishes the entry in hand and leaves the rest of its batch pending;
another consumer (or this one after a restart) takes them over with XAUTOCLAIM. An entry
whose handler keeps failing is moved to the dead-letter stream after ``max_deliveries``,
so nothing is silently dropped and nothing blocks the queue forever.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from redis.exceptions import ResponseError

from bot.clock import Clock
from bot.retry import Backoff
from bot.store import REDIS_DOWN, Redis, sleep_or_stop, wait_ready

log = structlog.get_logger("streams")

Handler = Callable[[str, dict[str, str]], Awaitable[None]]


class Defer(Exception):  # noqa: N818 (a signal, like arq's Retry, not an error)
    """Raised by a handler to leave the entry pending and retry it later (e.g. NLU down)."""

    def __init__(self, delay_s: float = 1.0, reason: str = "") -> None:
        self.delay_s = delay_s
        self.reason = reason
        super().__init__(reason or f"deferred {delay_s}s")


def _stream_gone(exc: ResponseError) -> bool:
    """Whether Redis says the stream or its group no longer exists."""
    return any(mark in str(exc) for mark in ("NOGROUP", "UNBLOCKED the stream key no longer"))


@dataclass
class StreamWorker:
    """Consumes ``streams`` (in priority order) as ``consumer`` in ``group``."""

    redis: Redis
    streams: Sequence[str]
    group: str
    consumer: str
    handler: Handler
    clock: Clock
    deadletter: str
    backoff: Backoff  # after Redis went away or a handler failed (SEVA_REDIS_BACKOFF_*)
    batch: int = 10
    block_ms: int = 500
    claim_idle_ms: int = 30_000
    max_deliveries: int = 5
    preempt_poll_s: float = 0.5  # how often a deferred entry looks at the higher streams
    processed: int = 0
    _groups_ready: bool = False

    async def ensure_groups(self) -> None:
        """Create the consumer groups (and streams) if missing."""
        for stream in self.streams:
            try:
                await self.redis.xgroup_create(stream, self.group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
        self._groups_ready = True

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set; finish the entry in hand, then return."""
        while not stop.is_set():
            try:
                if not self._groups_ready:
                    await self.ensure_groups()
                worked = await self.step(stop)
            except REDIS_DOWN as exc:
                self._groups_ready = False  # a restarted Redis without AOF lost the groups
                log.warning("redis unavailable; consumer waiting", error=str(exc))
                await wait_ready(self.redis, self.backoff, self.clock, stop)
                continue
            except Exception as exc:
                if isinstance(exc, ResponseError) and _stream_gone(exc):
                    # Redis came back empty while the client reconnected on its own (redis-py
                    # retries a dropped connection), so no connection error was seen: the
                    # stream and its group are gone. Create them again; never fail for ever.
                    self._groups_ready = False
                    log.warning("consumer group missing; creating it again", error=str(exc))
                    continue
                # The entry stays pending and is retried; max_deliveries dead-letters it.
                delay = self.backoff.next()
                log.exception("handler failed; entry left pending", retry_in_s=delay)
                await sleep_or_stop(self.clock, delay, stop)
                continue
            self.backoff.reset()
            if not worked:
                await asyncio.sleep(0)

    async def step(self, stop: asyncio.Event) -> bool:
        """Handle one batch: own pending first, then stale entries of dead consumers, then new."""
        for stream in self.streams:
            entries = await self._own_pending(stream) or await self._claim_stale(stream)
            if entries:
                await self._handle(stream, entries, stop)
                return True
        block = self.block_ms
        for i, stream in enumerate(self.streams):
            # Only the lowest-priority stream blocks, so a higher one is never starved.
            is_last = i == len(self.streams) - 1
            resp: Any = await self.redis.xreadgroup(
                self.group,
                self.consumer,
                {stream: ">"},
                count=self.batch,
                block=block if is_last else None,
            )
            entries = resp[0][1] if resp else []
            if entries:
                await self._handle(stream, entries, stop)
                return True
        return False

    async def _own_pending(self, stream: str) -> list[Any]:
        # One at a time: every read of a pending entry counts as a delivery, and a failing
        # entry at the head must not push the healthy ones behind it toward dead-lettering.
        resp: Any = await self.redis.xreadgroup(self.group, self.consumer, {stream: "0"}, count=1)
        entries: list[Any] = resp[0][1] if resp else []
        # Entries deleted from the stream come back as (id, None); acknowledge those away.
        live = [(i, f) for i, f in entries if f]
        for i, f in entries:
            if not f:
                await self.redis.xack(stream, self.group, i)
        return live

    async def _claim_stale(self, stream: str) -> list[Any]:
        resp: Any = await self.redis.xautoclaim(
            stream, self.group, self.consumer, self.claim_idle_ms, "0-0", count=self.batch
        )
        claimed = resp[1] if resp else []
        return [(i, f) for i, f in claimed if f]

    async def _handle(self, stream: str, entries: list[Any], stop: asyncio.Event) -> None:
        for entry_id, fields in entries:
            if stop.is_set():
                # Leave the rest pending: another consumer claims them; nothing is lost.
                return
            if await self._too_many_deliveries(stream, entry_id, fields):
                continue
            if not await self._handle_one(entry_id, fields, stop, stream):
                return  # stopped while the entry was deferred: it stays pending
            await self.redis.xack(stream, self.group, entry_id)
            self.processed += 1

    async def _handle_one(
        self, entry_id: str, fields: dict[str, str], stop: asyncio.Event, stream: str = ""
    ) -> bool:
        """Run the handler until it succeeds; a Defer waits in place (no redelivery counted).

        While an entry of a lower-priority stream waits (a storm's fan-out for the next
        rate window, say), new entries of the higher streams are handled meanwhile: a fresh
        answer never waits behind a deferred fan-out post.
        """
        higher = self.streams[: self.streams.index(stream)] if stream in self.streams else []
        while True:
            try:
                await self.handler(entry_id, fields)
            except Defer as d:
                log.info("entry deferred", entry=entry_id, reason=d.reason, retry_in_s=d.delay_s)
                await self._wait_serving(higher, d.delay_s, stop)
                if stop.is_set():
                    return False
            else:
                return True

    async def _wait_serving(
        self, higher: Sequence[str], delay_s: float, stop: asyncio.Event
    ) -> None:
        """Wait ``delay_s``, handling new entries of ``higher`` streams as they arrive."""
        deadline = self.clock.time() + delay_s
        while not stop.is_set() and (left := deadline - self.clock.time()) > 0:
            await sleep_or_stop(
                self.clock, min(left, self.preempt_poll_s) if higher else left, stop
            )
            for stream in higher:
                resp: Any = await self.redis.xreadgroup(
                    self.group, self.consumer, {stream: ">"}, count=self.batch
                )
                if resp and resp[0][1]:
                    await self._handle(stream, resp[0][1], stop)

    async def _too_many_deliveries(
        self, stream: str, entry_id: str, fields: dict[str, str]
    ) -> bool:
        info: Any = await self.redis.xpending_range(stream, self.group, entry_id, entry_id, 1)
        deliveries = int(info[0]["times_delivered"]) if info else 1
        if deliveries <= self.max_deliveries:
            return False
        log.error("entry failed too often; dead-lettered", stream=stream, entry=entry_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(
                self.deadletter,
                {"stream": stream, "entry": entry_id, "fields": json.dumps(fields)},
            )
            pipe.xack(stream, self.group, entry_id)
            await pipe.execute()
        return True
