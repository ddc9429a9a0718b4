"""Ingest throughput and lag: posts from the emulator's filtered stream into the Redis inbox.

The ingest role runs in this process (built by the composition root) against the X
emulator over HTTP and a private redis-server. Citizens publish ``--posts`` mentions as
fast as the emulator's control API takes them; the lag of a post is the time from just
before its publish call to its XADD (the inbox entry id carries the XADD time in ms).

    .venv/bin/python benchmarks/ingest_throughput.py [--posts 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bot.app import build
from bot.net import free_port
from bot.settings import load_settings
from bot.x.emulator import EmulatorConfig, running_emulator


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main(n_posts: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="seva-ingest-"))
    port = free_port()
    redis_proc = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(work)], stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with running_emulator(EmulatorConfig(keepalive_s=1.0)) as emu:
            settings = load_settings(
                roles="ingest", redis_url=f"redis://127.0.0.1:{port}/0", key_prefix=f"b{secrets.token_hex(3)}",
                x_base_url=emu.base_url, x_bearer_token=emu.config.app_bearer,
                x_user_access_token=emu.ministry["user_token"], account_handle=emu.ministry["username"],
                account_user_id=emu.ministry["id"], ingest_poll_interval_s=3600, log_level="warning", web_port=0,
            )  # fmt: skip
            runner, deps = build(settings)
            task = asyncio.create_task(runner.run())
            await asyncio.sleep(2.0)  # stream connected
            users = [f"load_user_{i}" for i in range(20)]
            for u in users:
                await emu.control.create_user(u)
            sent_at: dict[str, float] = {}
            started = time.time()
            for i in range(n_posts):
                before = time.time()
                post = await emu.control.publish(
                    users[i % len(users)], f"@{emu.ministry['username']} load {i}"
                )
                sent_at[str(post["id"])] = before
            publish_s = time.time() - started
            async with asyncio.timeout(120):
                while await deps.redis.xlen(deps.keys.inbox) < n_posts:
                    await asyncio.sleep(0.2)
            entries = await deps.redis.xrange(deps.keys.inbox)
            runner.stop.set()
            await asyncio.wait_for(task, 30)
    finally:
        redis_proc.terminate()
        redis_proc.wait()
        shutil.rmtree(work, ignore_errors=True)
    added = {json.loads(f["post"])["id"]: int(eid.split("-")[0]) / 1000 for eid, f in entries}
    lags = [(added[p] - t) * 1000 for p, t in sent_at.items() if p in added]
    span = max(added.values()) - min(sent_at.values())
    print(
        f"{n_posts} posts published in {publish_s:.1f} s ({n_posts / publish_s:.0f}/s, the emulator's control API pace)"
    )
    print(f"inbox entries: {len(added)} (duplicates: {len(entries) - len(added)})")
    print(
        f"throughput into Redis: {len(added) / span:.0f} posts/s over {span:.1f} s (first publish to last XADD)"
    )
    print(
        f"ingest lag, publish -> XADD: median {statistics.median(lags):.1f} ms, p99 {_pct(lags, 0.99):.1f} ms, "
        f"max {max(lags):.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=2000)
    asyncio.run(main(parser.parse_args().posts))
