"""Shared fixtures: a private redis-server per test session, settings, the shared/ folder.

Never touches the Redis on 6379: every run starts its own ``redis-server`` on a free port
in a temporary directory and stops it afterwards.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis as sync_redis
import redis.asyncio as aioredis

from bot.kb.schema import KnowledgeBase
from bot.kb.source import FileKB
from bot.keys import Keys
from bot.net import free_port
from bot.nlu.project import Project
from bot.nlu.server import RasaServer
from bot.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class RedisServer:
    """A redis-server process owned by the tests."""

    port: int
    dir: Path
    proc: subprocess.Popen[bytes] | None = None
    password: str | None = None  # requirepass, given to redis-server in a config file

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            pytest.fail("redis-server is not installed (make setup installs it)")
        config = self.dir / "redis.conf"
        config.write_text(f"requirepass {self.password}\n" if self.password else "")
        self.proc = subprocess.Popen(
            [
                exe,
                str(config),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--logfile",
                str(self.dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        client = sync_redis.Redis(port=self.port, password=self.password)
        while time.monotonic() < deadline:
            try:
                client.ping()
            except sync_redis.ConnectionError:
                time.sleep(0.05)
            else:
                client.close()
                return
        pytest.fail(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def kill(self) -> None:
        """Stop abruptly (the data survives in the AOF)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One private redis-server for the whole test session."""
    server = RedisServer(port=free_port(), dir=tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server (AOF on) of this test's own, which it may kill, wipe or restart."""
    server = RedisServer(port=free_port(), dir=tmp_path / "redis")
    server.dir.mkdir()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def key_prefix() -> str:
    """A prefix of its own for each test, so tests never see each other's keys."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def keys(key_prefix: str) -> Keys:
    return Keys(key_prefix)


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[aioredis.Redis]:
    """An async client on the private server."""
    client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
def settings(redis_server: RedisServer, key_prefix: str) -> Settings:
    """Settings for a test: private Redis, private prefix, fast heartbeats, emulator host."""
    return load_settings(
        redis_url=redis_server.url,
        key_prefix=key_prefix,
        heartbeat_interval_s=0.2,
        heartbeat_ttl_s=2.0,
        x_base_url="http://127.0.0.1:9",
        web_port=0,
    )


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared/ folder beside the checkout (SEVA_SHARED_DIR moves it)."""
    return Path(os.environ.get("SEVA_SHARED_DIR", ROOT.parent / "shared")).resolve()


@pytest.fixture(scope="session")
def shared_fixture(shared_dir: Path):  # type: ignore[no-untyped-def]
    """Return a function that finds a file under shared/, skipping if it is absent."""

    def find(relative: str) -> Path:
        path = shared_dir / relative
        if not path.exists():
            if os.environ.get("CI") == "true":
                pytest.fail(f"shared fixture {path} is missing in CI")
            pytest.skip(f"needs {path} (the shared/ folder beside the checkout; SEVA_SHARED_DIR)")
        return path

    return find


@pytest.fixture
async def emulator():  # type: ignore[no-untyped-def]
    """A fresh X API emulator on a free loopback port, with a 0.5 s stream keep-alive."""
    from bot.x.emulator import EmulatorConfig, running_emulator

    async with running_emulator(EmulatorConfig(keepalive_s=0.5)) as emu:
        yield emu


# --- a real Rasa server (NLU integration and end-to-end tests) ----------------------------
# The model is trained from the shipped knowledge base and nlu/ with the project's own code
# (`seva nlu train`'s path), cached in nlu/models/ by the hash of its inputs, so a second
# `make test` does not retrain. Without the Rasa venv these tests skip locally with the
# reason, and fail under CI=true, where they must run.
@pytest.fixture(scope="session")
def project() -> Project:
    """The repository's Rasa project; skip (or fail in CI) without the Rasa venv."""
    proj = Project(nlu_dir=ROOT / "nlu", rasa_venv=ROOT / ".venv-rasa")
    if not proj.rasa.exists():
        reason = "the Rasa venv .venv-rasa is missing (make setup needs a Python 3.10)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return proj


@pytest.fixture(scope="session")
def shipped_kb() -> KnowledgeBase:
    """The repository's knowledge base, read through KBSource like the daemon does."""
    return asyncio.run(FileKB(ROOT / "faq_kb", ROOT / "responses").load())


@pytest.fixture(scope="session")
def model(project: Project, shipped_kb: KnowledgeBase) -> Path:
    """The trained model for the shipped KB (trained at most once per input hash)."""
    path, _ = project.train(shipped_kb)
    return path


@pytest.fixture(scope="session")
def rasa(
    project: Project, model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RasaServer]:
    """A running Rasa server with the model, on a free loopback port, behind a token."""
    server = RasaServer(
        project,
        model,
        free_port(),
        token=secrets.token_urlsafe(16),
        log_path=tmp_path_factory.mktemp("rasa") / "rasa.log",
    )
    server.start()
    try:
        asyncio.run(server.wait_ready())
        yield server
    finally:
        server.stop()


def start_daemon(
    emu: Any, redis_url: str, key_prefix: str, **settings: str
) -> subprocess.Popen[bytes]:
    """Run ``daemon.py`` against an emulator and a Redis, as the ministry; ``settings`` are
    extra SEVA_* values by lower-case name (``roles="ingest"``)."""
    env = (
        {k: v for k, v in os.environ.items() if not k.startswith("SEVA_")}
        | {
            "SEVA_REDIS_URL": redis_url,
            "SEVA_KEY_PREFIX": key_prefix,
            "SEVA_X_BASE_URL": emu.base_url,
            "SEVA_X_BEARER_TOKEN": emu.config.app_bearer,
            "SEVA_X_USER_ACCESS_TOKEN": emu.ministry["user_token"],
            "SEVA_ACCOUNT_USER_ID": emu.ministry["id"],
            "SEVA_ACCOUNT_HANDLE": emu.ministry["username"],
        }
        | {f"SEVA_{name.upper()}": value for name, value in settings.items()}
    )
    # SEVA_TEST_DAEMON_LOG=<file>: append every test daemon's log there, to debug a run.
    command = [sys.executable, str(ROOT / "daemon.py")]
    log_path = os.environ.get("SEVA_TEST_DAEMON_LOG")
    if not log_path:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    env["PYTHONUNBUFFERED"] = "1"  # a SIGKILLed daemon's last lines are kept too
    with Path(log_path).open("ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


_MEASURED = pytest.StashKey[list[str]]()


@pytest.fixture
def measured(request: pytest.FixtureRequest) -> Any:
    """Record a figure a test measured; every one is printed in pytest's closing summary."""
    lines = request.config.stash.setdefault(_MEASURED, [])

    def record(line: str) -> None:
        lines.append(f"{request.node.name}: {line}")

    return record


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print the figures tests measured (the storm test's precision and recall, ...)."""
    lines = config.stash.get(_MEASURED, [])
    if lines:
        terminalreporter.section("measured")
        for line in lines:
            terminalreporter.write_line(line)
