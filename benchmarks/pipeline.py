"""Throughput: a realistic mix at fixed rates, per-stage latency, scaling, and where the CPU goes.

The desk runs as daemon processes (ingest + pipeline + outbox in one; optionally a second
pipeline-only process) against the X emulator (in this process, over HTTP, post limits
RAISED far above X's so that they measure the desk, not X) and one or two real Rasa
servers. Citizens (distinct accounts) post the demo's mix: FAQ questions, grievances,
other ministries' matters, thanks, spam and hashtag-only posts, in English, Hindi and
Hinglish (``bot/demo/crowd.py``).

Per post, from timestamps on one machine clock: ingest = X's created_at -> inbox entry;
NLU, decide and effects (compose, ticket, enqueue) from the pipeline's own timing record;
decision = created_at -> decision recorded; outbox = decision -> X's created_at of the reply.
A rate is *sustained* when every post is decided within 5 s of the last one published and
the p99 of decision latency is under 1 s.

    .venv/bin/python benchmarks/pipeline.py [--seconds 15] [--rates 20,40,60,80,100]
    (py-spy, for the profile: .venv/bin/pip install py-spy)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from bot.demo.crowd import SCRIPT
from bot.kb.source import FileKB
from bot.keys import Keys
from bot.net import free_port
from bot.nlu.project import Project
from bot.nlu.server import RasaServer
from bot.x.emulator import EmulatorConfig, running_emulator

REPO = Path(__file__).resolve().parents[1]
MIX = [line.text for line in SCRIPT if line.text and not line.retweet]
BIG = 10_000_000
TICK = os.sysconf("SC_CLK_TCK")


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")
    )


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mib(pid: int) -> float:
    """Resident memory of a process, MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def daemon(emu: Any, redis_url: str, prefix: str, roles: str, rasa_urls: str, token: str, name: str) -> subprocess.Popen[bytes]:  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEVA_")} | {
        "SEVA_ROLES": roles, "SEVA_INSTANCE_ID": name, "SEVA_REDIS_URL": redis_url,
        "SEVA_KEY_PREFIX": prefix, "SEVA_X_BASE_URL": emu.base_url,
        "SEVA_X_BEARER_TOKEN": emu.config.app_bearer,
        "SEVA_X_USER_ACCESS_TOKEN": emu.ministry["user_token"],
        "SEVA_ACCOUNT_HANDLE": emu.ministry["username"], "SEVA_ACCOUNT_USER_ID": emu.ministry["id"],
        "SEVA_RASA_URLS": rasa_urls, "SEVA_RASA_TOKEN": token,
        "SEVA_INGEST_POLL_INTERVAL_S": "5", "SEVA_LOG_LEVEL": "warning", "SEVA_WEB_PORT": "0",
        "SEVA_OUTBOX_LIMIT_15M": str(BIG), "SEVA_OUTBOX_LIMIT_3H": str(BIG),
        "SEVA_OUTBOX_LIMIT_24H": str(BIG), "SEVA_OUTBOX_DAILY_BUDGET_USD": "1e9",
    }  # fmt: skip
    return subprocess.Popen([sys.executable, str(REPO / "daemon.py")], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def raised_emulator() -> EmulatorConfig:
    config = EmulatorConfig(keepalive_s=1.0)
    config.update({"limits": {"post_tweets": {"user": BIG}, "mentions": {"user": BIG, "app": BIG},
                              "search": {"user": BIG, "app": BIG}, "lookup": {"user": BIG, "app": BIG},
                              "timeline": {"user": BIG, "app": BIG}},
                   "post_3h_limit": BIG, "post_24h_app_limit": BIG})  # fmt: skip
    return config


async def collect(redis: Any, keys: Keys) -> tuple[dict[str, float], dict[str, tuple[float, dict[str, float]]]]:  # fmt: skip
    """Inbox entry time per post id, and (decision time, timing) per post id."""
    inbox = {json.loads(f["post"])["id"]: int(i.split("-")[0]) / 1000 for i, f in await redis.xrange(keys.inbox)}  # fmt: skip
    decided: dict[str, tuple[float, dict[str, float]]] = {}
    for entry_id, fields in await redis.xrange(keys.decisions):
        record = json.loads(fields["record"])
        decided[fields["post_id"]] = (
            int(entry_id.split("-")[0]) / 1000,
            record.get("timing") or {},
        )
    return inbox, decided


async def one_run(
    rate: float, seconds: float, redis_url: str, rasas: list[RasaServer], *, pipelines: int,
    profile: Path | None = None,
) -> dict[str, Any]:  # fmt: skip
    prefix = f"bench{secrets.token_hex(4)}"
    keys = Keys(prefix)
    urls = ",".join(r.url for r in rasas)
    async with running_emulator(raised_emulator()) as emu:
        procs = [daemon(emu, redis_url, prefix, "ingest,pipeline,outbox", urls, rasas[0].token or "", "desk")]  # fmt: skip
        procs += [daemon(emu, redis_url, prefix, "pipeline", urls, rasas[0].token or "", f"pipe{i}") for i in range(1, pipelines)]  # fmt: skip
        await asyncio.sleep(6.0)  # spaCy loaded, stream connected, KB seeded
        total = int(rate * seconds)
        users = [
            (await emu.control.create_user(f"b{i}"))["username"] for i in range(min(total, 1500))
        ]
        watched = {"daemon": procs[0].pid, **{f"pipeline-{i}": p.pid for i, p in enumerate(procs[1:], 1)},
                   **{f"rasa-{i}": r.proc.pid for i, r in enumerate(rasas) if r.proc}, "emulator+publisher": os.getpid()}  # fmt: skip
        before = {k: cpu_s(p) for k, p in watched.items()}
        spy = None
        if profile is not None and shutil.which("py-spy", path=str(REPO / ".venv/bin")):
            spy = subprocess.Popen([str(REPO / ".venv/bin/py-spy"), "record", "--pid", str(procs[0].pid), "--duration",
                                    str(int(seconds)), "--format", "raw", "--output", str(profile), "--nonblocking"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        published: dict[str, float] = {}
        start = time.perf_counter()
        for i in range(total):
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            text = MIX[i % len(MIX)] + f" ({i})"
            post = await emu.control.publish(users[i % len(users)], text.replace("@MoCI_Seva", f"@{emu.ministry['username']}"))  # fmt: skip
            published[str(post["id"])] = _epoch(post["created_at"])
        publish_s = time.perf_counter() - start
        redis = aioredis.Redis.from_url(redis_url, decode_responses=True)
        ended = time.time()
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline and await redis.xlen(keys.decisions) < len(published):
            await asyncio.sleep(0.25)
        drained_after = time.time() - ended
        await asyncio.sleep(2.0)
        cpu = {k: cpu_s(p) - before[k] for k, p in watched.items() if Path(f"/proc/{p}").exists()}
        rss = {k: rss_mib(p) for k, p in watched.items() if Path(f"/proc/{p}").exists()}
        inbox, decided = await collect(redis, keys)
        replies: dict[str, float] = {}
        for reply in await emu.control.posts(author=emu.ministry["id"]):
            for ref in reply.get("referenced_tweets") or ():
                if ref["type"] == "replied_to" and str(ref["id"]) in published:
                    replies.setdefault(str(ref["id"]), _epoch(reply["created_at"]))
        await redis.aclose()
        if spy is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(timeout=30)
        for proc in procs:
            proc.terminate()
        for proc in procs:
            await asyncio.to_thread(proc.wait, 30)
    ingest = [inbox[p] - published[p] for p in published if p in inbox]
    decision = [decided[p][0] - published[p] for p in published if p in decided]
    outbox = [replies[p] - decided[p][0] for p in replies if p in decided]
    stage = {
        k: [t[k] for _, t in decided.values() if k in t]
        for k in ("nlu_ms", "decide_ms", "effects_ms")
    }
    sustained = len(decision) == total and drained_after < 5 and _pct(decision, 0.99) < 1.0
    return {
        "rate": rate, "posts": total, "publish_rate": total / publish_s, "decided": len(decision),
        "replied": len(replies), "drained_after_s": drained_after, "sustained": sustained,
        "ingest_ms": (statistics.median(ingest) * 1000, _pct(ingest, 0.99) * 1000) if ingest else None,
        "decision_ms": (statistics.median(decision) * 1000, _pct(decision, 0.99) * 1000) if decision else None,
        "outbox_ms": (statistics.median(outbox) * 1000, _pct(outbox, 0.99) * 1000) if outbox else None,
        "stages_ms": {k: (statistics.median(v), _pct(v, 0.99)) for k, v in stage.items() if v},
        "cpu_s": cpu, "rss_mib": rss,
    }  # fmt: skip


def show(label: str, r: dict[str, Any]) -> None:
    def pair(v: Any) -> str:
        return f"median {v[0]:.0f} ms, p99 {v[1]:.0f} ms" if v else "n/a"

    print(f"\n[{label}] {r['posts']} posts at {r['rate']:g}/s (published at {r['publish_rate']:.1f}/s): "
          f"decided {r['decided']}, replied {r['replied']}, drained {r['drained_after_s']:.1f} s after the last; "
          f"{'SUSTAINED' if r['sustained'] else 'not sustained'}")  # fmt: skip
    print(f"  ingest: {pair(r['ingest_ms'])}; post -> decision: {pair(r['decision_ms'])}; decision -> reply on X: {pair(r['outbox_ms'])}")  # fmt: skip
    for name, (med, p99) in r["stages_ms"].items():
        print(f"  {name[:-3]:<8} median {med:.1f} ms, p99 {p99:.1f} ms")
    busy = sum(r["cpu_s"].values())
    print(
        "  CPU seconds: "
        + ", ".join(f"{k} {v:.1f}" for k, v in r["cpu_s"].items())
        + f" (sum {busy:.1f})"
    )


def top_frames(raw: Path, n: int = 12) -> list[tuple[str, float]]:
    """The functions where the daemon's samples end (self time), from py-spy's raw output."""
    leaf: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        frames = stack.split(";")
        leaf[frames[-1].split(" (")[0] + " (" + frames[-1].split(" (")[-1]] += int(count)
        total += int(count)
    return [(f, c / total) for f, c in leaf.most_common(n)]


async def main(seconds: float, rates: list[float]) -> None:
    project = Project(REPO / "nlu", REPO / ".venv-rasa")
    kb = await FileKB(REPO / "faq_kb", REPO / "responses").load()
    model, _ = project.train(kb)
    work = Path(tempfile.mkdtemp(prefix="seva-bench-"))
    port = free_port()
    redis = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--port", str(port), "--save", "",
                              "--appendonly", "no", "--dir", str(work)], stdout=subprocess.DEVNULL)  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    token = secrets.token_urlsafe(12)
    rasas = [RasaServer(project, model, free_port(), token=token) for _ in range(2)]
    for r in rasas:
        r.start()
    try:
        for r in rasas:
            await r.wait_ready()
        print(
            f"machine: {os.cpu_count()} cores; date {datetime.now(UTC).date()}; mix of {len(MIX)} posts (bot/demo/crowd.py)"
        )
        best = 0.0
        for rate in rates:
            result = await one_run(rate, seconds, url, rasas[:1], pipelines=1)
            show(f"1 pipeline, 1 Rasa, {rate:g}/s", result)
            if not result["sustained"]:
                break
            best = rate
        print(f"\nhighest sustained rate, 1 pipeline + 1 Rasa: {best:g} posts/s")
        probe = best or rates[0]
        prof = work / "profile.txt"
        result = await one_run(probe, seconds, url, rasas[:1], pipelines=1, profile=prof)
        show(f"profiled, {probe:g}/s", result)
        if prof.exists():
            print("  where the daemon's CPU goes (py-spy, self time):")
            for frame, share in top_frames(prof):
                print(f"    {share:5.1%}  {frame}")
        over = rates[min(rates.index(probe) + 1, len(rates) - 1)] if probe in rates else probe
        for pipelines, n_rasa in ((2, 1), (1, 2), (2, 2)):
            result = await one_run(over, seconds, url, rasas[:n_rasa], pipelines=pipelines)
            show(f"{pipelines} pipeline process(es), {n_rasa} Rasa, {over:g}/s", result)
    finally:
        for r in rasas:
            r.stop()
        redis.terminate()
        redis.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rates", default="20,40,60,80,100")
    args = parser.parse_args()
    asyncio.run(main(args.seconds, [float(x) for x in args.rates.split(",")]))
