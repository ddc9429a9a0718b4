"""``seva demo``: the desk on loopback, as far as it is built today.

Today that is the daemon's foundation: Redis (the one on 6379 if it answers, under a
per-run key prefix, or a ``redis-server`` of its own), the daemon with every role that is
built, and its live health feed. The X emulator, Rasa and the scripted crowd of citizens
join this command with the issues that build them. Ctrl-C stops every process it started.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path

import aiohttp
import click

from bot.app import ROLE_FACTORIES
from bot.demo.procs import Procs, free_port, port_open, redis_server_exe

ROOT = Path(__file__).resolve().parents[2]


def _exists(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _built_roles() -> list[str]:
    """Roles whose code exists in this build (roles that talk to X also need its adapter)."""
    has_x = _exists("bot.x.adapter")
    return [
        name
        for name, target in ROLE_FACTORIES.items()
        if _exists(target.split(":")[0]) and (has_x or name not in {"ingest", "outbox", "sla"})
    ]


def _step(text: str) -> None:
    click.secho(f"==> {text}", fg="yellow")


async def _run(run_dir: Path, duration_s: float | None, redis_url: str | None) -> int:
    procs = Procs(run_dir / "logs")
    prefix = f"demo{int(time.time())}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEVA_")}
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        if redis_url:
            _step(f"using {redis_url} under key prefix {prefix}")
        elif port_open(6379):
            redis_url = "redis://127.0.0.1:6379/0"
            _step(f"using the Redis on 127.0.0.1:6379 under key prefix {prefix}")
        else:
            port = free_port()
            argv = [
                redis_server_exe(),
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(run_dir),
            ]
            procs.start("redis", argv, env)
            redis_url = f"redis://127.0.0.1:{port}/0"
            _step(f"started redis-server on port {port}")
        roles = _built_roles()
        missing = sorted(set(ROLE_FACTORIES) - set(roles))
        web_port = free_port()
        daemon_env = {
            **env,
            "SEVA_REDIS_URL": redis_url,
            "SEVA_KEY_PREFIX": prefix,
            "SEVA_ROLES": ",".join(roles),
            "SEVA_WEB_PORT": str(web_port),
            "SEVA_X_BASE_URL": "http://127.0.0.1:9",  # loopback: no X credentials needed
        }
        procs.start("daemon", [sys.executable, str(ROOT / "daemon.py")], daemon_env)
        _step(f"daemon started with roles {roles}; log: {procs.log_dir / 'daemon.log'}")
        if missing:
            _step(f"not built yet (later issues): {missing}")
        _step("Ctrl-C stops everything")
        started = time.monotonic()
        async with aiohttp.ClientSession() as http:
            while not stop.is_set():
                if procs.check_alive():
                    raise click.ClickException(f"the daemon exited; see {procs.log_dir}")
                await _show_ready(http, web_port)
                if duration_s is not None and time.monotonic() - started > duration_s:
                    break
                try:
                    await asyncio.wait_for(stop.wait(), timeout=2.0)
                except TimeoutError:
                    continue
        return 0
    finally:
        _step("stopping every process the demo started")
        procs.stop_all()
        _step("stopped")


async def _show_ready(http: aiohttp.ClientSession, port: int) -> None:
    try:
        async with http.get(f"http://127.0.0.1:{port}/readyz") as r:
            body = await r.json()
    except (aiohttp.ClientError, TimeoutError, ValueError):
        click.echo("  /readyz: not answering yet")
        return
    roles = {x["role"]: ("up" if x["up"] else "DOWN") for x in body.get("roles", [])}
    click.echo(
        f"  /readyz {r.status}: redis={'up' if body.get('redis') else 'DOWN'} "
        f"roles={json.dumps(roles)}"
    )


@click.command("demo")
@click.option("--duration", type=float, default=None, help="stop by itself after N seconds")
@click.option("--redis-url", default=None, help="use this Redis instead of 6379 or a new one")
def demo_command(duration: float | None, redis_url: str | None) -> None:
    """Run the desk on loopback (no credentials needed); Ctrl-C stops everything."""
    run_dir = ROOT / ".demo" / time.strftime("%Y%m%d-%H%M%S")
    run_dir.mkdir(parents=True, exist_ok=True)
    raise SystemExit(asyncio.run(_run(run_dir, duration, redis_url)))
