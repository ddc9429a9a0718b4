"""A Redis that lost its data is detected; nothing is re-ingested or re-docketed until recovery.

A private redis-server is killed and restarted with its files removed (as a Redis without
persistence comes back). The ingest daemon runs against the emulator over HTTP.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
import redis.asyncio as aioredis

from bot.clock import SystemClock
from bot.errors import AmnesiaError
from bot.kb.source import StaticKB
from bot.keys import Keys
from bot.tickets.store import TicketStore
from bot.x.emulator import EmulatorConfig, running_emulator
from bot.x.models import Post
from tests.conftest import ROOT, RedisServer, start_daemon
from tests.tickets.test_store import _KB


@pytest.fixture
async def emu() -> AsyncIterator[Any]:
    async with running_emulator(EmulatorConfig(keepalive_s=0.3)) as running:
        yield running


def _wipe_and_restart(server: RedisServer) -> None:
    server.kill()
    shutil.rmtree(server.dir)
    server.dir.mkdir()
    server.start()


async def _until(predicate: Any, timeout: float = 20.0) -> Any:
    async with asyncio.timeout(timeout):
        while not (result := await predicate()):
            await asyncio.sleep(0.1)
    return result


def _ingest(emu: Any, server: RedisServer, prefix: str) -> subprocess.Popen[bytes]:
    return start_daemon(
        emu, server.url, prefix, roles="ingest", instance_id="ingest-am",
        ingest_poll_interval_s="0.5", x_stream_read_timeout_s="2", x_stream_keepalive_s="0.3",
        epoch_check_s="0.3", redis_backoff_max_s="0.5",
    )  # fmt: skip


def _recover(emu: Any, server: RedisServer, prefix: str, *flags: str) -> subprocess.CompletedProcess[str]:  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEVA_")} | {
        "SEVA_REDIS_URL": server.url, "SEVA_KEY_PREFIX": prefix,
        "SEVA_X_BASE_URL": emu.base_url, "SEVA_X_BEARER_TOKEN": emu.config.app_bearer,
        "SEVA_X_USER_ACCESS_TOKEN": emu.ministry["user_token"],
        "SEVA_ACCOUNT_USER_ID": emu.ministry["id"], "SEVA_ACCOUNT_HANDLE": emu.ministry["username"],
    }  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "recover", *flags], env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip


async def _inbox_ids(redis: Any, keys: Keys) -> list[str]:
    return [json.loads(f["post"])["id"] for _, f in await redis.xrange(keys.inbox)]


@pytest.mark.chaos
@pytest.mark.slow
@pytest.mark.parametrize("daemon_restarted", [False, True], ids=["while-running", "after-restart"])
async def test_data_loss_holds_intake_until_recover_then_only_new_posts_come_in(
    emu: Any, own_redis: RedisServer, key_prefix: str, daemon_restarted: bool
) -> None:
    """Redis forgets: hold + critical alarm, no re-ingest; `seva recover` resumes from X."""
    keys = Keys(key_prefix)
    redis = aioredis.Redis.from_url(own_redis.url, decode_responses=True)
    ministry = emu.ministry["username"]
    await emu.control.create_user("asha")
    await emu.control.create_user("ravi")
    proc = _ingest(emu, own_redis, key_prefix)
    try:
        answered = await emu.control.publish("asha", f"@{ministry} my refund is stuck")
        await _until(lambda: _inbox_ids(redis, keys))
        assert await redis.exists(keys.epoch)
        # The desk acknowledged it on X with a docket, before Redis forgot everything.
        await emu.control.publish(
            ministry, "Registered as MOCI-2026-000007. Ref AB12", in_reply_to=str(answered["id"])
        )
        if daemon_restarted:
            proc.kill()
            proc.wait()
        _wipe_and_restart(own_redis)
        await redis.aclose()
        redis = aioredis.Redis.from_url(own_redis.url, decode_responses=True)
        if daemon_restarted:
            proc = _ingest(emu, own_redis, key_prefix)
        hold = json.loads(await _until(lambda: redis.get(keys.hold)))
        alarm = json.loads(await redis.get(keys.alarm("redis_amnesia")))
        assert "critical" == alarm["severity"]
        assert ("MOCI-2026-000007" in hold["detail"]) is daemon_restarted
        fresh = await emu.control.publish("ravi", f"@{ministry} how do I get an IEC?")
        await asyncio.sleep(2.0)  # several poll rounds and the stream: nothing may come in
        assert [] == await _inbox_ids(redis, keys)

        dry = await asyncio.to_thread(_recover, emu, own_redis, key_prefix)
        assert 1 == dry.returncode, dry.stderr
        assert "MOCI-2026-000108" in dry.stdout  # counter: 7 on X + the margin of 100
        assert await redis.exists(keys.hold)  # a plan only: nothing changed

        done = await asyncio.to_thread(_recover, emu, own_redis, key_prefix, "--yes")
        assert 0 == done.returncode, done.stdout + done.stderr
        assert "107" == await redis.get(keys.docket_seq("MOCI", 2026))
        assert ["MOCI-2026-000007"] == sorted(await redis.smembers(keys.lost_dockets))
        assert not await redis.exists(keys.alarm("redis_amnesia"))
        # Ingest resumes: the unanswered post comes in; the answered one never does again.
        await _until(lambda: _inbox_ids(redis, keys))
        await asyncio.sleep(1.5)
        assert [str(fresh["id"])] == await _inbox_ids(redis, keys)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        await redis.aclose()


async def test_docket_store_refuses_without_epoch_or_under_hold(redis, keys, settings) -> None:
    """The daemon's ticket store issues no docket while the epoch is missing or held."""
    store = TicketStore(redis, keys, SystemClock(), StaticKB(_KB), settings, require_epoch=True)
    post = Post(id="1", author_id="2", author_handle="a", text="t", lang="en", created_at=None, conversation_id="1")  # fmt: skip
    with pytest.raises(AmnesiaError):
        await store.create(post, "dgft", reason="r", reply_allowed=True, nlu=None)
    await redis.set(keys.epoch, "{}")
    ticket = await store.create(post, "dgft", reason="r", reply_allowed=True, nlu=None)
    assert ticket.docket.endswith("000001")
    await redis.set(keys.hold, "{}")
    with pytest.raises(AmnesiaError):
        await store.create(replace(post, id="3"), "dgft", reason="r", reply_allowed=True, nlu=None)
    assert "1" == await redis.get(keys.docket_seq("MOCI", ticket.created_at.year))
