"""The shared lifecycle: clean stop with nothing lost, heartbeats, Redis outages survived."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import subprocess
import sys
import time

import pytest

from bot.clock import SystemClock
from bot.keys import PIPELINE_GROUP, Keys
from bot.lifecycle import RoleContext, Runner, freeze_heap
from bot.net import free_port
from bot.retry import Backoff
from bot.settings import load_settings
from bot.store import connect
from bot.streams import StreamWorker
from tests.conftest import ROOT, RedisServer

N_MESSAGES = 40


async def _wait_for(predicate, timeout: float = 10.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = await predicate()
        if result:
            return result
        await asyncio.sleep(interval)
    raise AssertionError("condition not met in time")


@pytest.mark.chaos
@pytest.mark.slow
async def test_sigterm_with_messages_in_flight_loses_nothing(redis_server, redis, keys, key_prefix):
    """SIGTERM mid-batch: exit 0 in < 10 s; every entry is acknowledged or still pending."""
    ids = [await redis.xadd(keys.inbox, {"n": str(i)}) for i in range(N_MESSAGES)]
    env = {
        **os.environ,
        "SEVA_REDIS_URL": redis_server.url,
        "SEVA_KEY_PREFIX": key_prefix,
        "SEVA_INSTANCE_ID": "victim",
        "SEVA_ROLES": "pipeline",
        "TEST_HANDLE_S": "0.2",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.foundation.slow_consumer"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        await _wait_for(lambda: redis.scard(keys.counter("done")), timeout=20)
        await asyncio.sleep(0.5)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.to_thread(proc.communicate, None, 15)
        elapsed = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert 0 == proc.returncode, stderr.decode()
    assert elapsed < 10

    done = await redis.smembers(keys.counter("done"))
    pending = {
        p["message_id"]
        for p in await redis.xpending_range(keys.inbox, PIPELINE_GROUP, "-", "+", 1000)
    }
    group = next(g for g in await redis.xinfo_groups(keys.inbox) if g["name"] == PIPELINE_GROUP)
    last = _id(group["last-delivered-id"])
    delivered = {i for i in ids if _id(i) <= last}
    untouched = set(ids) - delivered  # still waiting in the stream for any consumer
    acked = delivered - pending
    assert 0 < len(done) < N_MESSAGES  # the stop really happened mid-stream
    assert acked <= done  # nothing acknowledged without being handled
    assert pending  # the rest of the batch in hand was left pending, not dropped
    assert set(ids) == acked | pending | untouched

    # Another consumer takes over what was left and finishes it: nothing lost.
    settings = load_settings(redis_url=redis_server.url, key_prefix=key_prefix)
    stop = asyncio.Event()

    async def handle(entry_id: str, _fields: dict[str, str]) -> None:
        await redis.sadd(keys.counter("done"), entry_id)

    worker = StreamWorker(
        redis=redis,
        streams=[keys.inbox],
        group=PIPELINE_GROUP,
        consumer="heir",
        handler=handle,
        clock=SystemClock(),
        deadletter=keys.deadletter,
        backoff=Backoff(settings.redis_backoff_initial_s, settings.redis_backoff_max_s),
        claim_idle_ms=0,
    )
    task = asyncio.create_task(worker.run(stop))
    await _wait_for(lambda: _all_done(redis, keys, len(ids)), timeout=20)
    stop.set()
    await task
    assert settings.key_prefix == key_prefix
    assert set(ids) == await redis.smembers(keys.counter("done"))
    assert 0 == (await redis.xpending(keys.inbox, PIPELINE_GROUP))["pending"]


def _id(entry_id: str) -> tuple[int, int]:
    ms, seq = entry_id.split("-")
    return int(ms), int(seq)


async def _all_done(redis, keys: Keys, n: int) -> bool:
    return await redis.scard(keys.counter("done")) == n


@pytest.mark.chaos
@pytest.mark.slow
async def test_redis_going_away_and_coming_back_is_survived(own_redis, key_prefix):
    """Heartbeats and consumption resume by themselves after a Redis restart."""
    settings = load_settings(
        redis_url=own_redis.url,
        key_prefix=key_prefix,
        roles="pipeline",
        heartbeat_interval_s=0.1,
        heartbeat_ttl_s=1.0,
        instance_id="survivor",
        redis_backoff_initial_s=0.05,
        redis_backoff_max_s=0.3,
    )
    keys = Keys(key_prefix)
    handled: list[str] = []

    class Role:
        name = "pipeline"

        async def run(self, ctx: RoleContext) -> None:
            async def handle(_entry_id: str, fields: dict[str, str]) -> None:
                handled.append(fields["n"])

            await StreamWorker(
                redis=ctx.redis,
                streams=[ctx.keys.inbox],
                group=PIPELINE_GROUP,
                consumer="survivor",
                handler=handle,
                clock=ctx.clock,
                deadletter=ctx.keys.deadletter,
                block_ms=100,
                backoff=Backoff(0.05, 0.3),
            ).run(ctx.stop)

    runner = Runner(
        settings=settings,
        redis=connect(settings.redis_url),
        keys=keys,
        clock=SystemClock(),
        roles=[Role()],
    )
    task = asyncio.create_task(runner.run())
    probe = connect(own_redis.url)
    try:
        await probe.xadd(keys.inbox, {"n": "before"})
        await _wait_for(lambda: _async(lambda: "before" in handled))
        own_redis.kill()
        await asyncio.sleep(1.0)  # the daemon sees Redis gone for a while
        assert not task.done()
        own_redis.start()
        await probe.aclose()
        probe = connect(own_redis.url)  # the test's own client reconnects afresh
        await probe.xadd(keys.inbox, {"n": "after"})
        await _wait_for(lambda: _async(lambda: "after" in handled), timeout=15)
        hb = keys.heartbeat("pipeline", "survivor")
        await _wait_for(lambda: probe.exists(hb), timeout=5)
    finally:
        runner.stop.set()
        assert 0 == await asyncio.wait_for(task, 10)
        await probe.aclose()
    assert ["before", "after"] == handled


async def _async(fn):
    return fn()


@pytest.mark.chaos
@pytest.mark.slow
async def test_daemon_started_before_redis_waits_and_then_runs(tmp_path, key_prefix):
    """A daemon started while Redis is down keeps retrying, then beats once Redis is up."""
    server = RedisServer(port=free_port(), dir=tmp_path)
    env = {
        **os.environ,
        "SEVA_REDIS_URL": server.url,
        "SEVA_KEY_PREFIX": key_prefix,
        "SEVA_ROLES": "web",
        "SEVA_WEB_PORT": "0",
        "SEVA_INSTANCE_ID": "early-bird",
        "SEVA_REDIS_BACKOFF_MAX_S": "0.5",
        "SEVA_HEARTBEAT_INTERVAL_S": "0.2",
    }
    log_path = tmp_path / "daemon.log"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "daemon.py")],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
    try:
        # Start Redis only once the daemon has said it is waiting (a busy machine may take
        # longer than any fixed sleep to import and try).
        await _wait_for(
            lambda: _async(lambda: b"redis unreachable, retrying" in log_path.read_bytes()),
            timeout=30,
        )
        assert proc.poll() is None  # still alive, waiting for Redis
        server.start()
        probe = connect(server.url)
        await _wait_for(
            lambda: probe.exists(Keys(key_prefix).heartbeat("web", "early-bird")), timeout=15
        )
        await probe.aclose()
        proc.send_signal(signal.SIGTERM)
        await asyncio.to_thread(proc.wait, 15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        server.stop()
    assert 0 == proc.returncode


def test_the_start_up_heap_is_left_out_of_full_collections():
    """freeze_heap moves what lives at start-up out of the oldest generation: no full collection walks it."""
    built_at_start = [object()]
    gc.collect()  # a survivor of a full collection sits in the oldest generation...
    assert any(o is built_at_start for o in gc.get_objects(generation=2))
    try:
        frozen = freeze_heap()
        assert frozen == gc.get_freeze_count() > 10_000  # the imported modules alone
        # ...until it is frozen: the collector no longer looks at it (it still lives).
        assert not any(o is built_at_start for o in gc.get_objects(generation=2))
        assert built_at_start[0] is not None
    finally:
        gc.unfreeze()
