"""SLA reports: the figures a minister's office asks for, computed from Redis alone.

Nothing is kept in memory between runs, so the figures are the same after a restart.
Periods are by ticket creation time: the last day, week, month, or everything.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis

from bot.clock import Clock
from bot.keys import Keys
from bot.tickets.model import OPEN, Ticket

PERIODS = {"day": 1, "week": 7, "month": 30}
AGE_BUCKETS = ((24, "<24h"), (48, "24-48h"), (float("inf"), ">48h"))


@dataclass
class Figures:
    """One period's figures."""

    period: str
    tickets: int = 0
    response_rate: float = 0.0  # share that got any answer (reply, referral or manual reply)
    clearance_rate: float = 0.0  # share closed
    within_sla: float = 0.0  # share first answered before the original due time
    median_first_response_h: float | None = None
    p90_first_response_h: float | None = None
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


async def all_tickets(redis: Redis, keys: Keys) -> list[Ticket]:
    """Every ticket in Redis."""
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


def figures(tickets: list[Ticket], now: datetime, period: str) -> Figures:
    """Compute one period's figures from tickets (pure, so tests hand-check it)."""
    days = PERIODS.get(period)
    chosen = [t for t in tickets if days is None or t.created_at >= now - timedelta(days=days)]
    out = Figures(period=period, tickets=len(chosen))
    if not chosen:
        return out
    responded, hours, in_time = 0, [], 0
    for t in chosen:
        first = t.extra.get("first_response_at")
        if first:
            responded += 1
            at = datetime.fromisoformat(first)
            hours.append((at - t.created_at).total_seconds() / 3600)
            first_due = datetime.fromisoformat(t.extra.get("first_due_at") or t.due_at.isoformat())
            in_time += at <= first_due
        if t.state in OPEN:
            out.backlog_by_dept[t.dept] = out.backlog_by_dept.get(t.dept, 0) + 1
            age_h = (now - t.created_at).total_seconds() / 3600
            bucket = next(label for limit, label in AGE_BUCKETS if age_h < limit)
            out.backlog_by_age[bucket] = out.backlog_by_age.get(bucket, 0) + 1
        breaches = int(t.extra.get("breaches") or 0)
        if breaches:
            out.breaches_by_dept[t.dept] = out.breaches_by_dept.get(t.dept, 0) + breaches
            who = t.officer or "unclaimed"
            out.breaches_by_officer[who] = out.breaches_by_officer.get(who, 0) + breaches
        out.referrals += t.state.value == "referred" or bool(t.extra.get("referred_to"))
        out.manual_reply_tickets += not t.reply_allowed
        out.storms += int(t.extra.get("storm_size") or 0) > 0
        out.storm_members += bool(t.extra.get("storm_of"))
    n = len(chosen)
    out.response_rate = round(responded / n, 4)
    out.clearance_rate = round(sum(t.state.value == "closed" for t in chosen) / n, 4)
    out.within_sla = round(in_time / n, 4)
    if hours:
        out.median_first_response_h = round(statistics.median(hours), 2)
        out.p90_first_response_h = round(_p90(hours), 2)
    return out


async def report(redis: Redis, keys: Keys, clock: Clock) -> dict[str, Figures]:
    """Figures for the last day, week, month and all time."""
    tickets = await all_tickets(redis, keys)
    now = clock.now()
    return {p: figures(tickets, now, p) for p in (*PERIODS, "all")}


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
