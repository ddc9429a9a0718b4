"""`seva nlu serve`: no open Rasa, no token in `ps`, and no Rasa left behind by its parent."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.net import free_port, port_open
from bot.nlu.commands import nlu
from bot.nlu.project import Project
from tests.conftest import ROOT


def test_serve_without_a_token_refuses_to_start() -> None:
    """Without SEVA_RASA_TOKEN, `seva nlu serve` exits 2 and says why, and starts no Rasa."""
    port = free_port()
    env = {"SEVA_RASA_TOKEN": None, "SEVA_SECRETS_DIR": None}
    result = CliRunner().invoke(nlu, ["serve", "--port", str(port)], env=env)
    assert 2 == result.exit_code, result.output
    assert "SEVA_RASA_TOKEN is not set" in result.output
    assert "--insecure-local" in result.output
    assert not port_open(port)


def test_insecure_local_is_the_only_way_past_the_token_check(tmp_path: Path) -> None:
    """With --insecure-local, serve gets past the token check (here to a missing model)."""
    nlu_dir = tmp_path / "nlu"  # the project without its trained models
    shutil.copytree(ROOT / "nlu", nlu_dir, ignore=shutil.ignore_patterns("models"))
    (nlu_dir / "models").mkdir()
    env = {"SEVA_RASA_TOKEN": None, "SEVA_SECRETS_DIR": None, "SEVA_NLU_DIR": str(nlu_dir)}
    result = CliRunner().invoke(nlu, ["serve", "--insecure-local", "--kb", "files"], env=env)
    assert 1 == result.exit_code, result.output
    assert "SEVA_RASA_TOKEN is not set" not in result.output
    assert "run `seva nlu train` first" in result.output


def _status(port: int, query: str = "") -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/status{query}", timeout=5) as r:
            return int(r.status)
    except urllib.error.HTTPError as err:
        return err.code
    except (urllib.error.URLError, OSError):
        return 0  # not listening (yet)


def _delete_model(port: int) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/model", method="DELETE")
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return int(r.status)
    except urllib.error.HTTPError as err:
        return err.code


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _every_cmdline() -> list[bytes]:
    lines = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                lines.append((entry / "cmdline").read_bytes())
            except OSError:
                continue
    return lines


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_serve_hides_its_token_and_rasa_stops_with_it(
    sig: signal.Signals, project: Project, model: Path, tmp_path: Path
) -> None:
    """The token is in no process's argv; no token gets 401; SIGTERM/SIGKILL of serve stops Rasa."""
    token = "-" + secrets.token_urlsafe(16)  # a token may start with "-"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEVA_")} | {
        "SEVA_RASA_TOKEN": token,
        "SEVA_RASA_VENV": str(ROOT / ".venv-rasa"),
        "SEVA_NLU_DIR": str(ROOT / "nlu"),
    }
    with (tmp_path / "serve.log").open("wb") as log:
        serve = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "nlu", "serve", "--port", str(port),
             "--model", str(model)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    rasa_pids: list[int] = []
    try:
        deadline = time.monotonic() + 180
        while not (port_open(port) and 200 == _status(port, f"?token={token}")):
            assert serve.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "rasa did not come up"
            time.sleep(0.5)
        rasa_pids = _children(serve.pid)
        assert 1 == len(rasa_pids)
        rasa_cmdline = Path(f"/proc/{rasa_pids[0]}/cmdline").read_bytes()
        assert b"serve.py" in rasa_cmdline
        assert [] == [c for c in _every_cmdline() if token.encode() in c]
        assert 401 == _status(port)
        assert 401 == _status(port, "?token=wrong")
        assert _delete_model(port) in {401, 403}
        assert 200 == _status(port, f"?token={token}")  # the model is still loaded

        serve.send_signal(sig)
        serve.wait(timeout=30)
        deadline = time.monotonic() + 30
        while port_open(port) or not _gone(rasa_pids[0]):
            assert time.monotonic() < deadline, f"rasa still serving after {sig.name} of serve"
            time.sleep(0.2)
        if sig is signal.SIGTERM:
            assert 0 == serve.returncode
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
        for pid in rasa_pids:
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)
