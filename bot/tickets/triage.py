"""The triage inbox: posts that got neither a docket nor a public promise, for an officer.

A post that is neither a confident FAQ, nor a grievance, nor another body's matter
(``bot.decision``: ``Action.TRIAGE``) is kept here, oldest first, with what the desk
understood of it. An officer converts it to a ticket (the acknowledgement goes then, and
the SLA runs from the original post), answers it, or dismisses it; dismissing many is one
action. ``bot.pipeline.triage`` carries those out; this module only keeps the inbox.

Each post is in the inbox once (``ZADD NX``: a redelivered post is not added twice), and
leaves it once: ``remove`` says whether this call took it out, so of two officers acting
on one post exactly one is told it was theirs. The counts (triaged, converted, answered,
dismissed) are kept for the report, and the SLA leader raises ``triage_stale`` when the
oldest post has waited longer than ``SEVA_TRIAGE_ALARM_H``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.alarms import clear_alarm, raise_alarm
from bot.clock import Clock
from bot.keys import Keys
from bot.store import Redis
from bot.x.models import Post

TRIAGE_STALE = "triage_stale"
OUTCOMES = ("triaged", "converted", "answered", "dismissed")


@dataclass(frozen=True)
class Triaged:
    """One post in the inbox."""

    post: Post
    reason: str  # the decision's
    dept: str  # the department the desk guessed (where a conversion files it)
    nlu: dict[str, Any]  # what the desk understood (``Understanding.to_record``)
    added_at: datetime


class TriageInbox:
    """The inbox in Redis: ``Keys.triage`` (post ids by arrival) and one record per post."""

    def __init__(self, redis: Redis, keys: Keys, clock: Clock) -> None:
        self._redis, self._keys, self._clock = redis, keys, clock

    async def add(self, post: Post, reason: str, dept: str, nlu: dict[str, Any]) -> bool:
        """Keep ``post`` for an officer; False if it is (or was) in the inbox already."""
        record = {
            "post": post.to_fields(),
            "reason": reason,
            "dept": dept,
            "nlu": nlu,
            "added_at": self._clock.now().isoformat(),
        }
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(self._keys.triage_posts, post.id, json.dumps(record, ensure_ascii=False))
            posted = (post.created_at or self._clock.now()).timestamp()
            pipe.zadd(self._keys.triage, {post.id: posted}, nx=True)
            new, _added = await pipe.execute()
        if new:
            await self._redis.hincrby(self._keys.counter("triage"), "triaged", 1)
        return bool(new)

    async def get(self, post_id: str) -> Triaged | None:
        """The post, while it is in the inbox."""
        if await self._redis.zscore(self._keys.triage, post_id) is None:
            return None
        raw = await self._redis.hget(self._keys.triage_posts, post_id)
        return None if raw is None else _triaged(str(raw))

    async def items(self, limit: int) -> list[Triaged]:
        """The oldest ``limit`` posts waiting."""
        ids = [str(i) for i in await self._redis.zrange(self._keys.triage, 0, limit - 1)]
        if not ids:
            return []
        raws: list[Any] = await self._redis.hmget(self._keys.triage_posts, ids)
        return [_triaged(raw) for raw in raws if raw is not None]

    async def size(self) -> int:
        """How many posts wait."""
        return int(await self._redis.zcard(self._keys.triage))

    async def remove(self, post_id: str, outcome: str) -> bool:
        """Take the post out as ``outcome``; True only for the call that took it out.

        Its record stays (a converted post's ticket links back to it); the inbox no
        longer lists it.
        """
        if outcome not in OUTCOMES[1:]:
            msg = f"unknown triage outcome {outcome!r}"
            raise ValueError(msg)
        took = bool(await self._redis.zrem(self._keys.triage, post_id))
        if took:
            await self._redis.hincrby(self._keys.counter("triage"), outcome, 1)
        return took

    async def remove_many(self, post_ids: Iterable[str], outcome: str) -> list[str]:
        """Take several posts out as ``outcome``; the ones this call took."""
        return [p for p in dict.fromkeys(post_ids) if await self.remove(p, outcome)]

    async def counts(self) -> dict[str, int]:
        """Posts triaged, converted, answered and dismissed so far, and waiting now."""
        raw: Any = await self._redis.hgetall(self._keys.counter("triage"))
        found = {name: int(raw.get(name, 0)) for name in OUTCOMES}
        return found | {"waiting": await self.size()}

    async def check_age(self, alarm_after_s: float) -> float | None:
        """Raise ``triage_stale`` while the oldest post waited past ``alarm_after_s``.

        Returns that post's age in seconds (None for an empty inbox).
        """
        oldest: Any = await self._redis.zrange(self._keys.triage, 0, 0, withscores=True)
        if not oldest:
            await clear_alarm(self._redis, self._keys, TRIAGE_STALE)
            return None
        age = self._clock.time() - float(oldest[0][1])
        if age > alarm_after_s:
            detail = (
                f"the oldest post in triage has waited {age / 3600:.1f} h "
                f"(over {alarm_after_s / 3600:.1f} h): convert, answer or dismiss it "
                "(seva triage list, or /triage in the web desk)"
            )
            await raise_alarm(self._redis, self._keys, self._clock, TRIAGE_STALE, detail)
        else:
            await clear_alarm(self._redis, self._keys, TRIAGE_STALE)
        return age


def _triaged(raw: str) -> Triaged:
    record = json.loads(raw)
    return Triaged(
        post=Post.from_fields(record["post"]),
        reason=record["reason"],
        dept=record["dept"],
        nlu=record["nlu"],
        added_at=datetime.fromisoformat(record["added_at"]),
    )
