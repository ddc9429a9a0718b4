"""Child processes of the demo: started in their own process groups, always stopped."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Procs:
    """Starts children and guarantees they are all gone when the demo ends."""

    log_dir: Path
    children: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(self, name: str, argv: Sequence[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        """Start ``argv`` with its output in ``log_dir/name.log``."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{name}.log").open("wb")
        proc = subprocess.Popen(  # noqa: S603 (argv is built by the demo, never from input)
            list(argv),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so we can stop its children too
        )
        log.close()
        self.children.append((name, proc))
        return proc

    def check_alive(self) -> str | None:
        """Return the name of a child that died, if any."""
        for name, proc in self.children:
            if proc.poll() is not None:
                return name
        return None

    def stop_all(self, grace_s: float = 10.0) -> None:
        """SIGTERM every child's group (newest first), then SIGKILL what is left."""
        for _name, proc in reversed(self.children):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for _name, proc in reversed(self.children):
            remaining = max(0.1, deadline - time.monotonic())
            try:
                proc.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        self.children.clear()


def redis_server_exe() -> str:
    """Return the redis-server executable or explain how to get it."""
    exe = shutil.which("redis-server")
    if exe is None:
        msg = "redis-server is not installed and no Redis answers on 127.0.0.1:6379"
        raise RuntimeError(msg)
    return exe
