"""Small network helpers shared by the demo, the NLU commands and the tests."""

from __future__ import annotations

import contextlib
import socket


def free_port() -> int:
    """Return a loopback TCP port nobody is listening on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Return whether something accepts TCP connections on ``host:port``."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False
