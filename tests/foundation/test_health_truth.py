"""Health that tells the truth: crash loops are down, counters are live, severities decide."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from typing import Any

import pytest

from bot.alarms import Severity, raise_alarm, severity_of
from bot.clock import SystemClock
from bot.health import check
from bot.keys import Keys
from bot.lifecycle import RoleContext, Runner
from bot.settings import load_settings
from bot.store import connect
from bot.web.role import WebRole
from tests.conftest import ROOT


def _settings(redis_server: Any, key_prefix: str, roles: str, **extra: Any) -> Any:
    return load_settings(
        redis_url=redis_server.url, key_prefix=key_prefix, roles=roles,
        heartbeat_interval_s=0.1, heartbeat_ttl_s=1.0, instance_id="truth-1", **extra,
    )  # fmt: skip


class CountingRole:
    """Does work and counts it, as the pipeline counts decisions."""

    name = "pipeline"

    def __init__(self) -> None:
        self.done = 0

    async def run(self, ctx: RoleContext) -> None:
        ctx.gauges["decided"] = lambda: self.done
        while not ctx.stop.is_set():
            self.done += 1
            await asyncio.sleep(0.02)


async def test_web_role_that_cannot_bind_is_reported_down(redis_server, redis, key_prefix):
    """A web role whose port is taken crash-loops; its heartbeat says down, and so does check."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        s = _settings(redis_server, key_prefix, "web", web_port=port)
        keys = Keys(key_prefix)
        runner = Runner(settings=s, redis=connect(s.redis_url), keys=keys, clock=SystemClock(), roles=[WebRole()])  # fmt: skip
        task = asyncio.create_task(runner.run())
        try:
            key = keys.heartbeat("web", "truth-1")
            async with asyncio.timeout(20):  # the first bind fails (a busy machine is slow)
                while "last_error" not in json.loads(await redis.get(key) or "{}"):
                    await asyncio.sleep(0.05)
            beats = []
            for _ in range(8):  # crash-looping: every beat from now on says down
                beats.append(json.loads(await redis.get(key)))
                await asyncio.sleep(0.15)
            assert [False] * 8 == [b["up"] for b in beats]
            assert "OSError" in beats[-1]["last_error"]
            health = await check(redis, keys, ["web"])
            assert not health.ok
            assert [False] == [r.up for r in health.roles]
        finally:
            runner.stop.set()
            await asyncio.wait_for(task, 10)


async def test_heartbeat_counters_move_while_the_role_works(redis_server, redis, key_prefix):
    """The heartbeat carries the role's live count, not the value it had at start."""
    s = _settings(redis_server, key_prefix, "pipeline")
    keys = Keys(key_prefix)
    role = CountingRole()
    runner = Runner(settings=s, redis=connect(s.redis_url), keys=keys, clock=SystemClock(), roles=[role])  # fmt: skip
    task = asyncio.create_task(runner.run())
    try:
        seen: list[int] = []
        for _ in range(3):
            await asyncio.sleep(0.3)
            raw = await redis.get(keys.heartbeat("pipeline", "truth-1"))
            seen.append(json.loads(raw)["decided"])
        assert seen[0] > 0
        assert seen == sorted(seen)
        assert seen[-1] > seen[0]
    finally:
        runner.stop.set()
        await asyncio.wait_for(task, 10)


def _status(env: dict[str, str], *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "status", *flags],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=60, cwd=ROOT,
        check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("alarm", "plain_rc", "strict_rc"),
    [("outbox_creditsdepleted", 1, 1), ("ingest_silence", 0, 1)],
    ids=["critical-fails-status", "warning-fails-only-strict"],
)
async def test_status_exit_code_follows_alarm_severity(
    redis_server, redis, key_prefix, alarm, plain_rc, strict_rc
):
    """A critical alarm fails `seva status` (the healthcheck); a warning only with --strict."""
    keys = Keys(key_prefix)
    s = _settings(redis_server, key_prefix, "pipeline")
    runner = Runner(settings=s, redis=connect(s.redis_url), keys=keys, clock=SystemClock(), roles=[CountingRole()])  # fmt: skip
    task = asyncio.create_task(runner.run())
    try:
        await asyncio.sleep(0.3)
        await raise_alarm(redis, keys, SystemClock(), alarm, "fixture")
        env = {"SEVA_REDIS_URL": redis_server.url, "SEVA_KEY_PREFIX": key_prefix, "SEVA_ROLES": "pipeline"}  # fmt: skip
        plain = await asyncio.to_thread(_status, env)
        strict = await asyncio.to_thread(_status, env, "--strict")
        assert (plain_rc, strict_rc) == (plain.returncode, strict.returncode), plain.stdout
        assert alarm in plain.stdout
        label = "CRITICAL" if severity_of(alarm) is Severity.CRITICAL else "warning"
        assert label in plain.stdout
    finally:
        runner.stop.set()
        await asyncio.wait_for(task, 10)
