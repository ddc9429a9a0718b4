"""Redis with ``requirepass``: the password travels in SEVA_REDIS_URL and is never shown."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as sync_redis

from bot.clock import SystemClock
from bot.errors import StoreAuthError
from bot.keys import Keys
from bot.net import free_port
from bot.retry import Backoff
from bot.settings import load_settings
from bot.store import connect, wait_ready
from tests.conftest import ROOT, RedisServer

PASSWORD = "pw-" + secrets.token_urlsafe(12)


@pytest.fixture(scope="module")
def locked_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A private redis-server that demands a password."""
    server = RedisServer(port=free_port(), dir=tmp_path_factory.mktemp("redis-auth"))
    server.password = PASSWORD
    server.start()
    yield server
    server.stop()


def _url(server: RedisServer, auth: str = "") -> str:
    return f"redis://{auth}127.0.0.1:{server.port}/0"


async def _ready(url: str) -> bool:
    redis = connect(url)
    try:
        async with asyncio.timeout(10):
            return await wait_ready(redis, Backoff(0.05, 0.1), SystemClock())
    finally:
        await redis.aclose()


@pytest.mark.parametrize("auth", [f":{PASSWORD}@", f"default:{PASSWORD}@"])
async def test_the_store_connects_with_the_password_in_the_url(
    locked_redis: RedisServer, auth: str
) -> None:
    """redis://:PASSWORD@host and redis://USER:PASSWORD@host both authenticate."""
    assert await _ready(_url(locked_redis, auth))


@pytest.mark.parametrize("auth", ["", ":wrong-password@"])
async def test_without_the_right_password_the_store_fails_at_once_by_name(
    locked_redis: RedisServer, auth: str
) -> None:
    """No password or a wrong one raises StoreAuthError at once (no retry loop), unmasked nothing."""
    with pytest.raises(StoreAuthError, match="refused") as caught:
        await _ready(_url(locked_redis, auth))
    assert "wrong-password" not in str(caught.value)


def test_the_password_may_come_from_a_secret_file(
    locked_redis: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SEVA_REDIS_PASSWORD (a Docker secret file) joins a URL that carries no password."""
    (tmp_path / "seva_redis_password").write_text(PASSWORD + "\n")
    monkeypatch.setenv("SEVA_SECRETS_DIR", str(tmp_path))
    settings = load_settings(redis_url=_url(locked_redis))
    assert PASSWORD in settings.secret_values()
    assert asyncio.run(_ready(settings.redis_url))


def _env(url: str, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SEVA_")}
    return base | {"SEVA_REDIS_URL": url, "SEVA_KEY_PREFIX": "authtest"} | extra


def test_the_daemon_exits_2_naming_the_problem_without_the_password(
    locked_redis: RedisServer,
) -> None:
    """A daemon with a wrong password exits 2 at once, says why, and never prints it."""
    wrong = "not-the-" + PASSWORD
    done = subprocess.run(
        [sys.executable, str(ROOT / "daemon.py")],
        env=_env(_url(locked_redis, f":{wrong}@"), SEVA_ROLES="web", SEVA_WEB_PORT="0"),
        capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
    )  # fmt: skip
    assert 2 == done.returncode, done.stderr
    assert "refused" in done.stderr
    assert wrong not in done.stdout + done.stderr


def test_the_daemon_runs_with_the_password_and_logs_it_masked(
    locked_redis: RedisServer, tmp_path: Path
) -> None:
    """With the password in SEVA_REDIS_URL the daemon runs (its heartbeat appears), masked in logs."""
    log = tmp_path / "daemon.log"
    with log.open("wb") as out:
        daemon = subprocess.Popen(
            [sys.executable, str(ROOT / "daemon.py")],
            env=_env(locked_redis.url, SEVA_ROLES="web", SEVA_WEB_PORT="0"),
            stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
        )  # fmt: skip
    client = sync_redis.Redis.from_url(locked_redis.url)
    try:
        deadline = time.monotonic() + 30
        while not list(client.scan_iter(match=Keys("authtest").heartbeat_pattern())):
            assert daemon.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
        client.close()
    text = log.read_text()
    assert "seva starting" in text
    assert PASSWORD not in text


@pytest.mark.parametrize("auth", [f":{PASSWORD}@", ":wrong-pass-1234@"])
def test_seva_status_never_shows_the_password(locked_redis: RedisServer, auth: str) -> None:
    """`seva status` says what is wrong (or right) and never prints the password."""
    for fmt in ([], ["--json"]):
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "status", *fmt],
            env=_env(_url(locked_redis, auth), SEVA_ROLES="web"),
            capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
        )  # fmt: skip
        out = done.stdout + done.stderr
        assert auth.strip(":@") not in out
        assert 1 == done.returncode  # no web role runs, and with the wrong password no Redis
        if "wrong" in auth:
            assert "refused" in out
