"""Follow-ups under an open ticket, through the real pipeline, Rasa and the X emulator.

The corpus of issue 19 found "any update?" under an open ticket attached, rightly, but
never answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.nlu.server import RasaServer
from tests.conftest import RedisServer
from tests.e2e.test_desk import Desk, running_desk


@pytest.fixture
async def desk(rasa: RasaServer, redis_server: RedisServer, key_prefix: str) -> AsyncIterator[Desk]:
    """Pipeline and outbox against the session's Rasa."""
    async with running_desk(rasa, redis_server, key_prefix, "pipeline,outbox") as running:
        yield running


async def _reply_under(desk: Desk, author: str, parent: str, text: str) -> str:
    return await desk.post(author, text, in_reply_to=parent)


async def test_any_update_gets_one_status_reply_per_interval(desk: Desk) -> None:
    """The author's "any update?" gets the ticket's state and due time, once; a second one
    within the interval, a repeated complaint and a stranger's question get no reply, and
    all three are attached to the ticket."""
    first = await desk.post(
        "asha", "@MoCI_Seva my IEC application is pending for 3 months, nobody replies"
    )
    decision = await desk.decision(first)
    docket = decision["facts"]["docket"]
    [ack] = await desk.thread(first)
    asks = await _reply_under(desk, "asha", first, "@MoCI_Seva any update on this?")
    assert "followup" == (await desk.decision(asks))["decision"]["action"]
    [status] = await desk.thread(asks)
    assert docket in status
    assert status != ack
    again = await _reply_under(desk, "asha", first, "@MoCI_Seva status please?")
    repeat = await _reply_under(desk, "asha", first, "@MoCI_Seva still pending, this is unfair")
    stranger = await _reply_under(desk, "ravi", first, f"@MoCI_Seva any update on {docket}?")
    for post_id in (again, repeat, stranger):
        assert "followup" == (await desk.decision(post_id))["decision"]["action"]
    await asyncio.sleep(2.0)  # a reply would have been posted by now
    for post_id in (again, repeat, stranger):
        assert [] == await desk.emu.control.posts(in_reply_to=post_id), post_id
    ticket = await desk.redis.hgetall(desk.keys.ticket(docket))
    assert 4 == int(ticket["followups"])
