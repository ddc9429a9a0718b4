"""Running a Rasa server: ``rasa run --enable-api`` on loopback, token-protected.

Rasa 3.6 needs Python 3.10, so it runs from its own venv as its own process (README,
"The NLU (Rasa)").
``RasaServer`` starts one in its own process group (so stopping it stops its workers too),
and ``wait_ready`` polls ``/status`` until the model is loaded.

Every Rasa is started through ``nlu/serve.py`` (``serve_argv``, ``serve_env``): the token
goes by environment, never on the command line where ``ps`` shows it, and a server started
``with_parent`` stops when the process that started it dies, even by SIGKILL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bot.errors import NLUError
from bot.nlu.project import RASA_QUIET, Project

_HTTP_OK = 200
TOKEN_ENV = "SEVA_RASA_TOKEN"  # noqa: S105 (the variable's name, not a token)
PARENT_ENV = "SEVA_RASA_PARENT_PID"


def serve_argv(project: Project, model: Path, host: str, port: int) -> list[str]:
    """The command line of a Rasa server for ``model`` (no token in it, ever)."""
    return [
        str(project.python), str(project.nlu_dir / "serve.py"), "--enable-api",
        "-m", str(model), "-i", host, "-p", str(port),
    ]  # fmt: skip


def serve_env(
    base: dict[str, str], token: str | None, *, parent_pid: int | None = None
) -> dict[str, str]:
    """The environment of a Rasa server: ``base``, the token if any, and its parent's pid."""
    env = {k: v for k, v in base.items() if k not in {TOKEN_ENV, f"{TOKEN_ENV}_FILE", PARENT_ENV}}
    env |= RASA_QUIET
    if token:
        env[TOKEN_ENV] = token
    if parent_pid is not None:
        env[PARENT_ENV] = str(parent_pid)
    return env


@dataclass
class RasaServer:
    """One ``rasa run`` process serving one model."""

    project: Project
    model: Path
    port: int
    token: str | None = None
    host: str = "127.0.0.1"
    log_path: Path | None = None
    # False only for a server that must outlive its starter (``seva nlu publish``'s green).
    with_parent: bool = True
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Start the server (returns at once; see ``wait_ready``)."""
        self.project.check_venv()
        cmd = [
            *serve_argv(self.project, self.model, self.host, self.port),
            "--log-file", str(self.log_path or os.devnull),
        ]  # fmt: skip
        parent = os.getpid() if self.with_parent else None
        sink = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115, PTH123
        try:
            self.proc = subprocess.Popen(  # noqa: S603 (our own venv's rasa, fixed arguments)
                cmd,
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=serve_env(dict(os.environ), self.token, parent_pid=parent),
                start_new_session=True,
            )
        finally:
            if not isinstance(sink, int):
                sink.close()  # the child has its own copy of the descriptor

    async def wait_ready(self, timeout_s: float = 120.0) -> None:
        """Wait until ``/status`` reports a loaded model; fail if the process dies."""
        deadline = time.monotonic() + timeout_s
        params = {"token": self.token} if self.token else {}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    code = self.proc.returncode
                    msg = f"rasa exited with {code} before it was ready (log: {self.log_path})"
                    raise NLUError(msg)
                try:
                    async with http.get(f"{self.url}/status", params=params) as resp:
                        if resp.status == _HTTP_OK and (await resp.json()).get("model_id"):
                            return
                except (aiohttp.ClientError, TimeoutError, OSError):
                    pass
                await asyncio.sleep(0.5)
        msg = f"rasa at {self.url} not ready after {timeout_s:.0f} s (log: {self.log_path})"
        raise NLUError(msg)

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stop the server and its process group."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        """Kill the server at once (tests: a crashed NLU)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
