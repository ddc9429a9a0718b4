"""Reopening: a citizen who complains again under an answered ticket reopens it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.decision import Action, Decision, Understanding
from bot.errors import TicketError
from bot.kb.schema import KnowledgeBase
from bot.kb.source import StaticKB
from bot.keys import Keys
from bot.pipeline.effects import DeskEffects
from bot.replies.composer import ReplyComposer
from bot.settings import Settings
from bot.tickets.store import State, TicketStore
from bot.tickets.storm import Storms
from bot.tickets.workflow import Workflow
from bot.x.models import Post

FIRST = "1970000000000000001"


def _post(pid: str, author: str = "7", text: str = "@MoCI_Seva my IEC is stuck") -> Post:
    return Post(
        id=pid, author_id=author, author_handle=f"c{author}", text=text, lang="en",
        created_at=datetime(2026, 11, 30, tzinfo=UTC), conversation_id=FIRST,
        mentions_account=True,
    )  # fmt: skip


@pytest.fixture
def parts(redis: Any, keys: Keys, settings: Settings, shipped_kb: KnowledgeBase) -> Any:
    clock = FakeClock()
    kb = StaticKB(shipped_kb)
    store = TicketStore(redis, keys, clock, kb, settings)
    flow = Workflow(redis, keys, clock, store, Storms(redis, keys, clock, store, settings))
    return clock, store, flow, ReplyComposer(kb, timezone=settings.reply_timezone)


async def test_a_complaint_under_an_answered_ticket_reopens_it_with_a_fresh_clock(
    parts: Any, redis: Any, keys: Keys
) -> None:
    """Same author, same conversation, answered ticket: reopened, queued, due in 48 h again."""
    clock, store, flow, composer = parts
    ticket = await store.create(
        _post(FIRST), "dgft", reason="complaint", reply_allowed=True, nlu={}
    )
    await flow.claim(ticket.docket, "meera")
    await flow.reply(ticket.docket, "meera", "Your IEC was updated on 30 November.")
    clock.advance(3 * 86400)

    effects = DeskEffects(redis, keys, store, composer, status_interval_h=6)
    decision = Decision(Action.ESCALATE, "complaint", dept="dgft")
    facts = await effects.apply(
        _post("1970000000000000002", text="still not updated!"), decision, Understanding()
    )

    assert ticket.docket == facts["docket"]  # no second ticket for the same grievance
    reopened = await store.require(ticket.docket)
    assert State.REOPENED is reopened.state
    assert clock.now() + timedelta(hours=48) == reopened.due_at
    assert await redis.zscore(keys.queue("dgft"), ticket.docket) is not None
    assert reopened.due_at.timestamp() == await redis.zscore(keys.sla_due, ticket.docket)
    events = [e["event"] for e in await store.history(ticket.docket)]
    assert ["created", "claimed", "answered", "reopened"] == events

    # Someone else replying in that conversation opens a ticket of their own.
    other = await effects.apply(_post("1970000000000000003", author="8"), decision, Understanding())
    assert ticket.docket != other["docket"]


async def test_an_officer_can_reopen_a_closed_ticket_but_not_an_open_one(parts: Any) -> None:
    """`seva tickets reopen` works on answered or closed tickets; an open one is refused."""
    _clock, store, flow, _composer = parts
    ticket = await store.create(
        _post(FIRST), "dgft", reason="complaint", reply_allowed=True, nlu={}
    )
    with pytest.raises(TicketError, match="reopen refused: ticket is new"):
        await flow.reopen(ticket.docket, "meera", "citizen called")
    await flow.close(ticket.docket, "meera", "duplicate")
    await flow.reopen(ticket.docket, "meera", "citizen called")
    assert State.REOPENED is (await store.require(ticket.docket)).state
    assert (await flow.claim(ticket.docket, "ravi")).officer == "ravi"
