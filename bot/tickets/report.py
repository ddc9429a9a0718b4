"""SLA reports: the figures a minister's office asks for, from the daily records in Redis.

Nothing is kept in memory between runs, so the figures are the same after a restart.
Periods are by ticket creation day, in the report's time zone (``Settings.report_timezone``):
today, the last 7, 30 or 90 days (each counting today), or everything. They are
summed from the day records of ``bot.tickets.daily``, so a month's report reads 30 records,
not every ticket; ``figures`` sums a list of tickets the same way, for the tests.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from redis.asyncio import Redis

from bot.clock import Clock
from bot.keys import Keys
from bot.tickets.daily import DailyFigures, DayFigures, sum_days
from bot.tickets.model import OPEN, Ticket

PERIODS = {"day": 1, "week": 7, "month": 30, "quarter": 90}
AGE_BUCKETS = ((24, "<24h"), (48, "24-48h"), (float("inf"), ">48h"))


@dataclass
class Figures:
    """One period's figures."""

    period: str
    tickets: int = 0
    answered: int = 0  # tickets with any answer (reply, referral or manual reply)
    answered_in_time: int = 0  # ... first answered before their first due time
    closed: int = 0
    response_rate: float = 0.0  # answered / tickets
    clearance_rate: float = 0.0  # closed / tickets
    within_sla: float = 0.0  # answered_in_time / tickets
    median_first_response_h: float | None = None
    p90_first_response_h: float | None = None
    by_dept: dict[str, int] = field(default_factory=dict)  # new tickets
    by_topic: dict[str, int] = field(default_factory=dict)  # new tickets, by the NLU's intent
    backlog_by_dept: dict[str, int] = field(default_factory=dict)
    backlog_by_age: dict[str, int] = field(default_factory=dict)
    breaches_by_dept: dict[str, int] = field(default_factory=dict)
    breaches_by_officer: dict[str, int] = field(default_factory=dict)
    referrals: int = 0
    manual_reply_tickets: int = 0
    storms: int = 0  # master tickets with at least one member
    storm_members: int = 0  # tickets grouped under a master

    def to_json(self) -> dict[str, Any]:
        """JSON for the dashboard."""
        return asdict(self)


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def _add(into: dict[str, int], counts: dict[str, int]) -> None:
    for key, n in counts.items():
        into[key] = into.get(key, 0) + n


async def all_tickets(redis: Redis, keys: Keys) -> list[Ticket]:
    """Every ticket in Redis (a full scan: the rebuild's input, and the tests' oracle)."""
    pattern = keys.ticket("*")
    tickets = []
    async for key in redis.scan_iter(pattern, count=500):
        name = str(key)
        if name.endswith(":history"):
            continue
        raw: Any = await redis.hgetall(name)
        if raw and "docket" in raw:
            tickets.append(Ticket.from_hash(raw))
    return tickets


def first_day(now: datetime, period: str, zone: ZoneInfo) -> str | None:
    """The first day a period covers (None for all time)."""
    days = PERIODS.get(period)
    if days is None:
        return None
    today = now.astimezone(zone).date()
    return (today - timedelta(days=days - 1)).isoformat()


def combine(days: Iterable[DayFigures], now: datetime, period: str) -> Figures:
    """One period's figures from its day records."""
    out = Figures(period=period)
    hours: list[float] = []
    for d in days:
        out.tickets += d.tickets
        out.answered += d.answered
        out.answered_in_time += d.in_time
        out.closed += d.closed
        out.referrals += d.referrals
        out.manual_reply_tickets += d.manual
        out.storms += d.storms
        out.storm_members += d.storm_members
        hours += [s / 3600 for s in d.first_response_s]
        _add(out.by_dept, d.by_dept)
        _add(out.by_topic, d.by_topic)
        _add(out.breaches_by_dept, d.breaches_by_dept)
        _add(out.breaches_by_officer, d.breaches_by_officer)
        for dept, created in d.open:
            out.backlog_by_dept[dept] = out.backlog_by_dept.get(dept, 0) + 1
            age_h = (now.timestamp() - created) / 3600
            bucket = next(label for limit, label in AGE_BUCKETS if age_h < limit)
            out.backlog_by_age[bucket] = out.backlog_by_age.get(bucket, 0) + 1
    if out.tickets:
        n = out.tickets
        out.response_rate = round(out.answered / n, 4)
        out.clearance_rate = round(out.closed / n, 4)
        out.within_sla = round(out.answered_in_time / n, 4)
    if hours:
        out.median_first_response_h = round(statistics.median(hours), 2)
        out.p90_first_response_h = round(_p90(hours), 2)
    return out


def in_period(
    days: Iterable[DayFigures], now: datetime, period: str, zone: ZoneInfo
) -> list[DayFigures]:
    """The records a period covers."""
    since = first_day(now, period, zone)
    return [d for d in days if since is None or d.day >= since]


def figures(tickets: list[Ticket], now: datetime, period: str, zone: ZoneInfo) -> Figures:
    """One period's figures from a list of tickets (pure, so tests hand-check it)."""
    return combine(in_period(sum_days(tickets, zone).values(), now, period, zone), now, period)


async def current_days(
    redis: Redis, keys: Keys, zone: ZoneInfo, since: str | None = None
) -> list[DayFigures]:
    """The day records from ``since`` on, brought up to date first.

    The first report on a desk that has tickets from before the records existed sums every
    day from a full scan, once.
    """
    daily = DailyFigures(redis, keys, zone)
    if not await daily.built():
        await daily.rebuild(await all_tickets(redis, keys))
    await daily.refresh()
    return await daily.read(since)


async def report(redis: Redis, keys: Keys, clock: Clock, zone: ZoneInfo) -> dict[str, Figures]:
    """Figures for today, the last 7, 30 and 90 days, and all time."""
    now = clock.now()
    days = await current_days(redis, keys, zone)
    return {p: combine(in_period(days, now, p, zone), now, p) for p in (*PERIODS, "all")}


def daily_series(days: Iterable[DayFigures], now: datetime) -> list[dict[str, Any]]:
    """One row per day for the charts: volume, answers in and out of time, still pending.

    ``within_sla`` is the share answered in time among the tickets that were due or
    answered by now: a ticket created an hour ago and not yet due is neither in time nor
    late, so today's share does not start near zero.
    """
    rows = []
    for d in days:
        pending = sum(due > now.timestamp() for due in d.waiting_due)
        decided = d.tickets - pending
        tickets = d.tickets or None  # a day without tickets has no rates
        rows.append({
            "day": d.day,
            "tickets": d.tickets,
            "answered": d.answered,
            "answered_in_time": d.in_time,
            "answered_late": d.answered - d.in_time,
            "overdue": len(d.waiting_due) - pending,
            "pending": pending,
            "closed": d.closed,
            "within_sla": round(d.in_time / decided, 4) if decided else None,
            "response_rate": round(d.answered / tickets, 4) if tickets else None,
            "clearance_rate": round(d.closed / tickets, 4) if tickets else None,
        })  # fmt: skip
    return rows


def digest(figs: dict[str, Figures]) -> str:
    """The daily digest for the minister's office, as plain text."""
    d = figs["day"]
    w = figs["week"]
    lines = [
        f"Seva daily digest: {d.tickets} new tickets today, {w.tickets} this week.",
        (
            f"Answered: {d.response_rate:.0%} today ({w.response_rate:.0%} this week); "
            f"within the SLA: {d.within_sla:.0%} ({w.within_sla:.0%})."
        ),
        f"Closed: {d.clearance_rate:.0%} today. Referred elsewhere this week: {w.referrals}.",
        f"Backlog: {sum(w.backlog_by_dept.values())} open {_by_dept(w.backlog_by_dept)}",
        (
            f"Breaches this week: {sum(w.breaches_by_dept.values())}. "
            f"Manual-reply tickets: {w.manual_reply_tickets}."
        ),
        (
            f"Storms this week: {w.storms}, grouping {w.storm_members} more posts "
            "under their master tickets."
        ),
    ]
    return "\n".join(lines)


def _by_dept(counts: dict[str, int]) -> str:
    return f"({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})" if counts else ""


@dataclass(frozen=True)
class StormReport:
    """How a storm's answer is reaching its members."""

    master: str
    dept: str
    size: int  # members, not counting the master
    answered_at: str | None
    sent: int  # members whose copy of the answer is on X
    pending: int  # members still waiting for the storm's answer
    fan_out_s: float | None  # from the master's answer to the last member's post, when done

    def to_json(self) -> dict[str, Any]:
        """JSON for the dashboard."""
        return asdict(self)


async def storm_reports(redis: Redis, keys: Keys) -> list[StormReport]:
    """Every storm with members: its size, and how long its answer took to reach them all."""
    out = []
    fixed = {keys.storm_pending, keys.storm_profiles, keys.storm_fanout}
    async for key in redis.scan_iter(keys.storm("*"), count=500):
        if str(key) in fixed:
            continue
        raw: Any = await redis.hgetall(keys.ticket(str(key).rsplit(":", 1)[-1]))
        if raw and "docket" in raw:
            out.append(await _storm_report(redis, keys, Ticket.from_hash(raw)))
    return sorted(out, key=lambda r: r.master)


async def _storm_report(redis: Redis, keys: Keys, master: Ticket) -> StormReport:
    dockets = [str(d) for d in await redis.zrange(keys.storm(master.docket), 0, -1)]
    sent_at: list[float] = []
    waiting = 0
    for docket in dockets:
        member: Any = await redis.hgetall(keys.ticket(docket))
        if member.get("state") in OPEN and member.get("storm_of") == master.docket:
            waiting += 1  # not answered yet
        elif job := member.get("storm_job"):
            raw: Any = await redis.hget(keys.reply(job), "sent_at")
            if raw is None:
                waiting += 1  # answered, its copy still in the outbox
            else:
                sent_at.append(float(raw))
        # Members referred, closed or released with their master count as neither.
    answered = master.extra.get("answered_at")
    start = datetime.fromisoformat(answered).timestamp() if answered else None
    done = bool(sent_at) and waiting == 0 and start is not None
    return StormReport(
        master=master.docket,
        dept=master.dept,
        size=len(dockets),
        answered_at=answered,
        sent=len(sent_at),
        pending=waiting,
        fan_out_s=round(max(sent_at) - start, 3) if done and start is not None else None,
    )
