"""Answered tickets, kept for reuse: the ticket page's "similar answered tickets".

Storm profiles go when a storm's master closes, so they cannot say how a question was
answered last month. This index can: a reply (``Workflow.reply``) files, in the same Lua
call that marks the ticket answered, the ticket's one-post profile (``bot.tickets.gist``),
its text with personal data masked, and the answer in each language, under its department
(``Keys.answered``, with ``Keys.answered_order`` by time). The newest
``SEVA_DESK_ANSWERED_KEPT`` of each department stay.

``similar`` scores an open ticket against its department's answers with the storm
sweep's own measure, leaves out those the sweep's gates say are another issue
(``gist.conflict``: another headline problem, another body), and returns the best at or
above ``SEVA_DESK_SIMILAR_FLOOR``. They are suggestions for an officer to read, never sent
on their own, so unlike a storm they need no concrete subject in common (the department
is already shared).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot import pii
from bot.keys import Keys
from bot.settings import Settings
from bot.store import Redis
from bot.tickets.gist import Profile, conflict, entity_ids, gist, score
from bot.tickets.model import Ticket
from bot.tickets.transitions import Change


def profile_of(ticket: Ticket) -> Profile:
    """A one-post storm for a ticket; entities come from the NLU record the pipeline kept."""
    found = ticket.understanding
    entities = entity_ids(list(found.depts), list(found.bodies))
    return Profile.of(
        gist(ticket.text, entities), master=ticket.docket, created_at=ticket.created_at.timestamp()
    )


@dataclass(frozen=True)
class Answered:
    """One answered ticket, as a suggestion for another."""

    docket: str
    text: str  # the citizen's post, personal data masked
    lang: str
    answers: dict[str, str]  # language ('' for the default) -> the officer's answer
    by: str
    at: str  # ISO time of the answer
    score: float


class AnsweredIndex:
    """Files answers with the reply's move, and finds the ones like a ticket."""

    def __init__(self, redis: Redis, keys: Keys, settings: Settings) -> None:
        self._redis, self._keys = redis, keys
        self._kept = settings.desk_answered_kept
        self._floor = settings.desk_similar_floor
        self._shown = settings.desk_similar_shown

    def file(self, change: Change, ticket: Ticket, answers: dict[str, str], by: str) -> None:
        """Add the answer to ``change`` (the reply's own move), so it is filed with it."""
        record = {
            "text": pii.mask(ticket.text),
            "lang": ticket.lang,
            "answers": answers,
            "by": by,
            "at": change.at.isoformat(),
            "profile": profile_of(ticket).to_json(),
        }
        dept = ticket.dept
        change.hset(self._keys.answered(dept), **{ticket.docket: json.dumps(record)})
        change.zadd(self._keys.answered_order(dept), ticket.docket, change.at.timestamp())

    async def trim(self, dept: str) -> int:
        """Drop all but the newest kept answers of ``dept``; how many went."""
        order = self._keys.answered_order(dept)
        surplus = await self._redis.zcard(order) - self._kept
        if surplus <= 0:
            return 0
        gone: list[Any] = await self._redis.zpopmin(order, surplus)
        dockets = [str(d) for d, _score in gone]
        if dockets:
            await self._redis.hdel(self._keys.answered(dept), *dockets)
        return len(dockets)

    async def similar(self, ticket: Ticket) -> list[Answered]:
        """The answered tickets of its department most like ``ticket``, best first."""
        raw: Any = await self._redis.hgetall(self._keys.answered(ticket.dept))
        mine = profile_of(ticket)
        found = []
        for docket, blob in raw.items():
            if docket == ticket.docket:
                continue
            record = json.loads(blob)
            theirs = Profile.from_json(record["profile"])
            if conflict(mine, theirs) is not None or conflict(theirs, mine) is not None:
                continue
            fit = round(score(mine, theirs), 2)
            if fit >= self._floor:
                found.append(_answered(str(docket), record, fit))
        found.sort(key=lambda a: (-a.score, a.docket))
        return found[: self._shown]

    async def get(self, dept: str, docket: str) -> Answered | None:
        """One filed answer of ``dept`` (for "use this answer")."""
        blob = await self._redis.hget(self._keys.answered(dept), docket)
        if blob is None:
            return None
        return _answered(docket, json.loads(blob), 1.0)


def _answered(docket: str, record: dict[str, Any], fit: float) -> Answered:
    return Answered(
        docket=docket, text=record["text"], lang=record["lang"], answers=record["answers"],
        by=record["by"], at=record["at"], score=fit,
    )  # fmt: skip
