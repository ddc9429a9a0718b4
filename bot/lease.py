"""Single-writer leases in Redis (``SET NX PX``, renewed), for roles only one process may hold.

The X stream connection, the SLA scheduler and the outbox's shared rate budget each take
one, so several daemons can run side by side safely. Renew and release compare the
holder's token, so a process that lost its lease (a long GC pause, a partition) can never
extend or delete the new holder's.
"""

from __future__ import annotations

from redis.asyncio import Redis

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
