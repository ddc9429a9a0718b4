"""``seva demo``: the whole desk on loopback, for someone who has just cloned the repo.

It starts, and stops again on Ctrl-C (or after ``--duration``):
- Redis: the one on 6379 if it answers, else a ``redis-server`` of its own; always under
  a per-run key prefix, so a second run never sees the first run's cursors or seen-keys;
- the Rasa server with the model for the shipped knowledge base (trained first if there is
  none; later runs reuse it);
- the X emulator, and a scripted crowd of citizens posting in English, Hindi and Hinglish;
- the daemon with all its roles, talking to the emulator exactly as it would to X.

It prints a live feed (each post, the decision with its confidence, the reply thread or the
docket) and a short summary at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import statistics
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from redis.asyncio import Redis

from bot.demo.crowd import SCRIPT, Line
from bot.demo.procs import Procs, redis_server_exe
from bot.demo.users import create_demo_users
from bot.keys import Keys
from bot.net import free_port, port_open
from bot.settings import ALL_ROLES, ENV_PREFIX, Settings
from bot.store import connect
from bot.textsafe import echo
from bot.tickets.report import storm_reports

ROOT = Path(__file__).resolve().parents[2]
EMULATOR_ADMIN = "emulator-admin"
EMULATOR_BEARER = "emulator-app-bearer"
EMULATOR_MINISTRY_TOKEN = "emulator-ministry-token"  # noqa: S105 (the emulator's public demo value)


def _step(text: str) -> None:
    echo(f"==> {text}", fg="yellow")


@dataclass
class Tracked:
    """A crowd post followed through the desk."""

    line: Line
    post_id: str
    published_at: float
    decision: dict[str, Any] | None = None
    replies: list[str] = field(default_factory=list)
    replied_at: float | None = None


async def _start_redis(
    procs: Procs, run_dir: Path, env: dict[str, str], redis_url: str | None
) -> str:
    if redis_url:
        return redis_url
    if port_open(6379):
        return "redis://127.0.0.1:6379/0"
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
    ]
    procs.start("redis", [*argv, "--dir", str(run_dir)], env)
    for _ in range(50):
        if port_open(port):
            break
        await asyncio.sleep(0.1)
    return f"redis://127.0.0.1:{port}/0"


async def _start_rasa(procs: Procs, env: dict[str, str], token: str) -> str:
    """Train (if needed) and serve the model for the shipped KB; return its URL."""
    from bot.kb.source import FileKB
    from bot.nlu.project import Project
    from bot.nlu.server import serve_argv, serve_env

    project = Project(ROOT / "nlu", ROOT / ".venv-rasa")
    project.check_venv()
    kb = await FileKB(ROOT / "faq_kb", ROOT / "responses").load()
    model, trained = await asyncio.to_thread(project.train, kb, progress=lambda m: echo(f"    {m}"))
    port = free_port()
    # The token by environment, never argv (ps shows argv); Rasa dies with the demo.
    argv = serve_argv(project, model, "127.0.0.1", port)
    procs.start("rasa", argv, serve_env(env, token, parent_pid=os.getpid()))
    _step(
        f"Rasa {'trained and ' if trained else ''}starting with {model.name} on port {port} (~20 s)"
    )
    url = f"http://127.0.0.1:{port}"
    import aiohttp

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        for _ in range(240):
            if procs.check_alive():
                raise click.ClickException(f"Rasa exited; see {procs.log_dir / 'rasa.log'}")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError):
                async with http.get(f"{url}/status", params={"token": token}) as r:
                    if r.status == 200 and (await r.json()).get("model_id"):  # noqa: PLR2004
                        return url
            await asyncio.sleep(0.5)
    raise click.ClickException("Rasa did not become ready in 120 s")


async def _start_emulator(procs: Procs, env: dict[str, str]) -> str:
    port = free_port()
    argv = [sys.executable, "-m", "bot.cli", "emulator", "--port", str(port), "--keepalive", "2"]
    procs.start("emulator", argv, env)
    for _ in range(100):
        if port_open(port):
            return f"http://127.0.0.1:{port}"
        await asyncio.sleep(0.1)
    raise click.ClickException(f"the emulator did not start; see {procs.log_dir / 'emulator.log'}")


# The demo's own pace, which a user may change like any other setting (SEVA_SLA_TICK_S=...).
_DEMO_DEFAULTS = {
    "SEVA_INGEST_POLL_INTERVAL_S": "5",
    "SEVA_SLA_TICK_S": "2",  # storms are grouped within seconds for the show
}


def demo_env(environ: Mapping[str, str], wiring: Mapping[str, str]) -> dict[str, str]:
    """The daemon's environment: the user's SEVA_* settings, under the demo's wiring.

    The user's own settings (a limit, a tick) beat the demo's pace; the demo's wiring (its
    Redis, emulator, Rasa and identities) beats the user's. No secret of the user's (a
    token, a password, a secrets folder) reaches the demo: it runs on loopback with the
    emulator's credentials only.
    """
    secret = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.secret_fields()}
    secret.add(f"{ENV_PREFIX}SECRETS_DIR")
    mine = {k: v for k, v in environ.items() if k.startswith(ENV_PREFIX) and k not in secret}
    rest = {k: v for k, v in environ.items() if not k.startswith(ENV_PREFIX)}
    return rest | _DEMO_DEFAULTS | mine | dict(wiring)


async def _run(run_dir: Path, duration_s: float | None, redis_url: str | None, crowd: bool) -> int:
    from bot.x.emulator.control import EmulatorControl

    procs = Procs(run_dir / "logs")
    prefix = f"demo{int(time.time())}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEVA_")}
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    redis: Redis | None = None
    control: EmulatorControl | None = None
    tracked: list[Tracked] = []
    try:
        redis_url = await _start_redis(procs, run_dir, env, redis_url)
        _step(f"Redis at {redis_url}, key prefix {prefix}")
        token = secrets.token_urlsafe(16)
        rasa_url = await _start_rasa(procs, env, token)
        _step(f"Rasa ready at {rasa_url}")
        emulator_url = await _start_emulator(procs, env)
        control = EmulatorControl(emulator_url, EMULATOR_ADMIN)
        ministry = await control.ministry()
        _step(
            f"X emulator at {emulator_url}; "
            f"the ministry is @{ministry['username']} (id {ministry['id']})"
        )
        web_port = free_port()
        roles = list(ALL_ROLES)
        wiring = {
            "SEVA_ROLES": ",".join(roles),
            "SEVA_REDIS_URL": redis_url,
            "SEVA_KEY_PREFIX": prefix,
            "SEVA_WEB_PORT": str(web_port),
            "SEVA_X_BASE_URL": emulator_url,
            "SEVA_X_BEARER_TOKEN": EMULATOR_BEARER,
            "SEVA_X_USER_ACCESS_TOKEN": EMULATOR_MINISTRY_TOKEN,
            "SEVA_ACCOUNT_HANDLE": ministry["username"],
            "SEVA_ACCOUNT_USER_ID": ministry["id"],
            "SEVA_RASA_URLS": rasa_url,
            "SEVA_RASA_TOKEN": token,
            "SEVA_KB_DIR": str(ROOT / "faq_kb"),
            "SEVA_RESPONSES_DIR": str(ROOT / "responses"),
            "SEVA_NLU_DIR": str(ROOT / "nlu"),
        }
        daemon_env = demo_env(os.environ, wiring)
        procs.start("daemon", [sys.executable, str(ROOT / "daemon.py")], daemon_env)
        _step(f"daemon started with roles {roles}; logs in {procs.log_dir}")
        redis = connect(redis_url)
        keys = Keys(prefix)
        await _wait_ready(redis, keys, procs, stop, set(roles))
        _step(f"desk ready; health at http://127.0.0.1:{web_port}/readyz; Ctrl-C stops everything")
        await _people(redis, redis_url, prefix, web_port)
        started = time.monotonic()
        if crowd and not stop.is_set():
            tracked = await _crowd(control, stop)
        await _feed(redis, keys, control, tracked, procs, stop, started, duration_s)
        # The storms are printed while the desk still runs, so a newcomer can answer one.
        await _report(redis, keys, tracked, stop)
        if duration_s is None and not stop.is_set():
            _step("every post is settled; the desk keeps running (Ctrl-C to stop)")
            await stop.wait()
        return 0
    finally:
        if control is not None:
            await control.close()
        # Stop the daemon before its keys go, or its roles trip over a vanished stream.
        _step("stopping every process the demo started")
        procs.stop_all()
        if redis is not None:
            with contextlib.suppress(Exception):
                for key in [k async for k in redis.scan_iter(f"{prefix}:*", count=1000)]:
                    await redis.delete(key)  # leave the shared Redis as we found it
            await redis.aclose()
        _step("stopped")


async def _people(redis: Redis, redis_url: str, prefix: str, web_port: int) -> None:
    people = await create_demo_users(redis, redis_url, prefix)
    _step(
        f"web desk at http://127.0.0.1:{web_port}/ - demo users, for this loopback run only "
        "(fresh passwords each run):\n" + "\n".join(people)
    )


async def _wait_ready(
    redis: Redis, keys: Keys, procs: Procs, stop: asyncio.Event, roles: set[str]
) -> None:
    """Wait until every role has a heartbeat (the ingest stream is connected)."""
    deadline = time.monotonic() + 60
    while not stop.is_set() and time.monotonic() < deadline:
        if procs.check_alive():
            raise click.ClickException(f"{procs.check_alive()} exited; see {procs.log_dir}")
        head = keys.heartbeat_pattern().removesuffix("*")
        beats = {
            k.removeprefix(head).split(":")[0]
            async for k in redis.scan_iter(keys.heartbeat_pattern())
        }
        if roles <= beats:
            await asyncio.sleep(1.0)  # let the stream connect and sync its rules
            return
        await asyncio.sleep(0.3)


async def _crowd(control: Any, stop: asyncio.Event) -> list[Tracked]:
    """Publish the scripted posts, a little apart, as the emulator's citizens."""
    _step(f"the crowd: {len(SCRIPT)} citizens post")
    made: set[str] = set()
    tracked: list[Tracked] = []
    first_post: dict[str, str] = {}
    for line in SCRIPT:
        if stop.is_set():
            break
        if line.author not in made:
            await control.create_user(line.author)
            made.add(line.author)
        if line.retweet:
            target = next(iter(first_post.values()), None)
            post = await control.publish(line.author, "", retweet_of=target) if target else None
        else:
            post = await control.publish(line.author, line.text)
            first_post.setdefault(line.author, post["id"])
        if post is not None:
            tracked.append(Tracked(line, str(post["id"]), time.monotonic()))
        await asyncio.sleep(0.4)
    return tracked


async def _feed(  # noqa: C901, PLR0917 (the demo's one loop: read, match, print)
    redis: Redis,
    keys: Keys,
    control: Any,
    tracked: list[Tracked],
    procs: Procs,
    stop: asyncio.Event,
    started: float,
    duration_s: float | None,
) -> None:
    """Print each post's decision and reply as they happen."""
    by_id = {t.post_id: t for t in tracked}
    shown: set[str] = set()
    last_id = "0-0"
    quiet_since = time.monotonic()
    while not stop.is_set():
        if procs.check_alive():
            raise click.ClickException(f"{procs.check_alive()} exited; see {procs.log_dir}")
        resp: Any = await redis.xread({keys.decisions: last_id}, count=50, block=500)
        for _stream, entries in resp or []:
            for entry_id, fields in entries:
                last_id = entry_id
                t = by_id.get(fields.get("post_id", ""))
                if t is not None:
                    t.decision = json.loads(fields["record"])
        for t in tracked:
            if (
                t.decision is not None
                and t.replied_at is None
                and t.decision["decision"]["action"] != "ignore"
            ):
                replies = await _thread_of(control, t.post_id)
                if replies:
                    t.replies, t.replied_at = replies, time.monotonic()
            if t.post_id not in shown and _settled(t):
                shown.add(t.post_id)
                _print(t)
                quiet_since = time.monotonic()
        everything_settled = tracked and all(_settled(t) for t in tracked)
        if duration_s is not None and time.monotonic() - started > duration_s:
            break
        if duration_s is None and everything_settled and time.monotonic() - quiet_since > 3:  # noqa: PLR2004
            return


def _settled(t: Tracked) -> bool:
    if t.line.expect == "skipped":
        return True
    if t.decision is None:
        return False
    action = t.decision["decision"]["action"]
    needs_reply = action not in {"ignore", "followup"} and not t.decision["decision"].get(
        "manual_reply"
    )
    return not needs_reply or t.replied_at is not None


async def _thread_of(control: Any, post_id: str) -> list[str]:
    """The desk's reply thread under a post (each part replies to the previous one)."""
    parts: list[str] = []
    parent = post_id
    for _ in range(10):
        children = await control.posts(in_reply_to=parent)
        if not children:
            break
        parts.append(children[0]["text"])
        parent = children[0]["id"]
    return parts


def _print(t: Tracked) -> None:
    line = t.line
    if line.expect == "skipped":
        echo(f"\n@{line.author} retweeted a post — {line.note}", fg="cyan")
        return
    echo(f"\n@{line.author}: {line.text}", fg="cyan")
    if t.decision is None:
        return
    d, info = t.decision["decision"], t.decision.get("info", {})
    confidence = info.get("confidence")
    conf = f" ({confidence:.2f})" if isinstance(confidence, float) else ""
    echo(f"  → {d['action']}{conf}: {d['reason']} [lang {info.get('lang')}]")
    docket = (t.decision.get("facts") or {}).get("docket")
    if docket:
        echo(
            f"  → docket {docket}"
            + (" — an officer replies by hand on X" if d.get("manual_reply") else "")
        )
    for part in t.replies:
        echo(f"  ↳ {part}", fg="green")
    if t.replied_at is not None:
        echo(f"  (reply after {t.replied_at - t.published_at:.1f} s)")


async def _report(redis: Redis, keys: Keys, tracked: list[Tracked], stop: asyncio.Event) -> None:
    """The run's summary, then the storms the SLA leader grouped and how to answer one."""
    _summary(tracked)
    for _ in range(50):  # the leader sweeps every SEVA_SLA_TICK_S; give it a few ticks
        if stop.is_set() or not await redis.zcard(keys.storm_pending):
            break
        await asyncio.sleep(0.2)
    for storm in await storm_reports(redis, keys):
        echo(
            f"  storm {storm.master}: {storm.size} more authors grouped under it; one answer "
            f"reaches all: SEVA_OFFICER=<your user> seva tickets claim {storm.master}, then "
            f"seva tickets reply {storm.master} '...'; or in the browser desk, signed in as "
            f"the demo officer: /ticket/{storm.master} (Claim, one box per language, Send)"
        )


def _summary(tracked: list[Tracked]) -> None:
    if not tracked:
        return
    actions: dict[str, int] = {}
    for t in tracked:
        action = (
            t.decision["decision"]["action"]
            if t.decision
            else ("skipped" if t.line.expect == "skipped" else "pending")
        )
        actions[action] = actions.get(action, 0) + 1
    latencies = [t.replied_at - t.published_at for t in tracked if t.replied_at is not None]
    expected = sum(
        1
        for t in tracked
        if t.decision is not None and t.decision["decision"]["action"] == t.line.expect
    ) + sum(1 for t in tracked if t.line.expect == "skipped")
    _step("summary")
    echo(f"  posts: {len(tracked)}; decisions: {json.dumps(actions)}")
    echo(f"  as scripted: {expected}/{len(tracked)}")
    if latencies:
        echo(
            f"  replies: {len(latencies)}, "
            f"post-to-reply median {statistics.median(latencies):.1f} s, "
            f"max {max(latencies):.1f} s"
        )


@click.command("demo")
@click.option("--duration", type=float, default=None, help="stop by itself after N seconds")
@click.option("--redis-url", default=None, help="use this Redis instead of 6379 or a new one")
@click.option("--no-crowd", is_flag=True, help="start the desk without the scripted citizens")
def demo_command(duration: float | None, redis_url: str | None, no_crowd: bool) -> None:
    """Run the whole desk on loopback (no credentials needed); Ctrl-C stops everything."""
    run_dir = ROOT / ".demo" / time.strftime("%Y%m%d-%H%M%S")
    run_dir.mkdir(parents=True, exist_ok=True)
    raise SystemExit(asyncio.run(_run(run_dir, duration, redis_url, not no_crowd)))
