"""Run the whole desk on loopback: Redis, Rasa, the X emulator, the daemon, a crowd.

No credentials are needed: the emulator issues its own local tokens. Every key lives
under a per-run prefix, so a second run never sees the first run's cursors or seen-keys.
Ctrl-C (or the end of the script with ``--exit-after``) stops every process it started.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import click

from bot.demo import feed
from bot.demo.crowd import CROWD, Scripted
from bot.demo.procs import Procs, free_port, port_open, redis_server_exe
from bot.keys import Keys
from bot.store import connect

ROOT = Path(__file__).resolve().parents[2]
SEVA = [sys.executable, "-m", "bot.cli"]
HTTP_SERVER_ERROR = 500


async def _wait_http(url: str, timeout_s: float, procs: Procs, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            dead = procs.check_alive()
            if dead:
                msg = f"{dead} exited during start-up; see {procs.log_dir / (dead + '.log')}"
                raise click.ClickException(msg)
            try:
                async with http.get(url, timeout=aiohttp.ClientTimeout(total=2)) as r:
                    if r.status < HTTP_SERVER_ERROR:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.3)
    msg = f"{what} did not answer at {url} within {timeout_s:.0f}s; logs in {procs.log_dir}"
    raise click.ClickException(msg)


def _step(text: str) -> None:
    click.secho(f"==> {text}", fg="yellow")


async def _run(exit_after: bool, run_dir: Path) -> int:
    procs = Procs(run_dir / "logs")
    prefix = f"demo{int(time.time())}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEVA_")}
    try:
        if port_open(6379):
            redis_url = "redis://127.0.0.1:6379/0"
            _step(f"using the Redis on 127.0.0.1:6379 under key prefix {prefix}")
        else:
            port = free_port()
            procs.start(
                "redis",
                [
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
                ],
                env,
            )
            redis_url = f"redis://127.0.0.1:{port}/0"
            _step(f"started redis-server on port {port}")

        _step("training the NLU model (cached: unchanged data is not retrained)")
        train = await asyncio.create_subprocess_exec(*SEVA, "nlu", "train", cwd=ROOT, env=env)
        if await train.wait() != 0:
            raise click.ClickException("`seva nlu train` failed")

        rasa_port, rasa_token = free_port(), secrets.token_urlsafe(16)
        rasa_env = {**env, "SEVA_RASA_TOKEN": rasa_token}
        procs.start("rasa", [*SEVA, "nlu", "serve", "--port", str(rasa_port)], rasa_env)
        _step(f"starting Rasa on port {rasa_port} (loading the model takes ~15 s)")
        await _wait_http(f"http://127.0.0.1:{rasa_port}/", 180, procs, "Rasa")

        emu_port = free_port()
        procs.start("emulator", [*SEVA, "emulator", "--port", str(emu_port)], env)
        emu_url = f"http://127.0.0.1:{emu_port}"
        await _wait_http(f"{emu_url}/2/users/me", 30, procs, "the X emulator")
        _step(f"X emulator on {emu_url}")

        from bot.x.emulator.config import EmulatorConfig
        from bot.x.emulator.control import EmulatorControl

        emu_cfg = EmulatorConfig()
        control = EmulatorControl(emu_url, emu_cfg.admin_token)
        web_port = free_port()
        daemon_env = {
            **env,
            "SEVA_REDIS_URL": redis_url,
            "SEVA_KEY_PREFIX": prefix,
            "SEVA_X_BASE_URL": emu_url,
            "SEVA_X_BEARER_TOKEN": emu_cfg.app_bearer,
            "SEVA_X_USER_ACCESS_TOKEN": emu_cfg.ministry_user_token,
            "SEVA_ACCOUNT_HANDLE": emu_cfg.ministry_username,
            "SEVA_RASA_URLS": f"http://127.0.0.1:{rasa_port}",
            "SEVA_RASA_TOKEN": rasa_token,
            "SEVA_WEB_PORT": str(web_port),
            "SEVA_INGEST_HORIZON_S": "3600",
            "SEVA_LOG_FORMAT": "json",
        }
        procs.start("daemon", [sys.executable, str(ROOT / "daemon.py")], daemon_env)
        await _wait_http(f"http://127.0.0.1:{web_port}/readyz", 60, procs, "the daemon")
        _step(f"daemon ready: http://127.0.0.1:{web_port}/readyz; logs in {procs.log_dir}")

        tally = await _crowd(control, connect(redis_url), Keys(prefix), emu_cfg.ministry_username)
        feed.summary(tally, {"redis": redis_url, "prefix": prefix, "logs": str(procs.log_dir)})
        await control.close()
        if not exit_after:
            _step("the desk keeps running; press Ctrl-C to stop everything")
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
        return 0
    finally:
        _step("stopping every process the demo started")
        procs.stop_all()


async def _crowd(control: Any, redis: Any, keys: Keys, handle: str) -> feed.Tally:
    """Publish the scripted posts one by one and print what the desk did with each."""
    tally = feed.Tally()
    published: dict[int, dict[str, Any]] = {}
    dockets: dict[int, str] = {}
    users: dict[str, str] = {}
    for i, s in enumerate(CROWD):
        if s.author not in users:
            users[s.author] = (await control.create_user(s.author))["id"]
        text = _fill(s, handle, dockets)
        reply_to = published[s.reply_to]["id"] if s.reply_to is not None else None
        feed.post_line(s.author, text, s.note)
        started = time.monotonic()
        post = await control.publish(s.author, text, in_reply_to=reply_to)
        published[i] = post
        tally.posts += 1
        record = await _await_decision(redis, keys, post["id"], timeout_s=60)
        if record is None:
            click.secho("    (no decision within 60 s; see the daemon log)", fg="red")
            continue
        tally.add(record["decision"]["action"])
        feed.decision_line(record)
        docket = record.get("facts", {}).get("docket")
        if docket:
            dockets[i] = docket
        parts = await _await_thread(control, post["id"], expect=_expects_reply(record))
        if parts:
            tally.latencies_s.append(time.monotonic() - started)
        tally.replies += len(parts)
        feed.reply_lines(parts)
    await redis.aclose()
    return tally


def _fill(s: Scripted, handle: str, dockets: dict[int, str]) -> str:
    text = s.text.replace("{handle}", handle)
    return re.sub(
        r"\{docket:(\d+)\}", lambda m: dockets.get(int(m.group(1)), "MOCI-0000-000000"), text
    )


def _expects_reply(record: dict[str, Any]) -> bool:
    facts = record.get("facts", {})
    return bool(facts.get("job"))


async def _await_decision(
    redis: Any, keys: Keys, post_id: str, timeout_s: float
) -> dict[str, Any] | None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        raw = await redis.get(keys.decision(post_id))
        if raw:
            record: dict[str, Any] = json.loads(raw)
            if record.get("done"):
                return record
        await asyncio.sleep(0.1)
    return None


async def _await_thread(control: Any, post_id: str, *, expect: bool) -> list[dict[str, Any]]:
    """Follow the reply chain under ``post_id`` on the emulator (what the citizen sees)."""
    deadline = time.monotonic() + (30 if expect else 1.5)
    parts: list[dict[str, Any]] = []
    parent = post_id
    while time.monotonic() < deadline:
        children = await control.posts(in_reply_to=parent)
        if children:
            parts.append(children[0])
            parent = children[0]["id"]
            deadline = time.monotonic() + 1.5  # the next part, if any, follows quickly
            continue
        if parts and not expect:
            break
        await asyncio.sleep(0.2)
    return parts


@click.command("demo")
@click.option("--exit-after", is_flag=True, help="stop everything after the scripted crowd")
def demo_command(exit_after: bool) -> None:
    """Run the whole desk on loopback with a scripted crowd (no credentials needed)."""
    run_dir = ROOT / ".demo" / time.strftime("%Y%m%d-%H%M%S")
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        code = asyncio.run(_run(exit_after, run_dir))
    except KeyboardInterrupt:
        code = 0
    raise SystemExit(code)
