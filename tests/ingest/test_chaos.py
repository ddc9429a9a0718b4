"""Chaos: 1,000 mentions, three stream drops and a SIGKILL; exactly 1,000 inbox entries.

The ingest role runs as a real daemon process against the emulator over HTTP and a private
redis-server. Fewer than 800 posts are published during any outage (X's mentions timeline
reaches back 800), so polling since the saved cursor can recover everything.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.x.emulator import EmulatorConfig, running_emulator
from tests.conftest import RedisServer, start_daemon

N_POSTS = 1000
DROPS_AT = (200, 450, 800)
KILL_AT = 600


@pytest.fixture
async def emu() -> AsyncIterator[Any]:
    async with running_emulator(EmulatorConfig(keepalive_s=0.3)) as running:
        yield running


def _start_ingest(
    emu: Any, redis_server: RedisServer, key_prefix: str, instance: str = "ingest-1"
) -> subprocess.Popen[bytes]:
    # A restart with the same instance id takes its lease back at once.
    return start_daemon(
        emu, redis_server.url, key_prefix, roles="ingest", instance_id=instance,
        ingest_poll_interval_s="1", x_stream_read_timeout_s="2", x_stream_keepalive_s="0.3",
        x_backoff_http_initial_s="0.2", x_backoff_network_step_s="0.1",
    )  # fmt: skip


@pytest.mark.chaos
@pytest.mark.slow
async def test_thousand_mentions_through_drops_and_a_kill_land_exactly_once(
    emu: Any, redis_server: RedisServer, redis: Any, keys: Any, key_prefix: str
) -> None:
    """Stream dropped three times and the daemon SIGKILLed once: 1,000 posts, 1,000 entries."""
    control = emu.control
    ours = 0  # control calls this test makes; the daemon must make none

    async def call(coro: Any) -> Any:
        nonlocal ours
        ours += 1
        return await coro

    baseline = (await call(control.calls()))["control"]
    users = [f"chaos_user_{i}" for i in range(20)]
    for user in users:
        await call(control.create_user(user))
    proc = _start_ingest(emu, redis_server, key_prefix)
    published: list[str] = []
    try:
        await asyncio.sleep(2.0)  # connected and rules synced
        for i in range(N_POSTS):
            if i in DROPS_AT:
                await call(control.fault("stream", "drop_stream"))
            if i == KILL_AT:
                proc.kill()
                proc.wait()
            if i == KILL_AT + 150:  # 150 posts published while no daemon runs
                proc = _start_ingest(emu, redis_server, key_prefix)
            post = await call(
                control.publish(users[i % len(users)], f"@{emu.ministry['username']} query {i}")
            )
            published.append(str(post["id"]))
            await asyncio.sleep(0.01)
        async with asyncio.timeout(60):
            while await redis.xlen(keys.inbox) < N_POSTS:
                await asyncio.sleep(0.5)
        await asyncio.sleep(3.0)  # more polling rounds must add nothing
        entries = await redis.xrange(keys.inbox)
        ids = [json.loads(fields["post"])["id"] for _, fields in entries]
        assert len(ids) == N_POSTS  # none duplicated
        assert set(ids) == set(published)  # none missing
        calls = await call(control.calls())
        assert calls["control"] - baseline == ours - 1  # the daemon never used the control API
        assert (
            int(calls["api"].get("stream", 0)) >= 4
        )  # first connect, three reconnects (and the restart)
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=15)


@pytest.mark.chaos
async def test_hashtag_only_posts_during_a_stream_outage_come_back_through_search(
    emu: Any, redis_server: RedisServer, redis: Any, keys: Any, key_prefix: str
) -> None:
    """The stream is down (503 on every reconnect); 100 hashtag-only posts arrive through search."""
    await emu.control.create_user("tagger")
    proc = _start_ingest(emu, redis_server, key_prefix)
    try:
        await asyncio.sleep(2.0)
        await emu.control.fault("stream", "503", count=1000)  # every reconnect fails
        await emu.control.fault("stream", "drop_stream")
        published = [
            str(
                (
                    await emu.control.publish(
                        "tagger", f"#mociseva SEZ approvals are slow, case {i}"
                    )
                )["id"]
            )
            for i in range(100)
        ]
        async with asyncio.timeout(60):
            while await redis.xlen(keys.inbox) < len(published):
                await asyncio.sleep(0.5)
        entries = await redis.xrange(keys.inbox)
        posts = [json.loads(fields["post"]) for _, fields in entries]
        assert sorted(p["id"] for p in posts) == sorted(published)
        assert {p["source"] for p in posts} == {"search"}
        assert all(p["reply_allowed"] is False for p in posts)  # X's rule: officers answer by hand
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=15)


async def test_two_daemons_hold_one_stream_and_a_killed_holder_hands_over(
    emu: Any, redis_server: RedisServer, redis: Any, keys: Any, key_prefix: str
) -> None:
    """Two ingest daemons: one stream connection; SIGKILL the holder and the other takes over
    within the lease TTL."""
    from bot.keys import LEASE_TTL_MS

    procs = {i: _start_ingest(emu, redis_server, key_prefix, f"ingest-{i}") for i in ("a", "b")}
    try:
        async with asyncio.timeout(60):  # two daemons start (slowly on a loaded machine)
            while int((await emu.control.calls())["api"].get("stream", 0)) < 1:
                await asyncio.sleep(0.2)
        await asyncio.sleep(3.0)  # time for a second connection, were there to be one
        calls = await emu.control.calls()
        assert int(calls["api"].get("stream", 0)) == 1  # one connection between them
        holder = str(await redis.get(keys.lease("ingest")))
        victim = "a" if holder == "ingest-a" else "b"
        procs[victim].kill()
        procs[victim].wait()
        async with asyncio.timeout(LEASE_TTL_MS / 1000 + 10):
            while str(await redis.get(keys.lease("ingest"))) in {holder, "None"}:
                await asyncio.sleep(0.2)
        assert str(await redis.get(keys.lease("ingest"))) != holder
        async with asyncio.timeout(10):
            while int((await emu.control.calls())["api"].get("stream", 0)) < 2:
                await asyncio.sleep(0.2)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=15)
