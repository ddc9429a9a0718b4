"""The SLA scheduler (the ``sla`` role): warnings, breach escalation, interim replies.

The same leader also groups storms (``bot.tickets.storm``), because grouping must have
one writer at a time and this role already holds a lease.

Two sorted sets drive it: ``sla_warn`` (dockets by their next warning: the model's
``SLA_WARNINGS``, 75 % of the period) and ``sla_due`` (by due
time). Every tick the leader takes what is due on the injected clock, so tests move
through 48 hours in milliseconds. A breach escalates the ticket one level up its
department's chain (officer → head → cell), records the breach, gives the next level a
fresh SLA period, and queues one public "still working on it" reply (job id
``interim:<docket>:<level>``, so a rerun can never post it twice).

Each tick also checks the live KB's review queue (``bot.kb.review``): while any entry is
past its ``review_due`` the ``kb_review_overdue`` warning is up, naming them, and while any
is unverified or states a claim it cannot support, ``kb_unverified`` is, with the counts.
Both are warnings: ``seva status`` shows them and still reports the desk healthy.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from redis.asyncio import Redis

from bot.alarms import clear_alarm, raise_alarm
from bot.clock import Clock
from bot.errors import TicketError
from bot.kb.review import Concern, counts, review_queue
from bot.kb.schema import KnowledgeBase
from bot.kb.source import KBSource
from bot.keys import ESCALATION_CHAIN, LEASE_TTL_MS, Keys
from bot.lease import Lease, run_as_leader
from bot.lifecycle import RoleContext, RoleDeps
from bot.outbox.jobs import Priority, ReplyJob
from bot.replies.protocol import Composer, Target
from bot.tickets.model import SLA_WARNINGS, Move, Ticket
from bot.tickets.store import TicketStore
from bot.tickets.storm import Storms
from bot.tickets.transitions import Change, apply
from bot.tickets.triage import TriageInbox

log = structlog.get_logger("sla")

REVIEW_OVERDUE = "kb_review_overdue"  # a warning (bot.alarms): never fails `seva status`
UNVERIFIED = "kb_unverified"  # a warning too: the desk runs with unverified entries
_NAMED_MAX = 10  # entries named in the alarm's detail


class Scheduler:
    """One pass over what is due: warnings, then breaches."""

    def __init__(  # noqa: PLR0917 (its collaborators, in one place)
        self,
        redis: Redis,
        keys: Keys,
        clock: Clock,
        store: TicketStore,
        kb: KBSource,
        composer: Composer,
        storms: Storms,
        *,
        timezone: str,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self._store = store
        self._kb = kb
        self._composer = composer
        self._storms = storms
        self._tz = ZoneInfo(timezone)
        self._overdue: str | None = None  # the detail last raised
        self.warned = 0
        self.breached = 0

    async def check_reviews(self) -> list[str]:
        """Raise ``kb_review_overdue`` while any KB entry is past ``review_due``, else clear it.

        Returns the overdue entries (``faq <id>``, ``directory <id>``).
        """
        kb = await self._kb.load()
        today = self._clock.now().astimezone(self._tz).date()
        overdue = [f"faq {f.id}" for f in kb.faqs if f.stale(today)]
        overdue += [f"directory {d.id}" for d in kb.directory if d.stale(today)]
        await self._check_unverified(kb, today)
        if not overdue:
            self._overdue = None
            await clear_alarm(self._redis, self._keys, REVIEW_OVERDUE)
            return overdue
        named = ", ".join(overdue[:_NAMED_MAX]) + (", ..." if len(overdue) > _NAMED_MAX else "")
        detail = (
            f"{len(overdue)} KB entries past review_due ({named}); they are treated as "
            "unverified until reviewed again (seva kb set ITEM review_due DATE)"
        )
        if detail != self._overdue or not await self._redis.exists(
            self._keys.alarm(REVIEW_OVERDUE)
        ):
            await raise_alarm(self._redis, self._keys, self._clock, REVIEW_OVERDUE, detail)
            self._overdue = detail
        return overdue

    async def _check_unverified(self, kb: KnowledgeBase, today: date) -> None:
        """Raise ``kb_unverified`` with the review queue's counts, or clear it."""
        found = counts(review_queue(kb, today))
        unverified, unsupported = found[Concern.UNVERIFIED], found[Concern.UNSUPPORTED]
        if not unverified and not unsupported:
            await clear_alarm(self._redis, self._keys, UNVERIFIED)
            return
        detail = (
            f"{unverified} KB entries unverified, {unsupported} answers held back for a claim "
            "they cannot support yet (seva kb review lists them)"
        )
        await raise_alarm(self._redis, self._keys, self._clock, UNVERIFIED, detail)

    async def tick(self) -> None:
        """Handle every warning and breach that is due now."""
        now = self._clock.time()
        for raw in await self._redis.zrangebyscore(self._keys.sla_warn, "-inf", now):
            await self._warn(str(raw))
        for raw in await self._redis.zrangebyscore(self._keys.sla_due, "-inf", now):
            await self._breach(str(raw))

    async def _warn(self, docket: str) -> None:
        ticket = await self._store.get(docket)
        if ticket is None or not ticket.is_open:
            await self._redis.zrem(self._keys.sla_warn, docket)  # the clock stopped
            return
        due = ticket.due_at.isoformat()
        # Warnings already given in this period (a new period, after a breach or a reopen,
        # starts from none).
        same = ticket.extra.get("warned_for") == due
        sent = int(ticket.extra.get("warnings_sent") or 1) if same else 0
        if sent >= len(SLA_WARNINGS):
            await self._redis.zrem(self._keys.sla_warn, docket)  # all given for this period
            return
        share = SLA_WARNINGS[sent]
        change = Change(
            docket, Move.WARN, "sla", self._clock.now(), self._keys,
            details={"due_at": due, "share": share},
            expect={
                "due_at": due,
                "warned_for": ticket.extra.get("warned_for", ""),
                "warnings_sent": ticket.extra.get("warnings_sent", ""),
            },
        )  # fmt: skip
        change.hset(change.ticket, warned_for=due, warnings_sent=str(sent + 1))
        change.zrem(self._keys.sla_warn, docket)
        if sent + 1 < len(SLA_WARNINGS):  # the next warning of this period
            start = datetime.fromisoformat(
                ticket.extra.get("period_from") or ticket.created_at.isoformat()
            )
            then = await self._store.period_point(ticket.dept, start, SLA_WARNINGS[sent + 1])
            change.zadd(self._keys.sla_warn, docket, then.timestamp())
        change.hincrby(self._keys.counter("sla"), "warnings", 1)
        change.hincrby(self._keys.counter("sla_warnings"), ticket.dept, 1)
        try:
            await apply(self._redis, change)
        except TicketError:
            return  # moved meanwhile (answered, escalated): the next tick sees it anew
        self.warned += 1
        log.warning("sla warning: time running out", share=share, docket=docket, dept=ticket.dept)

    async def _breach(self, docket: str) -> None:
        ticket = await self._store.get(docket)
        if ticket is None or not ticket.is_open:
            await self._redis.zrem(self._keys.sla_due, docket)  # the clock stopped
            return
        kb = await self._kb.load()
        dept = kb.department(ticket.dept)
        chain = dept.escalation_chain if dept else list(ESCALATION_CHAIN)
        level = min(ticket.level + 1, len(chain) - 1)
        next_due, next_warn = await self._store.clock_for(ticket.dept, self._clock.now())
        # One move: the escalation, the next period, the counters and every interim reply
        # (the author's, and each storm member's, who waits on this clock too). Only the
        # tick that finds the due time unchanged makes it.
        change = Change(
            docket, Move.ESCALATE, "sla", self._clock.now(), self._keys,
            details={"escalated_to": chain[level], "level": level},
            expect={"due_at": ticket.due_at.isoformat()},
        )  # fmt: skip
        change.hset(
            change.ticket, level=str(level), escalated_to=chain[level],
            due_at=next_due.isoformat(), warn_at=next_warn.isoformat(),
            period_from=change.at.isoformat(),
        )  # fmt: skip
        change.hincrby(change.ticket, "breaches", 1)
        change.zadd(self._keys.sla_due, docket, next_due.timestamp())
        change.zadd(self._keys.sla_warn, docket, next_warn.timestamp())
        change.hincrby(self._keys.counter("sla_breaches"), ticket.dept, 1)
        officer = ticket.officer or "unclaimed"
        change.hincrby(self._keys.counter("sla_breaches_by_officer"), officer, 1)
        if ticket.reply_allowed:
            change.enqueue(await self._interim(ticket, level, Priority.HIGH))
        for member in await self._storms.each_member(docket):
            change.enqueue(await self._interim(member, level, Priority.NORMAL))
        try:
            await apply(self._redis, change)
        except TicketError:
            return  # another tick escalated it, or it moved meanwhile
        self.breached += 1
        log.warning("sla breach: escalated", docket=docket, to=chain[level])

    async def _interim(self, ticket: Ticket, level: int, priority: Priority) -> ReplyJob:
        variables: dict[str, Any] = {"docket": ticket.docket, "dept": ticket.dept}
        target = Target(ticket.post_id, ticket.text)
        parts = await self._composer.compose("interim", ticket.lang, target, variables)
        return ReplyJob(
            job_id=f"interim:{ticket.docket}:{level}",
            in_reply_to=ticket.post_id,
            parts=parts,
            kind="interim",
            priority=priority,
            docket=ticket.docket,
            lang=ticket.lang,
            account=ticket.reply_as,
        )


class SlaRole:
    """Under one lease: groups storms, finishes fan-outs, ticks the SLA, requeues idle claims."""

    name = "sla"

    def __init__(self, scheduler: Scheduler, requeue: Any, storms: Storms) -> None:
        self.scheduler = scheduler
        self._requeue = requeue
        self.storms = storms

    async def run(self, ctx: RoleContext) -> None:
        """Tick while leader."""

        async def work(lost: asyncio.Event) -> None:
            while not lost.is_set():
                try:
                    await self.storms.sweep()
                    await self.storms.finish_fan_outs()
                    await self.scheduler.tick()
                    await self.scheduler.check_reviews()
                    await TriageInbox(ctx.redis, ctx.keys, ctx.clock).check_age(
                        ctx.settings.triage_alarm_h * 3600
                    )
                    await self._requeue()
                except Exception as err:
                    log.warning("sla tick failed", error=f"{type(err).__name__}: {err}")
                ctx.health["breached"] = self.scheduler.breached
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), timeout=ctx.settings.sla_tick_s)

        lease = Lease(ctx.redis, ctx.keys.lease("sla"), ctx.settings.instance_id, LEASE_TTL_MS)
        await run_as_leader(lease, ctx.stop, work)


def build_role(deps: RoleDeps, *, kb: KBSource, store: TicketStore) -> SlaRole:
    """Wire the scheduler with the shared ticket store, the live KB and the composer."""
    from bot.replies.composer import ReplyComposer
    from bot.tickets.workflow import Workflow

    composer = ReplyComposer(kb, timezone=deps.settings.reply_timezone, clock=deps.clock)
    storms = Storms(deps.redis, deps.keys, deps.clock, store, deps.settings, composer=composer)
    scheduler = Scheduler(
        deps.redis,
        deps.keys,
        deps.clock,
        store,
        kb,
        composer,
        storms,
        timezone=deps.settings.reply_timezone,
    )
    workflow = Workflow(deps.redis, deps.keys, deps.clock, store, storms)
    return SlaRole(
        scheduler, lambda: workflow.requeue_idle(deps.settings.tickets_claim_idle_s), storms
    )
