"""The SLA scheduler (the ``sla`` role): 75 % warnings, breach escalation, interim replies.

The same leader also groups storms (``bot.tickets.storm``), because grouping must have
one writer at a time and this role already holds a lease.

Two sorted sets drive it: ``sla_warn`` (dockets by their 75 % time) and ``sla_due`` (by due
time). Every tick the leader takes what is due on the injected clock, so tests move
through 48 hours in milliseconds. A breach escalates the ticket one level up its
department's chain (officer → head → cell), records the breach, gives the next level a
fresh SLA period, and queues one public "still working on it" reply (job id
``interim:<docket>:<level>``, so a rerun can never post it twice).

Each tick also checks the live KB's review dates: while any entry is past its
``review_due`` the ``kb_review_overdue`` warning is up, naming them; it clears once none is.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from redis.asyncio import Redis

from bot.alarms import clear_alarm, raise_alarm
from bot.clock import Clock
from bot.kb.source import KBSource
from bot.keys import ESCALATION_CHAIN, LEASE_TTL_MS, Keys
from bot.lease import Lease, run_as_leader
from bot.lifecycle import RoleContext, RoleDeps
from bot.outbox.jobs import Priority, ReplyJob, enqueue
from bot.replies.protocol import Composer
from bot.tickets.store import Ticket, TicketStore
from bot.tickets.storm import Storms
from bot.x.models import Post

log = structlog.get_logger("sla")

REVIEW_OVERDUE = "kb_review_overdue"  # a warning (bot.alarms): never fails `seva status`
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

    async def tick(self) -> None:
        """Handle every warning and breach that is due now."""
        now = self._clock.time()
        for raw in await self._redis.zrangebyscore(self._keys.sla_warn, "-inf", now):
            await self._warn(str(raw))
        for raw in await self._redis.zrangebyscore(self._keys.sla_due, "-inf", now):
            await self._breach(str(raw))

    async def _warn(self, docket: str) -> None:
        removed = await self._redis.zrem(self._keys.sla_warn, docket)
        ticket = await self._store.get(docket)
        if (
            not removed
            or ticket is None
            or ticket.state.value in {"answered", "closed", "referred"}
        ):
            return
        event = {
            "at": self._clock.now().isoformat(),
            "by": "sla",
            "event": "sla_warning",
            "due_at": ticket.due_at.isoformat(),
        }
        await self._redis.rpush(self._keys.ticket_history(docket), json.dumps(event))
        await self._redis.hincrby(self._keys.counter("sla"), "warnings", 1)
        self.warned += 1
        log.warning("sla warning: 75% of the time used", docket=docket, dept=ticket.dept)

    async def _breach(self, docket: str) -> None:
        ticket = await self._store.get(docket)
        if ticket is None or ticket.state.value in {"answered", "closed", "referred"}:
            await self._redis.zrem(self._keys.sla_due, docket)  # the clock stopped
            return
        kb = await self._kb.load()
        dept = kb.department(ticket.dept)
        chain = dept.escalation_chain if dept else list(ESCALATION_CHAIN)
        level = min(ticket.level + 1, len(chain) - 1)
        now = self._clock.now()
        next_due, next_warn = await self._store.clock_for(ticket.dept, now)
        # Claim the breach atomically: only the tick that moves the due time handles it.
        moved = await self._redis.zadd(
            self._keys.sla_due, {docket: next_due.timestamp()}, xx=True, ch=True
        )
        if not moved:
            return
        event = {
            "at": now.isoformat(),
            "by": "sla",
            "event": "sla_breach",
            "escalated_to": chain[level],
            "level": level,
        }
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                self._keys.ticket(docket),
                mapping={
                    "level": str(level),
                    "escalated_to": chain[level],
                    "due_at": next_due.isoformat(),
                    "breaches": str(int(ticket.extra.get("breaches") or 0) + 1),
                },
            )
            pipe.rpush(self._keys.ticket_history(docket), json.dumps(event))
            pipe.zadd(
                self._keys.sla_warn,
                {docket: next_warn.timestamp()},
            )
            pipe.hincrby(self._keys.counter("sla_breaches"), ticket.dept, 1)
            pipe.hincrby(
                self._keys.counter("sla_breaches_by_officer"), ticket.officer or "unclaimed", 1
            )
            await pipe.execute()
        self.breached += 1
        log.warning("sla breach: escalated", docket=docket, to=chain[level])
        if ticket.reply_allowed:
            await self._interim(ticket, level)
        # Every author in a storm waits on the master's clock, so each hears it too.
        for member in await self._storms.each_member(docket):
            await self._interim(member, level, Priority.NORMAL)

    async def _interim(
        self, ticket: Ticket, level: int, priority: Priority = Priority.HIGH
    ) -> None:
        post = Post(
            id=ticket.post_id,
            author_id=ticket.author_id,
            author_handle=ticket.author_handle,
            text=ticket.text,
            lang=None,
            created_at=ticket.created_at,
            conversation_id=ticket.conversation_id,
        )
        lang = str(ticket.nlu.get("lang") or "en")
        variables: dict[str, Any] = {"docket": ticket.docket, "dept": ticket.dept}
        parts = await self._composer.compose("interim", lang, post, variables)
        job = ReplyJob(
            job_id=f"interim:{ticket.docket}:{level}",
            in_reply_to=ticket.post_id,
            parts=parts,
            kind="interim",
            priority=priority,
            docket=ticket.docket,
            lang=lang,
            account=ticket.reply_as,
        )
        await enqueue(self._redis, self._keys, job)


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

    storms = Storms(deps.redis, deps.keys, deps.clock, store, deps.settings)
    scheduler = Scheduler(
        deps.redis,
        deps.keys,
        deps.clock,
        store,
        kb,
        ReplyComposer(kb, timezone=deps.settings.reply_timezone, clock=deps.clock),
        storms,
        timezone=deps.settings.reply_timezone,
    )
    workflow = Workflow(deps.redis, deps.keys, deps.clock, store, storms)
    return SlaRole(
        scheduler, lambda: workflow.requeue_idle(deps.settings.tickets_claim_idle_s), storms
    )
