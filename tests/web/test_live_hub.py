"""The live queue's one reader per process (``bot.web.live_hub``), on a real Redis."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.keys import Keys
from bot.store import connect
from bot.web import live_hub
from bot.web.live_hub import MoveHub
from tests.conftest import RedisServer


async def _add(redis: Any, keys: Keys, docket: str) -> str:
    return str(await redis.xadd(keys.ticket_events, {"docket": docket, "move": "claim"}))


async def test_every_subscriber_gets_every_move_from_one_read(redis: Any, keys: Keys) -> None:
    """Three subscribers see the same moves, in order, and Redis sees one blocked reader."""
    await _add(redis, keys, "before")  # before anyone listened: nobody gets it
    hub = MoveHub(redis, keys)
    try:
        async with hub.subscribe() as (a, _), hub.subscribe() as (b, _), hub.subscribe() as (c, _):
            ids = [await _add(redis, keys, f"D{i}") for i in range(5)]
            got = [
                [(await asyncio.wait_for(sub.queue.get(), 5))[0] for _ in ids] for sub in (a, b, c)
            ]
            clients: list[dict[str, Any]] = await redis.client_list()
            blocked = [x for x in clients if x.get("cmd") == "xread" and "b" in x["flags"]]
    finally:
        await hub.stop()
    assert [ids, ids, ids] == got
    assert len(blocked) == 1
    assert 0 == hub.subscribers


async def test_a_stalled_subscriber_is_cut_off_and_can_replay(
    redis: Any, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One that never reads is cut at the backlog; replay gives it what it missed, in order."""
    monkeypatch.setattr(live_hub, "HUB_BACKLOG", 3)
    hub = MoveHub(redis, keys)
    try:
        async with hub.subscribe() as (stalled, since):
            ids = [await _add(redis, keys, f"D{i}") for i in range(5)]
            await asyncio.wait_for(stalled.cut.wait(), 5)
            assert 0 == hub.subscribers
            kept = [stalled.queue.get_nowait()[0] for _ in range(3)]
            missed = await hub.replay(kept[-1], ids[-1])
    finally:
        await hub.stop()
    assert kept == ids[:3]
    assert [i for i, _f in missed] == ids[3:]
    assert since not in ids


async def test_a_restarted_redis_loses_no_move(own_redis: RedisServer, keys: Keys) -> None:
    """Redis is killed and comes back (its data in the AOF): the hub resumes after its last move."""
    redis = connect(own_redis.url)
    hub = MoveHub(redis, keys)
    try:
        async with hub.subscribe() as (sub, _):
            first = await _add(redis, keys, "D1")
            assert first == (await asyncio.wait_for(sub.queue.get(), 5))[0]
            own_redis.kill()
            await asyncio.sleep(0.5)  # the hub's read fails and it backs off meanwhile
            own_redis.start()
            second = await _add(redis, keys, "D2")
            assert second == (await asyncio.wait_for(sub.queue.get(), 15))[0]
            assert sub.queue.empty()
            assert not sub.cut.is_set()
    finally:
        await hub.stop()
        await redis.aclose()
