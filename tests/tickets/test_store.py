"""The ticket store against a real Redis: dockets, due times, follow-ups, status privacy."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import FakeClock
from bot.kb.source import FileKB, StaticKB
from bot.keys import Keys
from bot.settings import Settings
from bot.tickets.store import State, TicketStore
from bot.x.models import Post

REPO = Path(__file__).resolve().parents[2]


def _post(i: int, author: str = "7", conversation: str | None = None) -> Post:
    pid = str(1_900_000_000_000_000_000 + i)
    return Post(
        id=pid, author_id=author, author_handle=f"user{author}", text=f"complaint {i}", lang="en",
        created_at=datetime(2026, 11, 24, tzinfo=UTC), conversation_id=conversation or pid,
    )  # fmt: skip


_KB = asyncio.run(FileKB(REPO / "faq_kb", REPO / "responses").load())


def _store(redis: Any, keys: Keys, settings: Settings, clock: FakeClock) -> TicketStore:
    return TicketStore(redis, keys, clock, StaticKB(_KB), settings)


async def test_dockets_are_sequential_per_year_and_due_after_the_department_sla(
    redis: Any, keys: Keys, settings: Settings
) -> None:
    """MOCI-YYYY-NNNNNN by INCR; due = created + the department's SLA hours from the KB."""
    clock = FakeClock()
    store = _store(redis, keys, settings, clock)
    first = await store.create(_post(1), "dgft", reason="complaint", reply_allowed=True, nlu=None)
    second = await store.create(
        _post(2), "sez", reason="complaint", reply_allowed=True, nlu={"intent": "escalate"}
    )
    year = clock.now().year
    assert first.docket == f"MOCI-{year}-000001"
    assert second.docket == f"MOCI-{year}-000002"
    assert first.due_at - first.created_at == timedelta(hours=48)
    stored = await store.get(second.docket)
    assert stored is not None
    assert stored.state is State.NEW
    assert stored.nlu == {"intent": "escalate"}
    assert await redis.zscore(keys.queue("sez"), second.docket) is not None
    assert await redis.zscore(keys.sla_due, second.docket) == second.due_at.timestamp()
    assert (await store.history(first.docket))[0]["event"] == "created"


async def test_concurrent_creates_never_share_a_docket(
    redis: Any, keys: Keys, settings: Settings
) -> None:
    """Fifty tickets created at once get fifty different dockets."""
    store = _store(redis, keys, settings, FakeClock())
    tickets = await asyncio.gather(
        *(
            store.create(_post(i), "dgft", reason="r", reply_allowed=True, nlu=None)
            for i in range(50)
        )
    )
    assert len({t.docket for t in tickets}) == 50


async def test_followup_in_the_conversation_attaches_to_the_open_ticket(
    redis: Any, keys: Keys, settings: Settings
) -> None:
    """A reply in the same conversation is recorded on the ticket, not opened as a new one."""
    store = _store(redis, keys, settings, FakeClock())
    ticket = await store.create(
        _post(1, conversation="c1"), "dgft", reason="r", reply_allowed=True, nlu=None
    )
    followup = _post(2, conversation="c1")
    assert await store.open_ticket_for(followup) == ticket.docket
    attached = await store.attach_followup(followup)
    assert attached is not None
    assert attached.followups == 1
    assert (await store.history(ticket.docket))[-1]["post_id"] == followup.id
    assert await store.open_ticket_for(_post(3, conversation="other")) is None


async def test_status_is_only_for_the_ticket_s_author(
    redis: Any, keys: Keys, settings: Settings
) -> None:
    """The author gets the ticket; anyone else gets None, as for an unknown docket (the desk
    never confirms to a stranger that a docket exists)."""
    store = _store(redis, keys, settings, FakeClock())
    ticket = await store.create(
        _post(1, author="7"), "dgft", reason="r", reply_allowed=True, nlu=None
    )
    mine = await store.status_for(ticket.docket, "7")
    assert mine is not None
    assert mine.docket == ticket.docket
    assert await store.status_for(ticket.docket, "8") is None
    assert await store.status_for("MOCI-1999-000001", "7") is None


async def test_a_refused_reply_hands_the_ticket_to_an_officer(
    redis: Any, keys: Keys, settings: Settings
) -> None:
    """When X refuses the automatic reply, the ticket is marked for a manual reply, with history."""
    store = _store(redis, keys, settings, FakeClock())
    ticket = await store.create(_post(1), "dgft", reason="r", reply_allowed=True, nlu=None)
    await store.mark_manual(ticket.docket, "reply_not_allowed")
    marked = await store.get(ticket.docket)
    assert marked is not None
    assert marked.reply_allowed is False
    assert (await store.history(ticket.docket))[-1]["event"] == "manual_reply_needed"
