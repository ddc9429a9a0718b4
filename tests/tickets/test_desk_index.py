"""The desk's queue index (``bot.tickets.desk_index``) follows every move, on a real Redis.

The index is written by the moves' own Lua calls, so these tests drive the workflow and
the SLA scheduler and then read the index's sets back, comparing them with the tickets.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.keys import Keys
from bot.settings import Settings
from bot.tickets.desk_index import OPEN_STATES, TIERS, DeskIndex, lua_epoch, tier
from bot.tickets.model import OPEN
from tests.tickets.test_workflow_sla import Desk


@pytest.fixture
def desk(redis: Any, keys: Keys, settings: Settings) -> Desk:
    return Desk(redis, keys, settings)


async def _where(desk: Desk) -> dict[str, tuple[str, float]]:
    """Every indexed docket -> (the set it is in, its score); fails if one is in two sets."""
    found: dict[str, tuple[str, float]] = {}
    async for name in desk.redis.scan_iter(desk.keys.desk_prefix + "*"):
        for docket, score in await desk.redis.zrange(name, 0, -1, withscores=True):
            assert docket not in found, f"{docket} is in {found[docket][0]} and {name}"
            found[docket] = (str(name), float(score))
    return found


async def _filed_as_it_is(desk: Desk, docket: str) -> None:
    """The ticket is in the one set its hash names, at its due time, or nowhere once done."""
    ticket = await desk.store.require(docket)
    where = (await _where(desk)).get(docket)
    if ticket.state not in OPEN:
        assert where is None, f"{docket} is {ticket.state} but still in {where}"
        return
    expected = desk.keys.desk(ticket.dept, ticket.state.value, tier(ticket))
    assert where is not None, f"{docket} is {ticket.state} but in no set"
    assert where[0] == expected
    assert abs(where[1] - ticket.due_at.timestamp()) < 1e-5


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ZONES = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=3, minutes=30))]


@given(
    us=st.integers(min_value=0, max_value=230 * 365 * 86400 * 10**6),
    zone=st.sampled_from(_ZONES),
)
# The Redis connection holds no state between examples: the script only reads its argument.
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
async def test_the_lua_reads_due_times_as_python_does(redis: Any, us: int, zone: timezone) -> None:
    """Any ISO time (with micro-seconds or none, any offset) scores as its Unix time."""
    when = (_EPOCH + timedelta(microseconds=us)).astimezone(zone)
    assert abs(await lua_epoch(redis, when.isoformat()) - when.timestamp()) < 1e-5


async def test_every_move_leaves_the_ticket_in_exactly_its_set(desk: Desk) -> None:
    """Create, claim, release, escalate, transfer, reply, reopen, close: the index follows."""
    docket = await desk.ticket()
    await _filed_as_it_is(desk, docket)
    await desk.flow.claim(docket, "meera")
    await _filed_as_it_is(desk, docket)
    await desk.flow.release(docket, "meera")
    await _filed_as_it_is(desk, docket)
    desk.clock.advance(48 * 3600 + 1)
    await desk.sla.tick()  # breached: escalated to the head, so out of the officer tier
    assert (await desk.store.require(docket)).level == 1
    await _filed_as_it_is(desk, docket)
    await desk.flow.transfer(docket, "meera", "sez")
    await _filed_as_it_is(desk, docket)
    await desk.flow.claim(docket, "ravi")
    await desk.flow.reply(docket, "ravi", "Your IEC was issued today; see My IEC on the portal.")
    await _filed_as_it_is(desk, docket)  # answered: out of the index
    reopened = await desk.flow.reopen(docket, "ravi", "the citizen says it is still stuck")
    await _filed_as_it_is(desk, docket)  # back, under its new due time
    assert reopened.state.value in OPEN_STATES
    await desk.flow.close(docket, "ravi", "duplicate of another ticket")
    await _filed_as_it_is(desk, docket)


async def test_pages_come_in_due_order_across_states(desk: Desk, keys: Keys) -> None:
    """``first`` merges the states' sets by due time, and the counts are the sets' sizes."""
    dockets = []
    for i in range(6):
        dockets.append(await desk.ticket(i))
        desk.clock.advance(60)
    for docket in dockets[::2]:
        await desk.flow.claim(docket, "meera")
    index = DeskIndex(desk.redis, keys)
    names = index.names(["dgft"], OPEN_STATES, TIERS)
    assert await index.first(names, 4) == dockets[:4]
    assert await index.first(index.names(["dgft"], ["claimed"], TIERS), 10) == dockets[::2]
    counts = await index.counts(["dgft"], TIERS)
    assert counts["claimed"] == 3
    assert counts["new"] == 3


async def test_a_rebuild_files_everything_as_the_moves_did(desk: Desk, settings: Settings) -> None:
    """Dropping the index and rebuilding it gives the same sets, scores and all."""
    del settings
    dockets = [await desk.ticket(i) for i in range(5)]
    await desk.flow.claim(dockets[0], "meera")
    await desk.flow.transfer(dockets[1], "meera", "sez")
    await desk.flow.claim(dockets[2], "meera")
    await desk.flow.reply(dockets[2], "meera", "Your IEC was issued today; see My IEC.")
    incremental = await _where(desk)
    index = DeskIndex(desk.redis, desk.keys)
    stale = [k async for k in desk.redis.scan_iter(desk.keys.desk_prefix + "*")]
    await desk.redis.delete(*stale)
    assert await _where(desk) == {}
    assert await index.rebuild() == 5
    assert await _where(desk) == incremental
    assert set(incremental) == set(dockets) - {dockets[2]}
