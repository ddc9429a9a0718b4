"""The stream worker: deferral, dead-lettering, priority order."""

from __future__ import annotations

import asyncio

from bot.clock import SystemClock
from bot.retry import Backoff
from bot.streams import Defer, StreamWorker


def _worker(redis, keys, handler, streams=None, **kw) -> StreamWorker:
    return StreamWorker(
        redis=redis,
        streams=streams or [keys.inbox],
        group="g",
        consumer="c",
        handler=handler,
        clock=SystemClock(),
        deadletter=keys.deadletter,
        block_ms=50,
        **({"backoff": Backoff(0.5, 10.0)} | kw),
    )


async def _run_until(worker: StreamWorker, predicate, timeout: float = 5.0) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.02)
    finally:
        stop.set()
        await task


async def test_deferred_entry_waits_in_place_and_is_not_dead_lettered(redis, keys):
    """A handler that defers 10 times still gets the entry, which is never dead-lettered."""
    calls: list[str] = []

    async def handler(entry_id: str, _fields: dict[str, str]) -> None:
        calls.append(entry_id)
        if len(calls) <= 10:
            raise Defer(0.01, "not yet")

    await redis.xadd(keys.inbox, {"a": "1"})
    worker = _worker(redis, keys, handler, max_deliveries=2)
    await _run_until(worker, lambda: worker.processed == 1)
    assert 11 == len(calls)
    assert 0 == await redis.xlen(keys.deadletter)


async def test_failing_entry_is_dead_lettered_after_max_deliveries(redis, keys):
    """An entry whose handler keeps raising is moved aside, and the next one proceeds."""
    seen: list[str] = []

    async def handler(_entry_id: str, fields: dict[str, str]) -> None:
        if fields["n"] == "bad":
            raise RuntimeError("poison")
        seen.append(fields["n"])

    await redis.xadd(keys.inbox, {"n": "bad"})
    await redis.xadd(keys.inbox, {"n": "good"})
    worker = _worker(redis, keys, handler, max_deliveries=3)
    worker.backoff.initial = worker.backoff.maximum = 0.01
    await _run_until(worker, lambda: seen == ["good"])
    dead = await redis.xrange(keys.deadletter)
    assert 1 == len(dead)
    assert '"bad"' in dead[0][1]["fields"]


async def test_high_priority_stream_is_served_first(redis, keys):
    """Entries on the first stream are handled before older entries on the second."""
    order: list[str] = []

    async def handler(_entry_id: str, fields: dict[str, str]) -> None:
        order.append(fields["p"])

    low, high = keys.outbox_low, keys.outbox
    for _ in range(3):
        await redis.xadd(low, {"p": "low"})
    for _ in range(3):
        await redis.xadd(high, {"p": "high"})
    worker = _worker(redis, keys, handler, streams=[high, low], batch=1)
    await _run_until(worker, lambda: len(order) == 6)
    assert ["high"] * 3 + ["low"] * 3 == order


async def test_a_deferred_low_entry_lets_new_high_entries_through(redis, keys):
    """While a low-priority entry waits out a long Defer, a new high entry is handled at once."""
    order: list[str] = []
    low_tries = 0

    async def handler(_entry_id: str, fields: dict[str, str]) -> None:
        nonlocal low_tries
        if fields["p"] == "low":
            low_tries += 1
            if low_tries == 1:
                raise Defer(3.0, "next rate window")
        order.append(fields["p"])

    low, high = keys.outbox_low, keys.outbox
    await redis.xadd(low, {"p": "low"})
    worker = _worker(redis, keys, handler, streams=[high, low], batch=1, preempt_poll_s=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        async with asyncio.timeout(2):
            while low_tries == 0:
                await asyncio.sleep(0.02)
        await redis.xadd(high, {"p": "high"})
        async with asyncio.timeout(1.0):  # well before the low entry's 3 s wait ends
            while order != ["high"]:
                await asyncio.sleep(0.02)
        async with asyncio.timeout(5):
            while order != ["high", "low"]:
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task
    assert 0 == await redis.xlen(keys.deadletter)


async def test_a_group_lost_with_redis_data_is_created_again(redis, keys):
    """The stream and its group vanish under a running worker (Redis came back empty): the
    worker creates them again and handles the next entry, instead of failing on NOGROUP."""
    seen: list[str] = []

    async def handler(_entry_id: str, fields: dict[str, str]) -> None:
        seen.append(fields["n"])

    worker = _worker(redis, keys, handler)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        await redis.xadd(keys.inbox, {"n": "1"})
        async with asyncio.timeout(3):
            while seen != ["1"]:
                await asyncio.sleep(0.02)
        await redis.delete(keys.inbox)  # the data loss: stream and group gone
        await asyncio.sleep(0.2)
        await redis.xadd(keys.inbox, {"n": "2"})  # a new stream, without the group
        async with asyncio.timeout(3):
            while seen != ["1", "2"]:
                await asyncio.sleep(0.02)
    finally:
        stop.set()
        await task
