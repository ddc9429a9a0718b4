"""One reader of the ticket moves per web process, fanned out to every open event stream.

Each browser's ``/queue/events`` stream used to block on Redis with a connection of its
own, so 200 officers' queues held 200 Redis connections. The hub reads
``Keys.ticket_events`` once (XREAD BLOCK) and hands each entry to every subscriber's
queue; a stream then waits on its queue, not on Redis.

A subscriber that falls ``HUB_BACKLOG`` entries behind (a stalled browser) is cut off: its
stream ends and the browser reconnects from its last event id, replayed from Redis. While
Redis is down the hub retries with backoff and resumes after the last entry it saw, so a
short outage loses no move to the streams that stay open (a stream whose session recheck
finds Redis down ends, and its browser reconnects and replays).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import structlog

from bot.keys import Keys
from bot.retry import Backoff
from bot.store import REDIS_DOWN, Redis

log = structlog.get_logger("web.live")

HUB_BACKLOG = 1_000  # entries a subscriber may lag before it is cut off
HUB_BATCH = 100  # entries per read
HUB_BLOCK_MS = 5_000  # how long one read waits (the hub rechecks its stop flag between)

Entry = tuple[str, dict[str, Any]]  # stream id, fields


@dataclass(eq=False)
class Subscriber:
    """One open stream's queue of entries; ``cut`` once it fell too far behind."""

    queue: asyncio.Queue[Entry] = field(default_factory=lambda: asyncio.Queue(HUB_BACKLOG))
    cut: asyncio.Event = field(default_factory=asyncio.Event)


class MoveHub:
    """Reads the moves stream once and feeds every subscriber."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis, self._key = redis, keys.ticket_events
        self._subscribers: set[Subscriber] = set()
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._newest = ""  # the last entry id handed out ('' before the first read)

    @property
    def subscribers(self) -> int:
        """How many streams are listening now."""
        return len(self._subscribers)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[tuple[Subscriber, str]]:
        """A subscriber, and the id after which its queue starts, while the block runs.

        Every entry after that id reaches the queue; ``replay`` up to it fills a gap
        before. Reads Redis once if the hub has not yet (so Redis down raises here).
        """
        if not self._newest:
            newest = await self.newest_id()
            self._newest = self._newest or newest
        self._ensure_running()
        sub = Subscriber()
        self._subscribers.add(sub)
        try:
            yield sub, self._newest
        finally:
            self._subscribers.discard(sub)

    async def newest_id(self) -> str:
        """The id of the newest entry in Redis ('0-0' for an empty stream)."""
        newest: Any = await self._redis.xrevrange(self._key, count=1)
        return str(newest[0][0]) if newest else "0-0"

    async def replay(self, after: str, until: str) -> list[Entry]:
        """Entries after ``after`` up to ``until`` (inclusive), read from Redis."""
        found: list[Entry] = []
        start = f"({after}"
        while True:
            batch: Any = await self._redis.xrange(self._key, start, until, count=HUB_BATCH)
            found += [(str(i), f) for i, f in batch]
            if len(batch) < HUB_BATCH:
                return found
            start = f"({batch[-1][0]}"

    def _ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._stop.clear()
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """End the reader (the role's shutdown) and cut every subscriber off."""
        self._stop.set()
        for sub in self._subscribers:
            sub.cut.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        backoff = Backoff(initial=0.2, maximum=5.0)
        while not self._stop.is_set():
            try:
                if not self._newest:
                    newest = await self.newest_id()
                    self._newest = self._newest or newest
                answer: Any = await self._redis.xread(
                    {self._key: self._newest}, count=HUB_BATCH, block=HUB_BLOCK_MS
                )
            except REDIS_DOWN as err:
                delay = backoff.next()
                log.warning("moves stream unreadable", error=type(err).__name__, retry_s=delay)
                await asyncio.sleep(delay)
                continue
            backoff.reset()
            for _stream, entries in answer or []:
                for entry_id, fields in entries:
                    self._newest = str(entry_id)
                    self._hand_out((str(entry_id), fields))

    def _hand_out(self, entry: Entry) -> None:
        for sub in list(self._subscribers):
            try:
                sub.queue.put_nowait(entry)
            except asyncio.QueueFull:
                sub.cut.set()  # it reconnects and replays from its last id
                self._subscribers.discard(sub)
