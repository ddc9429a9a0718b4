"""`seva status` and the web role's /healthz and /readyz report the desk's health."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import aiohttp
import pytest

from bot.clock import SystemClock
from bot.keys import Keys
from bot.lifecycle import Runner
from bot.settings import load_settings
from bot.store import connect
from bot.web.role import WebRole
from tests.conftest import ROOT


def _status(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "status", "--json"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )


@pytest.mark.slow
async def test_status_and_readyz_follow_the_roles(redis_server, key_prefix):
    """Status exits 0 while the web role beats, 1 after it stops; /readyz agrees."""
    env = {"SEVA_REDIS_URL": redis_server.url, "SEVA_KEY_PREFIX": key_prefix, "SEVA_ROLES": "web"}
    down = await asyncio.to_thread(_status, env)
    assert 1 == down.returncode
    assert json.loads(down.stdout)["roles"][0]["up"] is False

    settings = load_settings(
        redis_url=redis_server.url,
        key_prefix=key_prefix,
        roles="web",
        web_port=0,
        heartbeat_interval_s=0.1,
        instance_id="web-1",
    )
    role = WebRole()
    runner = Runner(
        settings=settings,
        redis=connect(settings.redis_url),
        keys=Keys(key_prefix),
        clock=SystemClock(),
        roles=[role],
    )
    task = asyncio.create_task(runner.run())
    try:
        for _ in range(100):
            if role.port:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        up = await asyncio.to_thread(_status, env)
        assert 0 == up.returncode, up.stdout + up.stderr
        assert ["web-1"] == [i["instance"] for i in json.loads(up.stdout)["roles"][0]["instances"]]
        async with aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{role.port}"
            async with http.get(f"{base}/healthz") as r:
                assert 200 == r.status
            async with http.get(f"{base}/readyz") as r:
                assert 200 == r.status
                assert (await r.json())["ok"] is True
            async with http.get(f"{base}/metrics") as r:
                assert 200 == r.status
    finally:
        runner.stop.set()
        assert 0 == await asyncio.wait_for(task, 10)
    after = await asyncio.to_thread(_status, env)
    assert 1 == after.returncode  # heartbeats are deleted on a clean stop


def test_status_exits_1_when_redis_is_down():
    """With Redis unreachable, status says so and exits non-zero."""
    result = _status({"SEVA_REDIS_URL": "redis://127.0.0.1:9/0", "SEVA_ROLES": "web"})
    assert 1 == result.returncode
    assert json.loads(result.stdout)["redis"] is False
