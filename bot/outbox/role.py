"""The ``outbox`` role: one lease holder posts every reply job, within X's limits."""

from __future__ import annotations

import asyncio
from typing import Protocol

from bot.keys import LEASE_TTL_MS, OUTBOX_GROUP
from bot.lease import Lease, run_as_leader
from bot.lifecycle import RoleContext, RoleDeps
from bot.outbox.budget import PostBudget
from bot.outbox.jobs import ReplyJob
from bot.outbox.poster import OnBlocked, Poster
from bot.retry import Backoff
from bot.streams import StreamWorker
from bot.x.models import XClient


class ManualReplies(Protocol):
    """Where a reply X refused goes to an officer (``bot.tickets.store.TicketStore``)."""

    async def mark_manual(self, docket: str, reason: str) -> None:
        """Mark the ticket for a hand reply on X, saying why."""
        ...


class OutboxRole:
    """Holds the outbox lease and posts jobs, high priority first."""

    name = "outbox"

    def __init__(
        self,
        x: XClient,
        on_blocked: OnBlocked | None = None,
        accounts: dict[str, XClient] | None = None,
    ) -> None:
        self._x = x
        self._on_blocked = on_blocked
        self._accounts = accounts or {}
        self.poster: Poster | None = None

    async def run(self, ctx: RoleContext) -> None:
        """Post while leader; stand by otherwise; drain the job in hand on stop."""
        s = ctx.settings
        self.poster = Poster(
            redis=ctx.redis,
            keys=ctx.keys,
            x=self._x,
            budget=PostBudget(ctx.redis, ctx.keys, ctx.clock, s),
            clock=ctx.clock,
            settings=s,
            on_blocked=self._on_blocked,
            accounts=self._accounts,
        )
        poster = self.poster
        ctx.gauges["posted"] = lambda: poster.posted
        ctx.gauges["failed"] = lambda: poster.failed

        async def work(lost: asyncio.Event) -> None:
            worker = StreamWorker(
                redis=ctx.redis,
                streams=ctx.keys.outbox_lanes(),
                group=OUTBOX_GROUP,
                consumer=s.instance_id,
                handler=poster.handle,
                clock=ctx.clock,
                deadletter=ctx.keys.deadletter,
                backoff=Backoff(s.redis_backoff_initial_s, s.redis_backoff_max_s),
                batch=1,  # one job at a time: the rate budget is checked per post
                claim_idle_ms=s.outbox_claim_idle_ms,
            )
            await worker.run(lost)

        def on_state(*, leader: bool) -> None:
            ctx.health["leader"] = leader

        lease = Lease(ctx.redis, ctx.keys.lease("outbox"), s.instance_id, LEASE_TTL_MS)
        await run_as_leader(lease, ctx.stop, work, on_state)


def build_role(
    deps: RoleDeps, *, x: XClient, accounts: dict[str, XClient], tickets: ManualReplies
) -> OutboxRole:
    """Construct the outbox role with the shared X clients; refusals mark the ticket."""
    counter = deps.keys.counter("outbox_blocked")

    async def on_blocked(job: ReplyJob, reason: str) -> None:
        # X refused the reply (e.g. ReplyNotAllowed): the ticket goes to an officer, who
        # answers by hand on X; a job without a ticket is counted for the status page.
        await deps.redis.hincrby(counter, reason, 1)
        if job.docket:
            await tickets.mark_manual(job.docket, reason)

    return OutboxRole(x, on_blocked=on_blocked, accounts=accounts)
