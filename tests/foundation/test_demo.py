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
