"""Daily figures: each day's tickets summed once, so a report over 90 days reads 90 records.

A day's record (``DayFigures``) sums the tickets *created* that day, in the report's time
zone, as they stand now: how many were answered, in time or late, closed, referred, their
times to first response, the ones still open. A ticket keeps changing after its day, so the
record is kept current this way:

- every script that changes a ticket (``bot.tickets.transitions.announce_lua``, the
  creation script, the storm join) also adds its docket, and any other ticket whose hash
  it wrote, to ``Keys.report_dirty``, atomically with the change;
- ``DailyFigures.refresh`` takes the dirty dockets, finds their days, and sums those days
  again from their tickets alone (``Keys.report_created`` lists a day's dockets without a
  scan). Nothing else is read.

So a report costs the days it covers plus the days that changed since the last one, never a
scan of every ticket. ``rebuild`` (``seva sla rebuild``) sums every day again from a full
scan, for when the records drift (a bug, a restore from backup, tickets from before this
existed); ``tests/tickets/test_daily.py`` shows that both ways give the same records.

One process refreshes at a time (a lease); the others wait for it, then read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from redis.asyncio import Redis

from bot.keys import Keys
from bot.lease import Lease
from bot.tickets.model import OPEN, State, Ticket

_LEASE_MS = 120_000  # a rebuild of 50,000 tickets takes seconds; a crash frees it after this
_WAIT_S = 0.05
_BATCH = 1_000  # tickets read per pipeline

# Take the dirty dockets: union them into the working set (which still holds the dockets of
# a refresh that crashed), so marks made during the refresh land in a fresh dirty set.
_TAKE = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('SUNIONSTORE', KEYS[2], KEYS[2], KEYS[1])
  redis.call('DEL', KEYS[1])
end
return redis.call('SMEMBERS', KEYS[2])
"""


@dataclass
class DayFigures:
    """The tickets created on one day, summed as they stand now."""

    day: str  # YYYY-MM-DD in the report's zone
    tickets: int = 0
    answered: int = 0  # got a first response (a reply, a referral or a hand reply)
    in_time: int = 0  # ... before their first due time
    closed: int = 0
    referrals: int = 0
    manual: int = 0  # X let the desk answer only by hand
    storms: int = 0  # masters with members
    storm_members: int = 0
    first_response_s: list[float] = field(default_factory=list)  # one per answered ticket
    waiting_due: list[float] = field(default_factory=list)  # first due time of each unanswered
    open: list[tuple[str, float]] = field(default_factory=list)  # (dept, created) per open one
    by_dept: dict[str, int] = field(default_factory=dict)
    by_topic: dict[str, int] = field(default_factory=dict)  # the NLU's intent
    breaches_by_dept: dict[str, int] = field(default_factory=dict)
    breaches_by_officer: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        """The stored record."""
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> DayFigures:
        """Read a stored record back."""
        data = json.loads(raw)
        data["open"] = [(str(d), float(c)) for d, c in data.get("open", [])]
        return cls(**data)


def _bump(counts: dict[str, int], key: str, by: int = 1) -> None:
    counts[key] = counts.get(key, 0) + by


def day_of(at: datetime, zone: ZoneInfo) -> str:
    """The report day of a moment."""
    return at.astimezone(zone).date().isoformat()


def day_span(day: str, zone: ZoneInfo) -> tuple[float, float]:
    """The day's start and end as Unix times (end excluded)."""
    start = datetime.combine(date.fromisoformat(day), time(0), zone)
    return start.timestamp(), (start + timedelta(days=1)).timestamp()


def sum_day(day: str, tickets: Iterable[Ticket]) -> DayFigures:
    """One day's record from its tickets (pure: the tests check it by hand)."""
    out = DayFigures(day=day)
    for t in tickets:
        out.tickets += 1
        _bump(out.by_dept, t.dept)
        _bump(out.by_topic, t.understanding.intent or "unknown")
        first_due = datetime.fromisoformat(t.extra.get("first_due_at") or t.due_at.isoformat())
        if first := t.extra.get("first_response_at"):
            at = datetime.fromisoformat(first)
            out.answered += 1
            out.in_time += at <= first_due
            out.first_response_s.append(round((at - t.created_at).total_seconds(), 3))
        else:
            out.waiting_due.append(first_due.timestamp())
        if t.state in OPEN:
            out.open.append((t.dept, t.created_at.timestamp()))
        out.closed += t.state is State.CLOSED
        out.referrals += t.state is State.REFERRED or bool(t.extra.get("referred_to"))
        out.manual += not t.reply_allowed
        out.storms += int(t.extra.get("storm_size") or 0) > 0
        out.storm_members += bool(t.storm_of)
        if breaches := int(t.extra.get("breaches") or 0):
            _bump(out.breaches_by_dept, t.dept, breaches)
            _bump(out.breaches_by_officer, t.officer or "unclaimed", breaches)
    out.first_response_s.sort()
    out.waiting_due.sort()
    out.open.sort()
    return out


def sum_days(tickets: Iterable[Ticket], zone: ZoneInfo) -> dict[str, DayFigures]:
    """Every day's record from a list of tickets (the full scan's way)."""
    by_day: dict[str, list[Ticket]] = {}
    for t in tickets:
        by_day.setdefault(day_of(t.created_at, zone), []).append(t)
    return {day: sum_day(day, ts) for day, ts in sorted(by_day.items())}


class DailyFigures:
    """The stored day records: kept current from the dirty set, read for any run of days."""

    def __init__(self, redis: Redis, keys: Keys, zone: ZoneInfo) -> None:
        self._redis, self._keys, self.zone = redis, keys, zone

    @contextlib.asynccontextmanager
    async def _held(self) -> AsyncIterator[None]:
        """Hold the refresh lease, waiting while another process holds it.

        Its refresh is ours too, and two refreshes at once could store an older sum last.
        """
        lease = Lease(self._redis, self._keys.report_lock, uuid.uuid4().hex, _LEASE_MS)
        while not await lease.acquire():  # noqa: ASYNC110 (the holder is another process)
            await asyncio.sleep(_WAIT_S)
        try:
            yield
        finally:
            await lease.release()

    async def refresh(self) -> int:
        """Sum again the days whose tickets changed since the last refresh; return how many."""
        k = self._keys
        async with self._held():
            taken = await self._redis.eval(_TAKE, 2, k.report_dirty, k.report_working)
            dockets = [str(d) for d in taken]
            if not dockets:
                return 0
            async with self._redis.pipeline(transaction=False) as pipe:
                for docket in dockets:
                    pipe.hget(k.ticket(docket), "created_at")
                created = await pipe.execute()
            days = {day_of(datetime.fromisoformat(c), self.zone) for c in created if c}
            for day in sorted(days):
                await self._store(await self._sum_stored_day(day))
            await self._redis.delete(k.report_working)
            return len(days)

    async def rebuild(self, tickets: list[Ticket]) -> int:
        """Replace every record with sums of ``tickets`` (a full scan); return the days."""
        k = self._keys
        async with self._held():
            # Marks made from here on are kept for the next refresh.
            await self._redis.delete(k.report_dirty, k.report_working)
            days = sum_days(tickets, self.zone)
            kept = {str(d) for d in await self._redis.zrange(k.report_days, 0, -1)}
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(k.report_created)
                for t in tickets:
                    pipe.zadd(k.report_created, {t.docket: t.created_at.timestamp()})
                for day in kept - set(days):
                    pipe.delete(k.report_day(day))
                    pipe.zrem(k.report_days, day)
                pipe.set(k.report_built, "1")
                await pipe.execute()
            for figures in days.values():
                await self._store(figures)
            return len(days)

    async def built(self) -> bool:
        """Whether a full rebuild ever ran (tickets from before it are in no record)."""
        return bool(await self._redis.exists(self._keys.report_built))

    async def _sum_stored_day(self, day: str) -> DayFigures:
        start, end = day_span(day, self.zone)
        dockets = await self._redis.zrangebyscore(self._keys.report_created, start, f"({end}")
        tickets: list[Ticket] = []
        for i in range(0, len(dockets), _BATCH):
            async with self._redis.pipeline(transaction=False) as pipe:
                for docket in dockets[i : i + _BATCH]:
                    pipe.hgetall(self._keys.ticket(str(docket)))
                rows: list[Any] = await pipe.execute()
            tickets += [Ticket.from_hash(r) for r in rows if r and "docket" in r]
        return sum_day(day, tickets)

    async def _store(self, figures: DayFigures) -> None:
        k = self._keys
        async with self._redis.pipeline(transaction=True) as pipe:
            if figures.tickets:
                pipe.set(k.report_day(figures.day), figures.to_json())
                pipe.zadd(k.report_days, {figures.day: day_span(figures.day, self.zone)[0]})
            else:  # its tickets are gone (expired, deleted): no record
                pipe.delete(k.report_day(figures.day))
                pipe.zrem(k.report_days, figures.day)
            await pipe.execute()

    async def read(self, since: str | None = None) -> list[DayFigures]:
        """The stored records from day ``since`` on (every one for None), oldest first."""
        low: float | str = day_span(since, self.zone)[0] if since else "-inf"
        days = [
            str(d) for d in await self._redis.zrangebyscore(self._keys.report_days, low, "+inf")
        ]
        if not days:
            return []
        raw = await self._redis.mget([self._keys.report_day(d) for d in days])
        return [DayFigures.from_json(str(r)) for r in raw if r]
