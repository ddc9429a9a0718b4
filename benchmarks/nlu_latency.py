"""Parse latency through Rasa's HTTP API, and the Rasa server's memory.

Trains (or reuses) the model for the shipped knowledge base, starts a Rasa server on
loopback, and parses the held-out queries through the daemon's own client, sequentially
(the latency one post sees) and with 8 in flight (a burst). Prints median and p99 per
call, and the server's resident memory (its whole process group) after the run.

    .venv/bin/python benchmarks/nlu_latency.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import time
from pathlib import Path

from bot.clock import SystemClock
from bot.kb.source import FileKB
from bot.net import free_port
from bot.nlu.client import RasaClient
from bot.nlu.evaluate import load_cases
from bot.nlu.project import Project
from bot.nlu.server import RasaServer
from bot.settings import load_settings

REPO = Path(__file__).resolve().parents[1]


def _rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (Rasa may fork workers), in MiB."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().split()
            pgid = int(fields[4])
            if pgid == pid:
                rss_pages = int(fields[23])
                total += rss_pages * 4096
        except (OSError, ValueError, IndexError):
            continue
    return total / 2**20


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main(rounds: int) -> None:
    project = Project(REPO / "nlu", REPO / ".venv-rasa")
    kb = await FileKB(REPO / "faq_kb", REPO / "responses").load()
    model, _ = project.train(kb)
    token = secrets.token_urlsafe(12)
    server = RasaServer(project, model, free_port(), token=token)
    started = time.perf_counter()
    server.start()
    await server.wait_ready()
    print(f"model {model.name}; server ready in {time.perf_counter() - started:.1f} s")
    texts = [c.text for c in load_cases(REPO / "nlu" / "tests" / "test_set.yml")]
    settings = load_settings(
        rasa_urls=[server.url], rasa_token=token, nlu_retries=0, nlu_timeout_s=10
    )
    client = RasaClient(settings, SystemClock())
    try:
        for t in texts[:20]:  # warm-up
            await client.parse(t)
        sequential: list[float] = []
        for _ in range(rounds):
            for t in texts:
                t0 = time.perf_counter()
                await client.parse(t)
                sequential.append((time.perf_counter() - t0) * 1000)
        burst: list[float] = []
        sem = asyncio.Semaphore(8)

        async def one(text: str) -> None:
            async with sem:
                t0 = time.perf_counter()
                await client.parse(text)
                burst.append((time.perf_counter() - t0) * 1000)

        t_burst = time.perf_counter()
        await asyncio.gather(*(one(t) for _ in range(rounds) for t in texts))
        burst_s = time.perf_counter() - t_burst
        assert server.proc is not None
        rss = _rss_mib(server.proc.pid)
    finally:
        await client.close()
        server.stop()
    print(
        f"sequential: n={len(sequential)} median {statistics.median(sequential):.1f} ms, p99 {_pct(sequential, 0.99):.1f} ms"
    )
    print(
        f"8 in flight: n={len(burst)} median {statistics.median(burst):.1f} ms, p99 {_pct(burst, 0.99):.1f} ms, "
        f"throughput {len(burst) / burst_s:.0f} parses/s"
    )
    print(f"rasa server RSS after the run: {rss:.0f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args().rounds))
