"""`seva demo` starts the daemon on loopback and leaves nothing running when it ends."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_demo_runs_the_daemon_and_stops_everything(redis_server):
    """The demo's daemon becomes ready, and every process it started is gone afterwards."""
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
        timeout=90,
        check=False,
    )
    assert 0 == proc.returncode, proc.stdout + proc.stderr
    ready = [ln for ln in proc.stdout.splitlines() if ln.strip().startswith("/readyz 200:")]
    assert ready, proc.stdout
    assert '"web": "up"' in ready[-1]
    assert "DOWN" not in ready[-1]
    assert "==> stopped" in proc.stdout
    leftover = subprocess.run(
        ["pgrep", "-f", str(ROOT / "daemon.py")], capture_output=True, check=False
    )
    assert b"" == leftover.stdout
