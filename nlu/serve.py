"""Run ``rasa run`` with its auth token read from the environment or a file, never argv.

Rasa 3.6 takes the token only as ``--auth-token`` on its command line, where ``ps`` and
``/proc/<pid>/cmdline`` show it to every user of the machine. This launcher, run by the
Rasa venv's Python (3.10), reads the token from ``SEVA_RASA_TOKEN_FILE`` (a Docker secret)
or ``SEVA_RASA_TOKEN``, and hands it to Rasa's own CLI parser inside this process, so the
kernel's copy of our argv never holds it:

    .venv-rasa/bin/python nlu/serve.py --enable-api -m MODEL -i 127.0.0.1 -p 5005

With ``SEVA_RASA_PARENT_PID`` set, Rasa also stops when that parent dies, however it dies
(``PR_SET_PDEATHSIG``): a killed ``seva nlu serve`` or demo leaves no open Rasa behind.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def token() -> str | None:
    """The token: from the file named by SEVA_RASA_TOKEN_FILE, else SEVA_RASA_TOKEN."""
    path = os.environ.pop("SEVA_RASA_TOKEN_FILE", "")
    value = Path(path).read_text().strip() if path else os.environ.pop("SEVA_RASA_TOKEN", "")
    return value or None


def die_with_parent() -> None:
    """Get SIGTERM when the parent named by SEVA_RASA_PARENT_PID goes, or exit if gone."""
    parent = os.environ.pop("SEVA_RASA_PARENT_PID", "")
    if not parent:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    if os.getppid() != int(parent):  # it died before prctl took effect
        sys.exit(0)


def main() -> None:
    """Start Rasa's ``run`` command with the token added in-process."""
    die_with_parent()
    secret = token()
    args = ["rasa", "run", *sys.argv[1:]]
    if any(a == "--auth-token" or a.startswith("--auth-token=") for a in args):
        sys.exit("serve.py: pass the token by SEVA_RASA_TOKEN(_FILE), never on the command line")
    if secret:
        # "=" form: a random token may start with "-", which argparse reads as an option.
        args.append(f"--auth-token={secret}")
    sys.argv = args  # Rasa's parser reads sys.argv; /proc/<pid>/cmdline keeps the original
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
