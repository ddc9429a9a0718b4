"""`seva tickets` works with the configured storm window, not a default of its own."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import redis.asyncio as aioredis
from click.testing import CliRunner

from bot.clock import FakeClock
from bot.kb.source import FileKB, StaticKB
from bot.keys import Keys
from bot.settings import Settings
from bot.tickets.commands import tickets
from bot.tickets.store import TicketStore
from bot.tickets.storm import Storms
from bot.x.models import Post
from tests.conftest import ROOT, RedisServer

WINDOW_H = 48.0  # above the 24-hour default
AGE_H = 30.0  # the storm's age when an officer looks: inside the window, past the default


def _post(n: int, text: str, at: float) -> Post:
    pid = str(1_970_000_000_000_000_000 + n)
    return Post(
        id=pid, author_id=str(8000 + n), author_handle=f"citizen{n}", text=text, lang="en",
        created_at=datetime.fromtimestamp(at, UTC), conversation_id=pid, mentions_account=True,
    )  # fmt: skip


def _seed(server: RedisServer, keys: Keys, settings: Settings) -> tuple[str, str]:
    """A storm opened AGE_H hours ago (its profile saved by the sweep), and a new ticket now."""
    kb = StaticKB(asyncio.run(FileKB(ROOT / "faq_kb", ROOT / "responses").load()))

    async def seed() -> tuple[str, str]:
        client = aioredis.Redis.from_url(server.url, decode_responses=True)
        try:
            clock = FakeClock(time.time() - AGE_H * 3600)
            store = TicketStore(client, keys, clock, kb, settings)
            storms = Storms(client, keys, clock, store, settings)
            master = await store.create(
                _post(1, "@MoCI_Seva the DGFT portal is down since morning", clock.time()),
                "dgft", reason="complaint", reply_allowed=True, nlu={"lang": "en", "depts": ["dgft"]},
            )  # fmt: skip
            await storms.sweep()  # the master's profile: a storm that may take members
            assert master.docket in await client.hkeys(keys.storm_profiles)
            clock.advance(AGE_H * 3600)
            waiting = await store.create(
                _post(2, "@MoCI_Seva DGFT portal not opening, please fix", clock.time()),
                "dgft", reason="complaint", reply_allowed=True, nlu={"lang": "en", "depts": ["dgft"]},
            )  # fmt: skip
        finally:
            await client.aclose()
        return master.docket, waiting.docket

    return asyncio.run(seed())


def _profiles(server: RedisServer, keys: Keys) -> list[str]:
    async def read() -> list[str]:
        client = aioredis.Redis.from_url(server.url, decode_responses=True)
        try:
            return list(await client.hkeys(keys.storm_profiles))
        finally:
            await client.aclose()

    return asyncio.run(read())


def test_tickets_show_keeps_a_storm_inside_the_configured_window(
    redis_server: RedisServer, key_prefix: str, settings: Settings
) -> None:
    """With SEVA_STORM_WINDOW_H=48, `seva tickets show` leaves a 30-hour-old storm open."""
    settings = settings.model_copy(update={"storm_window_h": WINDOW_H})
    keys = Keys(key_prefix)
    master, waiting = _seed(redis_server, keys, settings)
    env = {
        "SEVA_REDIS_URL": redis_server.url,
        "SEVA_KEY_PREFIX": key_prefix,
        "SEVA_STORM_WINDOW_H": str(WINDOW_H),
    }
    result = CliRunner().invoke(tickets, ["show", waiting], env=env)
    assert 0 == result.exit_code, result.output
    assert [master] == _profiles(redis_server, keys)
