"""End-to-end reply latency: emulator publish -> reply posted, at a steady rate.

The desk runs as its own daemon process (ingest, pipeline, outbox) against the X emulator
(in this process) over HTTP, a real Rasa server and a private redis-server, all on this
machine. Citizens post FAQ questions at ``--rate`` posts/s for ``--seconds``; latency is
measured on the emulator's own timestamps: the citizen's post to the desk's first reply part.

Run 1 ("limits raised"): the emulator's and the outbox's post limits are raised far above
X's, LABELLED AS SUCH, to measure the desk itself. Run 2 ("X's real limits"): 100 posts per
15 minutes per user; the desk answers as many as X allows and the rest wait in the outbox;
the script reports how many were posted in the run and the outbox's own estimate of how
long the rest wait.

    .venv/bin/python benchmarks/reply_latency.py [--rate 20] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.kb.source import FileKB
from bot.net import free_port
from bot.nlu.project import Project
from bot.nlu.server import RasaServer
from bot.x.emulator import EmulatorConfig, running_emulator

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "how do I apply for IEC?",
    "आईईसी के लिए आवेदन कैसे करें?",
    "IEC ke liye apply kaise karein?",
    "what is an SEZ?",
    "how do I register a trademark",
    "patent file kaise kare",
    "what documents are needed for IEC",
    "startup recognition kaise milega",
]


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()  # Python 3.11 reads the trailing Z


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(
    label: str, rate: float, seconds: float, rasa: RasaServer, redis_url: str, *, raised: bool
) -> None:
    config = EmulatorConfig(keepalive_s=1.0)
    extra: dict[str, Any] = {}
    if raised:
        big = 10_000_000
        config.update({"limits": {"post_tweets": {"user": big}, "mentions": {"user": big}, "search": {"user": big},
                                  "lookup": {"user": big, "app": big}}, "post_3h_limit": big, "post_24h_app_limit": big})  # fmt: skip
        extra = {
            "outbox_limit_15m": big,
            "outbox_limit_3h": big,
            "outbox_limit_24h": big,
            "outbox_daily_budget_usd": 1e9,
        }
    async with running_emulator(config) as emu:
        # The desk runs as its own daemon process, as in production; the emulator (X) stays
        # in this process, so the two do not share an event loop.
        env = (
            {k: v for k, v in os.environ.items() if not k.startswith("SEVA_")}
            | {
                "SEVA_ROLES": "ingest,pipeline,outbox",
                "SEVA_REDIS_URL": redis_url,
                "SEVA_KEY_PREFIX": f"bench{secrets.token_hex(4)}",
                "SEVA_X_BASE_URL": emu.base_url,
                "SEVA_X_BEARER_TOKEN": emu.config.app_bearer,
                "SEVA_X_USER_ACCESS_TOKEN": emu.ministry["user_token"],
                "SEVA_ACCOUNT_HANDLE": emu.ministry["username"],
                "SEVA_ACCOUNT_USER_ID": emu.ministry["id"],
                "SEVA_RASA_URLS": rasa.url,
                "SEVA_RASA_TOKEN": rasa.token or "",
                "SEVA_KB_DIR": str(REPO / "faq_kb"),
                "SEVA_RESPONSES_DIR": str(REPO / "responses"),
                "SEVA_INGEST_POLL_INTERVAL_S": "5",
                "SEVA_LOG_LEVEL": "warning",
                "SEVA_WEB_PORT": "0",
            }
            | {f"SEVA_{k.upper()}": str(v) for k, v in extra.items()}
        )
        daemon = subprocess.Popen([sys.executable, str(REPO / "daemon.py")], cwd=REPO, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        await asyncio.sleep(4.0)  # stream connected, rules synced, KB seeded
        users = [f"bench_user_{i}" for i in range(50)]
        for u in users:
            await emu.control.create_user(u)
        published: dict[str, float] = {}
        total = int(rate * seconds)
        start = time.perf_counter()
        for i in range(total):
            target = start + i / rate
            await asyncio.sleep(max(0.0, target - time.perf_counter()))
            text = f"@{emu.ministry['username']} {QUESTIONS[i % len(QUESTIONS)]} (#{i})"
            post = await emu.control.publish(users[i % len(users)], text)
            published[str(post["id"])] = _epoch(post["created_at"])  # X's (the emulator's) clock
        # Collect replies (first part of each thread) as they appear.
        answered: dict[str, float] = {}
        own_posts = 0
        deadline = time.perf_counter() + (60 if raised else 30)
        while time.perf_counter() < deadline and len(answered) < len(published):
            mine = await emu.control.posts(author=emu.ministry["username"])
            own_posts = len(mine)
            for reply in mine:
                refs = {r["type"]: r["id"] for r in reply.get("referenced_tweets", [])}
                parent = str(refs.get("replied_to", ""))
                if parent in published and parent not in answered:
                    answered[parent] = _epoch(reply["created_at"])  # when X created the reply
            await asyncio.sleep(0.2)
        daemon.terminate()
        await asyncio.to_thread(daemon.wait, 30)
    latencies = [answered[p] - published[p] for p in answered]
    print(
        f"\n[{label}] {len(published)} posts at {rate:g}/s over {seconds:g} s; replies seen: {len(answered)}"
    )
    if latencies:
        print(
            f"  publish -> first reply part: median {statistics.median(latencies):.2f} s, "
            f"p99 {_pct(latencies, 0.99):.2f} s, max {max(latencies):.2f} s"
        )
    waiting = len(published) - len(answered)
    if waiting:
        per_window = int(extra.get("outbox_limit_15m", 100))
        parts = own_posts / max(1, len(answered))  # posts per reply thread, as observed
        backlog = round(waiting * parts)
        windows = -(-backlog // per_window)  # ceiling division
        print(
            f"  {own_posts} posts made for {len(answered)} replies ({parts:.1f} parts each); {waiting} replies "
            f"(~{backlog} posts) wait in the outbox; at {per_window} posts per 15 min the last goes out "
            f"after ~{15 * windows} min (the 300-per-3-hours limit stretches larger backlogs further)"
        )


async def main(rate: float, seconds: float) -> None:
    project = Project(REPO / "nlu", REPO / ".venv-rasa")
    kb = await FileKB(REPO / "faq_kb", REPO / "responses").load()
    model, _ = project.train(kb)
    work = Path(tempfile.mkdtemp(prefix="seva-bench-"))
    port = free_port()
    redis = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(work)], stdout=subprocess.DEVNULL,
    )  # fmt: skip
    rasa = RasaServer(project, model, free_port(), token=secrets.token_urlsafe(12))
    rasa.start()
    try:
        await rasa.wait_ready()
        await run(
            "emulator and outbox limits RAISED (not X's)",
            rate,
            seconds,
            rasa,
            f"redis://127.0.0.1:{port}/0",
            raised=True,
        )
        await run(
            "X's real post limits",
            rate,
            min(seconds, 10.0),
            rasa,
            f"redis://127.0.0.1:{port}/0",
            raised=False,
        )
    finally:
        rasa.stop()
        redis.terminate()
        redis.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    asyncio.run(main(args.rate, args.seconds))
