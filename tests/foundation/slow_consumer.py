"""A daemon-like process for lifecycle tests: the real Runner and StreamWorker, a slow handler.

Run as ``python -m tests.foundation.slow_consumer`` with SEVA_* variables set.
"""

from __future__ import annotations

import asyncio
import os

from bot import logs
from bot.clock import SystemClock
from bot.keys import PIPELINE_GROUP, Keys
from bot.lifecycle import RoleContext, Runner
from bot.retry import Backoff
from bot.settings import load_settings
from bot.store import connect
from bot.streams import StreamWorker

HANDLE_S = float(os.environ.get("TEST_HANDLE_S", "0.2"))


class SlowRole:
    """Consumes the inbox; each entry takes HANDLE_S seconds and is recorded as done."""

    name = "pipeline"

    async def run(self, ctx: RoleContext) -> None:
        async def handle(entry_id: str, _fields: dict[str, str]) -> None:
            await asyncio.sleep(HANDLE_S)
            await ctx.redis.sadd(ctx.keys.counter("done"), entry_id)

        worker = StreamWorker(
            redis=ctx.redis,
            streams=[ctx.keys.inbox],
            group=PIPELINE_GROUP,
            consumer=ctx.settings.instance_id,
            handler=handle,
            clock=ctx.clock,
            deadletter=ctx.keys.deadletter,
            backoff=Backoff(ctx.settings.redis_backoff_initial_s, ctx.settings.redis_backoff_max_s),
            batch=5,
            block_ms=200,
        )
        await worker.run(ctx.stop)


async def main() -> int:
    settings = load_settings()
    logs.configure(fmt="json", level="info")
    keys = Keys(settings.key_prefix)
    runner = Runner(
        settings=settings,
        redis=connect(settings.redis_url),
        keys=keys,
        clock=SystemClock(),
        roles=[SlowRole()],
    )
    runner.install_signal_handlers()
    return await runner.run()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
