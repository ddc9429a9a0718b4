"""Soak: the desk at a steady rate for a long time; memory growth per process and p99 drift.

The same set-up as ``pipeline.py`` (the demo's mix, distinct citizens, the emulator's post
limits RAISED, one daemon with ingest + pipeline + outbox + sla, one Rasa). Every minute it
samples each process's RSS; at the end it reports RSS at the first sample and the last
(growth per hour, from a least-squares line over the samples after the first), and the p99
of post -> decision latency in each 5-minute slice.

    .venv/bin/python benchmarks/soak.py [--minutes 30] [--rate 10]
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
from datetime import UTC, datetime
from pathlib import Path

import redis.asyncio as aioredis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline import MIX, REPO, _epoch, _pct, collect, daemon, raised_emulator, rss_mib

from bot.kb.source import FileKB
from bot.keys import Keys
from bot.net import free_port
from bot.nlu.project import Project
from bot.nlu.server import RasaServer
from bot.x.emulator import running_emulator


def slope_per_hour(samples: list[tuple[float, float]]) -> float:
    """Least-squares growth of (seconds, MiB) samples, in MiB per hour."""
    if len(samples) < 3:
        return float("nan")
    xs, ys = zip(*samples, strict=True)
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    num = sum((x - mx) * (y - my) for x, y in samples)
    den = sum((x - mx) ** 2 for x in xs) or 1.0
    return num / den * 3600


async def soak(minutes: float, rate: float) -> None:
    project = Project(REPO / "nlu", REPO / ".venv-rasa")
    model, _ = project.train(await FileKB(REPO / "faq_kb", REPO / "responses").load())
    work = Path(tempfile.mkdtemp(prefix="seva-soak-"))
    port = free_port()
    redis_proc = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--port", str(port), "--save", "",
                                   "--appendonly", "no", "--dir", str(work)], stdout=subprocess.DEVNULL)  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    rasa = RasaServer(project, model, free_port(), token=secrets.token_urlsafe(12))
    rasa.start()
    prefix = f"soak{secrets.token_hex(4)}"
    try:
        await rasa.wait_ready()
        async with running_emulator(raised_emulator()) as emu:
            desk = daemon(
                emu, url, prefix, "ingest,pipeline,outbox,sla", rasa.url, rasa.token or "", "soak"
            )
            await asyncio.sleep(6.0)
            users = [(await emu.control.create_user(f"s{i}"))["username"] for i in range(2000)]
            watched = {"daemon": desk.pid, "rasa": rasa.proc.pid if rasa.proc else 0,
                       "redis": redis_proc.pid, "emulator+publisher": os.getpid()}  # fmt: skip
            samples: dict[str, list[tuple[float, float]]] = {k: [] for k in watched}
            published: dict[str, float] = {}
            total = int(rate * minutes * 60)
            start = time.perf_counter()
            next_sample = start
            for i in range(total):
                now = time.perf_counter()
                if now >= next_sample:
                    for name, pid in watched.items():
                        samples[name].append((now - start, rss_mib(pid)))
                    next_sample += 60
                await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
                text = (
                    MIX[i % len(MIX)].replace("@MoCI_Seva", f"@{emu.ministry['username']}")
                    + f" ({i})"
                )
                post = await emu.control.publish(users[i % len(users)], text)
                published[str(post["id"])] = _epoch(post["created_at"])
            await asyncio.sleep(10.0)
            for name, pid in watched.items():
                samples[name].append((time.perf_counter() - start, rss_mib(pid)))
            redis = aioredis.Redis.from_url(url, decode_responses=True)
            _, decided = await collect(redis, Keys(prefix))
            await redis.aclose()
            desk.terminate()
            await asyncio.to_thread(desk.wait, 30)
    finally:
        rasa.stop()
        redis_proc.terminate()
        redis_proc.wait()
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"soak: {total} posts at {rate:g}/s for {minutes:g} min on {os.cpu_count()} cores, {datetime.now(UTC).date()}"
    )
    print(f"decided {sum(1 for p in published if p in decided)} of {len(published)}")
    for name, points in samples.items():
        first, last = points[0][1], points[-1][1]
        print(f"  RSS {name:<19} first {first:7.1f} MiB, last {last:7.1f} MiB, "
              f"growth {slope_per_hour(points[1:]):+.1f} MiB/h (after the first minute)")  # fmt: skip
    t0 = min(published.values())
    for lo in range(0, int(minutes), 5):
        window = [
            decided[p][0] - t
            for p, t in published.items()
            if p in decided and lo * 60 <= t - t0 < (lo + 5) * 60
        ]
        if window:
            print(f"  minutes {lo:>2}-{lo + 5:<2}: post -> decision median {statistics.median(window) * 1000:.0f} ms, "
                  f"p99 {_pct(window, 0.99) * 1000:.0f} ms (n = {len(window)})")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(soak(args.minutes, args.rate))
