"""The tickets a queue page may show, read from the indexes the transition scripts keep.

No page scans the tickets: the candidates are the departments' queues (``Keys.queue``:
waiting tickets that are in no storm), the claims (``Keys.claims``: every claimed ticket,
of every department, since no per-department claims index exists), and the members of the
storms those hold (``Keys.storm``: a member waits on its master, in no queue). Each index
is read to at most ``SEVA_WEB_QUEUE_MAX_TICKETS`` dockets, and every read is one pipelined
round trip: the index reads, then the ticket hashes, then the storms' members and theirs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from bot.keys import Keys
from bot.store import Redis
from bot.tickets.model import OPEN, Ticket
from bot.web.queue_filter import storm_size


@dataclass
class Candidates:
    """The open tickets of some departments, and whether an index held more than was read."""

    tickets: list[Ticket]
    truncated: bool


async def hashes(redis: Redis, keys: Keys, dockets: Iterable[str]) -> list[Ticket]:
    """The tickets of ``dockets`` in one round trip (gone ones left out)."""
    wanted = list(dict.fromkeys(dockets))
    if not wanted:
        return []
    async with redis.pipeline(transaction=False) as pipe:
        for docket in wanted:
            pipe.hgetall(keys.ticket(docket))
        raw: list[Any] = await pipe.execute()
    return [Ticket.from_hash(h) for h in raw if h]


async def _ranges(redis: Redis, names: list[str], limit: int) -> tuple[list[str], bool]:
    """The first ``limit`` members of each sorted set, and whether any had more."""
    if not names:
        return [], False
    async with redis.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.zrange(name, 0, limit)  # one more than kept: tells us there was more
        raw: list[Any] = await pipe.execute()
    dockets = [str(d) for members in raw for d in members[:limit]]
    return dockets, any(len(members) > limit for members in raw)


async def open_candidates(
    redis: Redis, keys: Keys, depts: Collection[str], limit: int
) -> Candidates:
    """Open tickets of ``depts`` (waiting, claimed, and storm members), unsorted."""
    names = [keys.queue(d) for d in depts]
    dockets, truncated = await _ranges(redis, [*names, keys.claims], limit)
    found = await hashes(redis, keys, dockets)
    masters = [t.docket for t in found if storm_size(t) > 0 and t.dept in depts]
    members, more = await _ranges(redis, [keys.storm(m) for m in masters], limit)
    found += await hashes(redis, keys, members)
    # The indexes and the hashes are read apart: a ticket may have moved in between, so its
    # hash (read last) decides, and one that left the departments or closed is dropped.
    unique = {t.docket: t for t in found if t.dept in depts and t.state in OPEN}
    return Candidates(list(unique.values()), truncated or more)
