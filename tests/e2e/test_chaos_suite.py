"""The chaos suite: each test injects one family of faults while a crowd posts, and counts.

Every test asserts that each post got exactly one reply from the ministry (no loss, no
duplicate) and prints its counts in pytest's "measured" summary. The faults come at seeded
points; the desk's waits are scaled down through settings (``tests/e2e/chaos.py``).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.alarms import Severity, severity_of
from bot.keys import Keys
from bot.net import free_port
from bot.nlu.server import RasaServer
from bot.x.emulator import running_emulator
from tests.conftest import RedisServer
from tests.e2e.chaos import (
    Desk,
    RasaSwitch,
    alarms,
    crowd,
    lost_and_doubled,
    publish_all,
    raised_limits,
)

SEED = 1201
pytestmark = [pytest.mark.chaos, pytest.mark.slow, pytest.mark.rasa, pytest.mark.timeout(360)]


@pytest.fixture
async def emu() -> AsyncIterator[Any]:
    # A 3 s rate window: an injected 429 says "retry at the window's end", soon.
    async with running_emulator(raised_limits(window_s=3.0)) as running:
        yield running


async def _criticals(url: str, prefix: str) -> list[str]:
    return sorted(a for a in await alarms(url, Keys(prefix)) if severity_of(a) is Severity.CRITICAL)


async def test_each_role_killed_at_a_seeded_point(
    emu: Any, own_redis: RedisServer, rasa: RasaServer, key_prefix: str, measured: Any
) -> None:
    """One process per role; each is SIGKILLed once while 300 posts flow; each post: 1 reply."""
    rng = random.Random(SEED)
    roles = ["ingest", "pipeline", "outbox", "sla"]
    kills = dict(zip(sorted(rng.sample(range(30, 270), len(roles))), rng.sample(roles, len(roles)), strict=True))  # fmt: skip
    desk = Desk(emu, own_redis.url, key_prefix, rasa)
    users = await crowd(emu, 300)
    for role in roles:
        desk.start(f"role-{role}", role)
    try:
        await asyncio.sleep(4.0)

        async def before(i: int) -> None:
            if i in kills:
                await desk.kill_and_restart(f"role-{kills[i]}")

        published = await publish_all(emu, users, before)
        lost, doubled = await lost_and_doubled(emu, set(published))
        measured(f"300 posts, kills {kills}: lost {len(lost)}, doubled {len(doubled)}")
        assert ([], []) == (lost, doubled)
        assert [] == await _criticals(own_redis.url, key_prefix)
    finally:
        desk.stop()


async def test_redis_killed_and_restarted_with_aof(
    emu: Any, own_redis: RedisServer, rasa: RasaServer, key_prefix: str, measured: Any
) -> None:
    """Redis SIGKILLed mid-flow and restarted from its AOF 2 s later: nothing lost or doubled."""
    kill_at = random.Random(SEED).randrange(30, 90)
    desk = Desk(emu, own_redis.url, key_prefix, rasa)
    users = await crowd(emu, 120)
    desk.start("desk")
    try:
        await asyncio.sleep(4.0)

        async def before(i: int) -> None:
            if i == kill_at:
                own_redis.kill()
                await asyncio.sleep(2.0)
                own_redis.start()

        published = await publish_all(emu, users, before)
        lost, doubled = await lost_and_doubled(emu, set(published))
        measured(f"120 posts, Redis killed at {kill_at}: lost {len(lost)}, doubled {len(doubled)}")
        assert ([], []) == (lost, doubled)
        assert [] == await _criticals(own_redis.url, key_prefix)  # no amnesia: the AOF kept it
    finally:
        desk.stop()


# (endpoint, fault kind, count): X's error answers on posting, reading and the stream.
STORMS = [
    ("post_tweets", "429", 3), ("post_tweets", "503", 3), ("post_tweets", "503html", 3),
    ("post_tweets", "402", 2), ("post_tweets", "usage_capped", 2),
    ("mentions", "429", 2), ("mentions", "503", 2), ("mentions", "503html", 2),
    ("mentions", "usage_capped", 1), ("mentions", "402", 1),
    ("search", "503", 2), ("search", "429", 1),
    ("stream", "503", 1), ("stream", "drop_stream", 1), ("stream", "402", 1),
    ("stream", "drop_stream", 1), ("stream", "operational_disconnect", 1),
    ("stream", "429", 1), ("stream", "drop_stream", 1),
]  # fmt: skip


async def test_x_error_storms_on_posting_reading_and_the_stream(
    emu: Any, redis_server: RedisServer, rasa: RasaServer, key_prefix: str, measured: Any
) -> None:
    """429, 503, HTML 503, 402 and usage-cap storms everywhere, stream drops: 1 reply each."""
    rng = random.Random(SEED)
    points = dict(zip(sorted(rng.sample(range(10, 140), len(STORMS))), STORMS, strict=True))
    desk = Desk(emu, redis_server.url, key_prefix, rasa)
    users = await crowd(emu, 150)
    desk.start("desk")
    try:
        await asyncio.sleep(4.0)

        async def before(i: int) -> None:
            if i in points:
                endpoint, kind, count = points[i]
                await emu.control.fault(endpoint, kind, count=count)

        published = await publish_all(emu, users, before)
        lost, doubled = await lost_and_doubled(emu, set(published))
        await asyncio.sleep(3.0)  # alarms clear at the next good post or connection
        left = await _criticals(redis_server.url, key_prefix)
        measured(
            f"150 posts, {sum(c for _, _, c in STORMS)} injected X errors and drops: "
            f"lost {len(lost)}, doubled {len(doubled)}, critical alarms left {left}"
        )
        assert ([], []) == (lost, doubled)
        assert [] == left
    finally:
        desk.stop()


async def test_rasa_down_mid_flow(
    emu: Any, redis_server: RedisServer, rasa: RasaServer, key_prefix: str, measured: Any
) -> None:
    """Rasa unreachable for 8 s: posts wait in the inbox, then each gets its one reply."""
    down_at = random.Random(SEED).randrange(20, 60)
    switch = RasaSwitch(rasa.port, free_port())
    await switch.up()
    desk = Desk(emu, redis_server.url, key_prefix, rasa, rasa_url=switch.url)
    users = await crowd(emu, 100)
    desk.start("desk")
    try:
        await asyncio.sleep(4.0)

        async def before(i: int) -> None:
            if i == down_at:
                await switch.down()
            if i == down_at + 40:  # 40 posts at 20 a second, plus the NLU's wait: about 8 s
                await asyncio.sleep(6.0)
                await switch.up()

        published = await publish_all(emu, users, before)
        lost, doubled = await lost_and_doubled(emu, set(published))
        measured(f"100 posts, Rasa down from post {down_at} for ~8 s: lost {len(lost)}, doubled {len(doubled)}")  # fmt: skip
        assert ([], []) == (lost, doubled)
    finally:
        desk.stop()
        await switch.down()


async def test_two_daemons_at_once(
    emu: Any, redis_server: RedisServer, rasa: RasaServer, key_prefix: str, measured: Any
) -> None:
    """Two full daemons share the desk (leases, consumer groups): still one reply per post."""
    desk = Desk(emu, redis_server.url, key_prefix, rasa)
    users = await crowd(emu, 150)
    desk.start("desk-a")
    desk.start("desk-b")
    try:
        await asyncio.sleep(5.0)
        published = await publish_all(emu, users)
        lost, doubled = await lost_and_doubled(emu, set(published))
        measured(f"150 posts, two daemons: lost {len(lost)}, doubled {len(doubled)}")
        assert ([], []) == (lost, doubled)
    finally:
        desk.stop()
