"""The desk's memory check: whether the Redis it talks to has lost its data.

A Redis without persistence (like the one ``make demo`` shares) or a flushed one comes back
empty. Left alone, the desk would then re-read the last hour as a first start: citizens
answered twice, docket numbers issued again, X refusing the repeats as duplicates. So:

- on its first start against a Redis, the ingest leader writes an *epoch* key, once;
- if the epoch is missing later (this process saw it before), or is missing at start while
  the desk's own posts on X carry dockets or replies, Redis has lost its data: that is
  *amnesia*;
- amnesia sets a *hold* and the critical ``redis_amnesia`` alarm. While the hold is set (or
  the epoch is missing) the sink takes no post and no docket is issued;
- ``seva recover`` (``bot.recover``) shows what it will do, reseeds what X still knows and
  lifts the hold.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from redis.asyncio import Redis

from bot.alarms import alarm_body, raise_lua, severity_of
from bot.clock import Clock
from bot.keys import Keys

log = structlog.get_logger("epoch")

AMNESIA_ALARM = "redis_amnesia"

# Returns a sentence naming the evidence that the desk ran before (None: a first start).
Evidence = Callable[[], Awaitable[str | None]]


class EpochWatch:
    """Tells the ingest role whether it may take posts; detects amnesia on the way."""

    def __init__(self, redis: Redis, keys: Keys, clock: Clock, evidence: Evidence) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self._evidence = evidence
        self.seen: str | None = None  # the epoch this process has seen

    async def check(self) -> bool:
        """Return True when intake may go on; on amnesia set the hold and return False."""
        raw: Any = await self._redis.mget(self._keys.hold, self._keys.epoch)
        hold, epoch = raw
        if hold is not None:
            return False
        if epoch is not None:
            self.seen = str(epoch)
            return True
        if self.seen is not None:
            await self.hold(
                f"the epoch this daemon saw ({_since(self.seen)}) is gone: "
                "Redis lost its data while the desk ran"
            )
            return False
        found = await self._evidence()
        if found:
            await self.hold(f"Redis has no epoch, but {found}")
            return False
        await self.establish("first start")
        return True

    async def establish(self, why: str) -> str:
        """Write the epoch if none exists; return the epoch in force."""
        body = json.dumps({"since": self._clock.now().isoformat(), "why": why})
        if await self._redis.set(self._keys.epoch, body, nx=True):
            log.info("epoch written", why=why)
        value = await self._redis.get(self._keys.epoch)
        self.seen = str(value)
        return self.seen

    async def hold(self, detail: str) -> None:
        """Hold intake and raise the critical alarm, unless an epoch appeared meanwhile.

        One script: the evidence was read over HTTP, and `seva recover` (or another daemon's
        first start) may have written an epoch since; a hold set after that would stay for
        ever, with nobody left to lift it.
        """
        hold = json.dumps({"detail": detail, "since": self._clock.now().isoformat()})
        alarm = alarm_body(
            self._clock, AMNESIA_ALARM, f"{detail}; intake is held: run `seva recover`"
        )
        held, fresh = await self._redis.eval(
            _HOLD, 4, self._keys.epoch, self._keys.hold, self._keys.alarm(AMNESIA_ALARM),
            self._keys.counter("alarms"), hold, alarm, AMNESIA_ALARM,
        )  # fmt: skip
        if held == 1:
            log.error("amnesia: intake held until `seva recover`", detail=detail)
        if fresh == 1:
            log.error("alarm raised", alarm=AMNESIA_ALARM, severity=severity_of(AMNESIA_ALARM))


# KEYS: epoch, hold, the amnesia alarm, the alarms counter. ARGV: hold JSON, alarm JSON, the
# alarm's name. Returns {0, 0} when an epoch exists (no hold); else {1 for a new hold (2 if
# intake was held already), 1 if the alarm is new}.
_HOLD = (
    """
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, 0} end
local held = redis.call('SET', KEYS[2], ARGV[1], 'NX')
"""
    + raise_lua("KEYS[3]", "KEYS[4]", "ARGV[2]", "ARGV[3]")
    + """
return {held and 1 or 2, fresh and 1 or 0}
"""
)


def _since(epoch: str) -> str:
    try:
        return f"written {json.loads(epoch)['since']}"
    except (ValueError, KeyError, TypeError):
        return "unreadable"
