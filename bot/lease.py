"""Single-writer leases in Redis (``SET NX PX``, renewed), for roles only one process may hold.

The X stream connection, the SLA scheduler and the outbox's shared rate budget each take
one, so several daemons can run side by side safely. Renew and release compare the
holder's token, so a process that lost its lease (a long GC pause, a partition) can never
extend or delete the new holder's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import structlog
from redis.asyncio import Redis

log = structlog.get_logger("lease")

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class Lease:
    """One named lease held (or wanted) by one holder."""

    def __init__(self, redis: Redis, key: str, holder: str, ttl_ms: int) -> None:
        self._redis = redis
        self.key = key
        self.holder = holder
        self.ttl_ms = ttl_ms
        self.held = False

    async def acquire(self) -> bool:
        """Take the lease if it is free (or already ours); return whether we hold it."""
        if self.held:
            return await self.renew()
        ok = await self._redis.set(self.key, self.holder, nx=True, px=self.ttl_ms)
        if not ok:
            # A restart of the same holder id may find its own lease still alive.
            ok = await self._redis.get(self.key) == self.holder
        self.held = bool(ok)
        return self.held

    async def renew(self) -> bool:
        """Extend the lease if we still hold it; return whether we do."""
        res = await self._redis.eval(_RENEW, 1, self.key, self.holder, str(self.ttl_ms))
        self.held = bool(res)
        return self.held

    async def release(self) -> None:
        """Give the lease up, only if it is still ours."""
        await self._redis.eval(_RELEASE, 1, self.key, self.holder)
        self.held = False

    async def current_holder(self) -> str | None:
        """Return who holds the lease now, if anyone."""
        value = await self._redis.get(self.key)
        return None if value is None else str(value)


async def run_as_leader(
    lease: Lease,
    stop: asyncio.Event,
    work: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
    on_state: Callable[..., None] | None = None,
) -> None:
    """Run ``work`` only while holding ``lease``; wait as standby otherwise.

    ``work`` receives an event that is set when the process stops *or* the lease is lost,
    and must return promptly after it is set. The lease is renewed at a third of its TTL
    and released on the way out, so a successor takes over at once after a clean stop
    and within one TTL after a crash.
    """
    period = lease.ttl_ms / 3000
    while not stop.is_set():
        if not await lease.acquire():
            if on_state:
                on_state(leader=False)
            await _wait(stop, period)
            continue
        if on_state:
            on_state(leader=True)
        log.info("lease acquired", lease=lease.key, holder=lease.holder)
        lost = asyncio.Event()
        task: asyncio.Task[None] = asyncio.create_task(work(lost))
        try:
            while not stop.is_set() and not task.done():
                await _wait(stop, period, task)
                if not stop.is_set() and not task.done() and not await lease.renew():
                    log.warning("lease lost; standing down", lease=lease.key)
                    break
        finally:
            lost.set()
            await task
            if lease.held:
                await lease.release()
            if on_state:
                on_state(leader=False)


async def _wait(
    stop: asyncio.Event, seconds: float, task: asyncio.Task[None] | None = None
) -> None:
    waiters: set[asyncio.Future[Any]] = {asyncio.ensure_future(stop.wait())}
    if task is not None:
        waiters.add(task)
    done, pending = await asyncio.wait(
        waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
    )
    del done
    for fut in pending:
        if fut is not task:
            fut.cancel()
