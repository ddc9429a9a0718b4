"""The outbox's shared budgets: X's per-user post windows and a daily spend in dollars.

Both live in Redis, so a new lease holder after a failover continues from the same
counts. Windows are sliding (a sorted set of post times), like X's own limits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from redis.asyncio import Redis

from bot.clock import Clock
from bot.keys import Keys
from bot.settings import Settings
from bot.weighted import urls

# The reading the desk used before: only a written scheme counted as a URL. Kept for the
# cost benchmark's comparison, never for billing.
_SCHEME_URL = re.compile(r"https?://\S+", re.IGNORECASE)
UrlReading = Literal["linked", "scheme"]
WINDOW_24H = 24 * 3600


@dataclass(frozen=True)
class Verdict:
    """Whether a post may go now, and if not, how long to wait and why."""

    ok: bool
    wait_s: float = 0.0
    reason: str = ""


def carries_url(text: str, reading: UrlReading = "linked") -> bool:
    """Whether X bills ``text`` as "Content: Create (with URL)".

    ``linked`` (the default, conservative reading): any URL twitter-text extracts, bare
    domains included, since X links those in the post it shows. ``scheme``: only
    ``http(s)://`` text, the reading that undercounts if X bills what it links.
    """
    if reading == "scheme":
        return _SCHEME_URL.search(text) is not None
    return bool(urls(text))


def price_of(
    text: str, *, summoned: bool, settings: Settings, reading: UrlReading = "linked"
) -> float:
    """Return what X charges for posting ``text`` (pay-per-use; docs/ARCHITECTURE.md, "Money").

    ``summoned`` is true only for a reply to a post that summoned the account; the later
    parts of a thread reply to the desk's own post and are plain posts.
    """
    if carries_url(text, reading):
        return settings.price_post_url_usd
    return settings.price_summoned_reply_usd if summoned else settings.price_post_usd


class PostBudget:
    """Sliding-window post limits plus a daily spend limit."""

    def __init__(self, redis: Redis, keys: Keys, clock: Clock, settings: Settings) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self._s = settings
        self._windows = settings.post_windows

    def _day(self) -> str:
        return self._clock.now().strftime("%Y-%m-%d")

    async def check(self, cost_usd: float, *, fanout: bool = False) -> Verdict:
        """Return whether one more post costing ``cost_usd`` fits every window and the budget.

        A storm's ``fanout`` may fill only ``SEVA_OUTBOX_FANOUT_SHARE`` of each window: the
        rest stays free for fresh answers, acknowledgements and interim replies, which would
        otherwise wait behind a thousand fan-out posts for the window to turn.
        """
        now = self._clock.time()
        key = self._keys.outbox_posted
        await self._redis.zremrangebyscore(key, "-inf", now - WINDOW_24H)
        for window, full, name in self._windows:
            limit = max(1, int(full * self._s.outbox_fanout_share)) if fanout else full
            since = f"({now - window}"  # exclusive: a post exactly one window old has aged out
            count = await self._redis.zcount(key, since, "+inf")
            if count >= limit:
                # The window frees a slot when its oldest post in the window ages out.
                oldest = await self._redis.zrangebyscore(
                    key, since, "+inf", start=count - limit, num=1, withscores=True
                )
                wait = (float(oldest[0][1]) + window - now) if oldest else 1.0
                reason = f"{name} (fan-out share)" if fanout and limit < full else name
                return Verdict(ok=False, wait_s=max(wait, 0.05), reason=reason)
        spent = float(await self._redis.hget(self._keys.spend(self._day()), "total") or 0.0)
        if spent + cost_usd > self._s.outbox_daily_budget_usd:
            midnight = 86400 - (now % 86400)
            return Verdict(ok=False, wait_s=midnight, reason="daily spending budget")
        return Verdict(ok=True)

    async def record(self, member: str, cost_usd: float, kind: str) -> None:
        """Count one post that X accepted."""
        day_key = self._keys.spend(self._day())
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self._keys.outbox_posted, {member: self._clock.time()})
            pipe.hincrbyfloat(day_key, "total", cost_usd)
            pipe.hincrbyfloat(day_key, kind, cost_usd)
            pipe.hincrby(day_key, "posts", 1)
            pipe.expire(day_key, 90 * 86400)
            # The spend since the desk began, by kind (bot.metrics); the day keys expire.
            pipe.hincrbyfloat(self._keys.counter("outbox_spend_usd"), kind, cost_usd)
            await pipe.execute()

    async def spent_today(self) -> float:
        """Return the dollars spent today."""
        return float(await self._redis.hget(self._keys.spend(self._day()), "total") or 0.0)
