"""`seva demo` starts the daemon on loopback and leaves nothing running when it ends."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from bot.net import port_open
from tests.conftest import ROOT


@pytest.mark.slow
def test_demo_runs_the_desk_and_stops_everything(redis_server):
    """The demo starts Rasa, the emulator and the daemon, and every process is gone afterwards."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "demo",
            "--duration",
            "4",
            "--redis-url",
            redis_server.url,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert 0 == proc.returncode, out
    assert "==> desk ready" in out
    # The browser desk, with one demo user per role (admins and heads with TOTP secrets).
    assert re.search(r"web desk at http://127\.0\.0\.1:\d+/ - demo users", out), out
    for role, name in (("officer", "meera"), ("head", "ravi"), ("admin", "anita"), ("viewer", "mo_office")):  # fmt: skip
        assert re.search(rf"{role}\s+{name}\s+password \S+", out), out
    assert 2 == out.count("TOTP secret ")
    assert "==> stopped" in out
    ports = [
        int(p) for p in re.findall(r"(?:Rasa ready|X emulator) at http://127\.0\.0\.1:(\d+)", out)
    ]
    assert len(ports) == 2, out
    assert not any(port_open(p) for p in ports)  # Rasa and the emulator are gone
    leftover = subprocess.run(
        ["pgrep", "-f", str(ROOT / "daemon.py")], capture_output=True, check=False
    )
    assert b"" == leftover.stdout


def test_the_demo_daemon_keeps_the_user_s_settings_but_not_their_secrets() -> None:
    """A limit the user set reaches the demo's daemon and beats the demo's pace; the demo's
    wiring beats the user's; no token, password or secrets folder of the user's goes in."""
    from bot.demo.main import demo_env

    environ = {
        "PATH": "/usr/bin",
        "SEVA_OUTBOX_LIMIT_15M": "7",
        "SEVA_SLA_TICK_S": "9",
        "SEVA_REDIS_URL": "redis://prod:6379/0",
        "SEVA_X_BEARER_TOKEN": "prod-token",
        "SEVA_REDIS_PASSWORD": "prod-password",
        "SEVA_SECRETS_DIR": "/run/secrets",
        "SEVA_X_HANDLE_TOKENS": "dgft=prod",
    }
    wiring = {"SEVA_REDIS_URL": "redis://127.0.0.1:1/0", "SEVA_X_BEARER_TOKEN": "emulator"}
    env = demo_env(environ, wiring)
    assert ("7", "9", "5") == (
        env["SEVA_OUTBOX_LIMIT_15M"], env["SEVA_SLA_TICK_S"], env["SEVA_INGEST_POLL_INTERVAL_S"],
    )  # fmt: skip
    assert ("redis://127.0.0.1:1/0", "emulator") == (
        env["SEVA_REDIS_URL"], env["SEVA_X_BEARER_TOKEN"],
    )  # fmt: skip
    assert not {"SEVA_REDIS_PASSWORD", "SEVA_SECRETS_DIR", "SEVA_X_HANDLE_TOKENS"} & set(env)
    assert "/usr/bin" == env["PATH"]
