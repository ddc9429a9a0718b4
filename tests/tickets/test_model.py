"""The ticket model's transition table, driven move by move against a real redis-server.

Every move is tried from every state: an allowed one leaves the table's end state, its
history event and its announcement; a refused one writes nothing at all.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.errors import TicketConflictError
from bot.keys import Keys
from bot.settings import Settings
from bot.tickets.model import TRANSITIONS, Move, State, allowed, lua_guards
from bot.tickets.store import TicketStore
from bot.tickets.transitions import Change, allowed_moves, apply
from bot.x.models import Post
from tests.tickets.test_workflow_sla import KB

_IDS = itertools.count(1)


async def _ticket_in(store: TicketStore, redis: Any, keys: Keys, state: State) -> str:
    pid = str(1_970_000_000_000_000_000 + next(_IDS))
    post = Post(
        id=pid, author_id="7", author_handle="c", text="@MoCI_Seva my IEC is stuck", lang="en",
        created_at=datetime(2026, 11, 24, tzinfo=UTC), conversation_id=pid, mentions_account=True,
    )  # fmt: skip
    ticket = await store.create(post, "dgft", reason="complaint", reply_allowed=True, nlu={})
    await redis.hset(keys.ticket(ticket.docket), mapping={"state": state.value, "officer": ""})
    return ticket.docket


async def _snapshot(redis: Any, keys: Keys, docket: str) -> tuple[Any, ...]:
    return (
        await redis.hgetall(keys.ticket(docket)),
        await redis.lrange(keys.ticket_history(docket), 0, -1),
        await redis.xlen(keys.ticket_events),
    )


@pytest.mark.parametrize("move", list(Move))
async def test_every_move_from_every_state_does_what_the_table_says(
    redis: Any, keys: Keys, settings: Settings, move: Move
) -> None:
    """Allowed: the end state (or the same), one history event with it, one announcement.
    Refused: TicketConflictError naming the state, and not one write."""
    clock = FakeClock()
    store = TicketStore(redis, keys, clock, KB, settings)
    for state in State:
        docket = await _ticket_in(store, redis, keys, state)
        before = await _snapshot(redis, keys, docket)
        change = Change(docket, move, "meera", clock.now(), keys)
        change.hset(change.ticket, touched="yes")
        if allowed(move, state):
            assert state == await apply(redis, change)
            end = TRANSITIONS[move].end or state
            hash_, history, events = await _snapshot(redis, keys, docket)
            assert (end.value, "yes") == (hash_["state"], hash_["touched"])
            last = json.loads(history[-1])
            assert (end.value, TRANSITIONS[move].event, "meera") == (
                last["state"], last["event"], last["by"],
            )  # fmt: skip
            assert (len(history), events) == (len(before[1]) + 1, before[2] + 1)
            [(_, announced)] = await redis.xrevrange(keys.ticket_events, count=1)
            assert (docket, move.value, end.value) == (
                announced["docket"], announced["move"], announced["state"],
            )  # fmt: skip
            assert move in allowed_moves(state)
        else:
            with pytest.raises(TicketConflictError, match=f"ticket is {state.value}"):
                await apply(redis, change)
            assert before == await _snapshot(redis, keys, docket)
            assert move not in allowed_moves(state)


async def test_the_holder_and_the_fields_read_are_guarded_too(
    redis: Any, keys: Keys, settings: Settings
) -> None:
    """A move needing the holder is refused to anyone else, naming who holds it; a move
    whose caller read a field that changed since is refused; neither writes."""
    clock = FakeClock()
    store = TicketStore(redis, keys, clock, KB, settings)
    docket = await _ticket_in(store, redis, keys, State.CLAIMED)
    await redis.hset(keys.ticket(docket), "officer", "meera")
    before = await _snapshot(redis, keys, docket)
    with pytest.raises(TicketConflictError, match="held by meera"):
        await apply(redis, Change(docket, Move.REPLY, "ravi", clock.now(), keys, holder="ravi"))
    stale = Change(docket, Move.TRANSFER, "ravi", clock.now(), keys, expect={"dept": "sez"})
    with pytest.raises(TicketConflictError, match="dept changed meanwhile"):
        await apply(redis, stale)
    assert before == await _snapshot(redis, keys, docket)


def test_the_lua_guards_are_the_table() -> None:
    """The Lua START/END tables are generated from TRANSITIONS: every pair appears."""
    lua = lua_guards()
    for move, transition in TRANSITIONS.items():
        row = lua.split(f"{move.value} = {{", 1)[1].split("}", 1)[0]
        assert sorted(s.value for s in transition.start) == sorted(
            part.split(" = ")[0].strip() for part in row.split(",")
        )
        assert f"{move.value} = '{transition.end.value if transition.end else ''}'" in lua
