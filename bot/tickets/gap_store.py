"""Where the FAQ-gap page's posts come from, and what admins decided about its clusters.

The posts: the tickets opened in the last days (each is an escalated post; storm members
are left out, as their master already stands for the incident) and the posts waiting in
the triage inbox (posts the desk could not place with confidence), newest first, at most
``limit``. Posts an admin set aside are left out: a dismissed cluster's posts (with the
reason), and those already drafted into an FAQ entry.

A draft keeps the examples taken from a cluster's posts (masked and deduplicated, by
``bot.tickets.gaps.draft_examples``) until an admin completes it into an FAQ entry.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.keys import Keys
from bot.store import Redis
from bot.tickets.gaps import GapPost
from bot.tickets.model import Ticket

_TRIAGE_READ = 2_000  # triaged posts looked at (the inbox is worked, so it stays short)


class GapStore:
    """The gap page's posts, set-asides and drafts in Redis."""

    def __init__(self, redis: Redis, keys: Keys, clock: Clock) -> None:
        self._redis, self._keys, self._clock = redis, keys, clock

    async def posts(self, days: int, limit: int) -> list[GapPost]:
        """Escalated and triaged posts of the last ``days``, newest first, not set aside."""
        since = (self._clock.now() - timedelta(days=days)).timestamp()
        k = self._keys
        dockets: Any = await self._redis.zrevrangebyscore(
            k.report_created, "+inf", since, start=0, num=limit * 2
        )
        async with self._redis.pipeline(transaction=False) as pipe:
            for docket in dockets:
                pipe.hgetall(k.ticket(str(docket)))
            rows: list[Any] = await pipe.execute()
        found: list[tuple[float, GapPost]] = []
        for row in rows:
            if not row or "docket" not in row or row.get("storm_of"):
                continue
            t = Ticket.from_hash(row)
            found.append((t.created_at.timestamp(), _from_ticket(t)))
        found += await self._triaged(since)
        aside = set(await self._redis.hkeys(k.gaps_set_aside)) if found else set()
        unique: dict[str, tuple[float, GapPost]] = {}
        for at, post in found:  # tickets first: a converted triaged post is its ticket
            if post.post_id not in aside:
                unique.setdefault(post.post_id, (at, post))
        newest = sorted(unique.values(), key=lambda pair: -pair[0])
        return [post for _, post in newest[:limit]]

    async def _triaged(self, since: float) -> list[tuple[float, GapPost]]:
        k = self._keys
        ids: Any = await self._redis.zrevrangebyscore(
            k.triage, "+inf", since, start=0, num=_TRIAGE_READ
        )
        if not ids:
            return []
        raws: list[Any] = await self._redis.hmget(k.triage_posts, [str(i) for i in ids])
        out = []
        for raw in raws:
            if raw is None:
                continue
            record = json.loads(raw)
            post, nlu = record["post"], record.get("nlu") or {}
            created = post.get("created_at") or record["added_at"]
            out.append((
                _timestamp(created),
                GapPost(
                    post_id=str(post["id"]), author=str(post.get("author_id") or ""),
                    text=str(post.get("text") or ""), lang=str(nlu.get("lang") or "en"),
                    depts=(str(record.get("dept") or ""),) if record.get("dept") else (),
                ),
            ))  # fmt: skip
        return out

    async def set_aside(self, post_ids: Iterable[str], why: str, who: str) -> int:
        """Leave these posts out of the gap page from now on; return how many were new."""
        record = json.dumps({"why": why, "by": who, "at": self._clock.now().isoformat()})
        async with self._redis.pipeline(transaction=True) as pipe:
            for post_id in dict.fromkeys(post_ids):
                pipe.hsetnx(self._keys.gaps_set_aside, post_id, record)
            added = await pipe.execute()
        return sum(bool(a) for a in added)

    async def save_draft(self, draft: dict[str, Any]) -> str:
        """Keep a new draft; return its id."""
        draft_id = secrets.token_hex(6)
        await self._redis.hset(
            self._keys.faq_drafts, draft_id, json.dumps(draft, ensure_ascii=False)
        )
        return draft_id

    async def draft(self, draft_id: str) -> dict[str, Any] | None:
        """A draft, or None."""
        raw = await self._redis.hget(self._keys.faq_drafts, draft_id)
        return None if raw is None else dict(json.loads(raw))

    async def drop_draft(self, draft_id: str) -> None:
        """Forget a draft (it became an FAQ entry)."""
        await self._redis.hdel(self._keys.faq_drafts, draft_id)


def _timestamp(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def _from_ticket(t: Ticket) -> GapPost:
    return GapPost(post_id=t.post_id, author=t.author_id, text=t.text, lang=t.lang, depts=(t.dept,))
