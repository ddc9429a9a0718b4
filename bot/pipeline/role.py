"""The ``pipeline`` role: one decision per inbox post, carried out idempotently.

Several pipeline consumers may run (one per daemon); the inbox's consumer group gives each
post to one of them, and XAUTOCLAIM hands a dead consumer's posts to another.
"""

from __future__ import annotations

from bot.decision import Thresholds
from bot.kb.source import FileKB, RedisKB, seed_if_empty
from bot.keys import PIPELINE_GROUP
from bot.lifecycle import RoleContext, RoleDeps
from bot.nlu.client import NLUClient
from bot.nlu.understand import Understander
from bot.pipeline.effects import DeskEffects, TicketDesk
from bot.pipeline.handler import PipelineHandler
from bot.replies.composer import ReplyComposer
from bot.retry import Backoff
from bot.streams import StreamWorker


class PipelineRole:
    """Consumes the inbox with the pipeline handler."""

    name = "pipeline"

    def __init__(self, handler: PipelineHandler, kb: RedisKB, files_kb: FileKB) -> None:
        self.handler = handler
        self._kb = kb
        self._files_kb = files_kb

    async def run(self, ctx: RoleContext) -> None:
        """Decide posts until stopped; a deferred post (NLU down) waits in the inbox."""
        version = await seed_if_empty(
            self._kb,
            self._files_kb,
            who=f"daemon {ctx.settings.instance_id}",
            when=ctx.clock.now().isoformat(),
        )
        ctx.health["kb_version"] = version
        worker = StreamWorker(
            redis=ctx.redis,
            streams=[ctx.keys.inbox],
            group=PIPELINE_GROUP,
            consumer=ctx.settings.instance_id,
            handler=self.handler,
            clock=ctx.clock,
            deadletter=ctx.keys.deadletter,
            backoff=Backoff(ctx.settings.redis_backoff_initial_s, ctx.settings.redis_backoff_max_s),
        )
        ctx.gauges["decided"] = lambda: worker.processed
        await worker.run(ctx.stop)


def build_role(deps: RoleDeps, *, kb: RedisKB, nlu: NLUClient, tickets: TicketDesk) -> PipelineRole:
    """Wire the handler: NLU client + entities, tickets, the composer, the live KB."""
    handler = PipelineHandler(
        redis=deps.redis,
        keys=deps.keys,
        clock=deps.clock,
        settings=deps.settings,
        understanding=Understander(nlu, kb, deps.settings.docket_prefix),
        effects=DeskEffects(
            deps.redis,
            deps.keys,
            tickets,
            ReplyComposer(kb, timezone=deps.settings.reply_timezone, clock=deps.clock),
            status_interval_h=deps.settings.followup_status_interval_h,
            clock=deps.clock,
        ),
        thresholds=Thresholds.from_settings(deps.settings),
    )
    return PipelineRole(handler, kb, FileKB(deps.settings.kb_dir, deps.settings.responses_dir))
