"""The officer's workflow and the SLA scheduler on a real Redis, with 48 hours of fake time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.errors import TicketError
from bot.kb.source import FileKB, StaticKB
from bot.keys import Keys
from bot.outbox.jobs import state_of
from bot.replies.composer import ReplyComposer
from bot.settings import Settings
from bot.tickets.sla import Scheduler
from bot.tickets.store import State, TicketStore
from bot.tickets.storm import Storms
from bot.tickets.workflow import Workflow
from bot.x.models import Post

REPO = Path(__file__).resolve().parents[2]
KB = StaticKB(asyncio.run(FileKB(REPO / "faq_kb", REPO / "responses").load()))


def _post(i: int, *, mentions: bool = True, text: str = "") -> Post:
    pid = str(1_950_000_000_000_000_000 + i)
    return Post(
        id=pid, author_id="7", author_handle="citizen", text=text or f"@MoCI_Seva my IEC is stuck {i}", lang="en",
        created_at=datetime(2026, 11, 24, tzinfo=UTC), conversation_id=pid, mentions_account=mentions,
    )  # fmt: skip


class Desk:
    def __init__(self, redis: Any, keys: Keys, settings: Settings) -> None:
        self.clock = FakeClock()
        self.redis, self.keys = redis, keys
        self.store = TicketStore(redis, keys, self.clock, KB, settings)
        storms = Storms(redis, keys, self.clock, self.store, settings)
        self.flow = Workflow(redis, keys, self.clock, self.store, storms)
        tz = settings.reply_timezone
        composer = ReplyComposer(KB, timezone=tz)
        self.sla = Scheduler(redis, keys, self.clock, self.store, KB, composer, storms, timezone=tz)

    async def ticket(self, i: int = 1, *, reply_allowed: bool = True, text: str = "") -> str:
        t = await self.store.create(
            _post(i, text=text),
            "dgft",
            reason="complaint",
            reply_allowed=reply_allowed,
            nlu={"lang": "en"},
        )
        return t.docket


@pytest.fixture
def desk(redis: Any, keys: Keys, settings: Settings) -> Desk:
    return Desk(redis, keys, settings)


async def test_concurrent_claims_never_double_assign(desk: Desk) -> None:
    """Ten officers claim the same ticket at once: exactly one holds it."""
    docket = await desk.ticket()
    results = await asyncio.gather(
        *(desk.flow.claim(docket, f"officer{i}") for i in range(10)), return_exceptions=True
    )
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(r, TicketError) for r in results if r not in winners)
    ticket = await desk.store.require(docket)
    assert ticket.state is State.CLAIMED
    assert ticket.officer == winners[0].officer
    assert await desk.redis.zscore(desk.keys.queue("dgft"), docket) is None


async def test_an_idle_claim_goes_back_to_the_queue(desk: Desk, settings: Settings) -> None:
    """A claim left idle past the timeout returns the ticket to its department's queue."""
    docket = await desk.ticket()
    await desk.flow.claim(docket, "meera")
    idle_s = settings.tickets_claim_idle_s
    assert await desk.flow.requeue_idle(idle_s) == []
    desk.clock.advance(idle_s + 1)
    assert await desk.flow.requeue_idle(idle_s) == [docket]
    assert (await desk.store.require(docket)).state is State.NEW
    assert await desk.redis.zscore(desk.keys.queue("dgft"), docket) is not None
    assert (await desk.flow.claim_next("dgft", "ravi")).docket == docket  # type: ignore[union-attr]


async def test_transfer_keeps_history_and_clock_and_refer_stops_it(desk: Desk) -> None:
    """Transfer: same due time, new department, history kept. Referral: out of the SLA set."""
    docket = await desk.ticket()
    before = await desk.store.require(docket)
    await desk.flow.transfer(docket, "meera", "sez")
    after = await desk.store.require(docket)
    assert after.dept == "sez"
    assert after.due_at == before.due_at
    assert [e["event"] for e in await desk.store.history(docket)] == ["created", "transferred"]
    assert await desk.redis.zscore(desk.keys.queue("sez"), docket) is not None
    await desk.flow.refer(docket, "meera", "mea-passport")
    assert await desk.redis.zscore(desk.keys.sla_due, docket) is None
    assert (await desk.store.require(docket)).state is State.REFERRED


async def test_a_breach_escalates_and_posts_exactly_one_interim_reply(desk: Desk) -> None:
    """36 h: a warning. 48 h: escalated to the head, one interim reply queued, even over reruns."""
    docket = await desk.ticket()
    desk.clock.advance(35 * 3600)
    await desk.sla.tick()
    assert desk.sla.warned == 0
    desk.clock.advance(3600 + 1)
    await desk.sla.tick()
    assert desk.sla.warned == 1
    desk.clock.advance(12 * 3600)
    for _ in range(3):  # reruns of the same tick change nothing
        await desk.sla.tick()
    ticket = await desk.store.require(docket)
    assert ticket.level == 1
    assert ticket.extra["escalated_to"] == "head"
    assert desk.sla.breached == 1
    interim = await state_of(desk.redis, desk.keys, f"interim:{docket}:1")
    assert interim["state"] == "pending"
    assert await desk.redis.xlen(desk.keys.outbox) == 1
    desk.clock.advance(48 * 3600 + 1)
    await desk.sla.tick()
    assert (await desk.store.require(docket)).extra["escalated_to"] == "cell"
    assert await desk.redis.xlen(desk.keys.outbox) == 2
    assert await desk.redis.hget(desk.keys.counter("sla_breaches"), "dgft") == "2"


async def test_answered_tickets_never_breach_and_manual_ones_get_no_interim(desk: Desk) -> None:
    """The clock stops at the answer; a hashtag-only ticket breaches without a public reply."""
    answered = await desk.ticket(1)
    manual = await desk.ticket(2, reply_allowed=False)
    await desk.flow.claim(answered, "meera")
    job = await desk.flow.reply(
        answered, "meera", "Your IEC has been corrected; please check dgft.gov.in."
    )
    assert job is not None
    assert all(len(p) <= 280 for p in job.parts)
    await desk.flow.claim(manual, "ravi")
    with pytest.raises(TicketError, match="reply by hand"):
        await desk.flow.reply(manual, "ravi", "hello")
    desk.clock.advance(49 * 3600)
    await desk.sla.tick()
    assert (await desk.store.require(answered)).level == 0
    assert (await desk.store.require(manual)).level == 1
    assert await desk.redis.xlen(desk.keys.outbox) == 1  # only the officer's answer
    await desk.flow.close(manual, "ravi", "replied on X", manual=True)
    closed = await desk.store.require(manual)
    assert closed.state is State.CLOSED
    assert closed.extra["close_reason"] == "manual_reply"


@pytest.mark.parametrize(
    ("citizen", "answer", "kind"),
    [
        (
            "मेरा आधार २३४५.६७८९.०१२४ है, IEC अटका है",
            "Aadhaar 2345 6789 0124 is linked now.",
            "aadhaar",
        ),
        (
            "IEC stuck, call me on ९८७६५४३२१०",
            "We tried 98 76 54 32 10 twice; please retry.",
            "phone",
        ),
        ("IEC stuck, call +91 98 76 54 32 10", "We called 9876543210; the IEC is fixed.", "phone"),
        (
            "IEC stuck, write to ram.k at gmail dot com",
            "Sent to ram.k [at] gmail [dot] com.",
            "email",
        ),
        ("IEC stuck, ram.k@gmail.com", "Mailed ram.k(at)gmail(dot)com just now.", "email"),
    ],
)
async def test_an_answer_repeating_personal_data_in_another_spelling_is_refused(
    desk: Desk, citizen: str, answer: str, kind: str
) -> None:
    """`seva tickets reply` refuses an echo in any script or spelling, and queues nothing."""
    docket = await desk.ticket(text=f"@MoCI_Seva {citizen}")
    await desk.flow.claim(docket, "meera")
    with pytest.raises(TicketError, match=rf"personal data \({kind}\)"):
        await desk.flow.reply(docket, "meera", answer)
    assert 0 == await desk.redis.xlen(desk.keys.outbox)
    assert await desk.flow.reply(docket, "meera", "Your IEC is updated; please check.") is not None


async def test_every_reply_on_a_handle_ticket_comes_from_that_handle(desk: Desk) -> None:
    """A ticket opened for a department handle keeps it: the officer's answer and the
    interim reply at a breach are posted by that handle, not by the desk."""
    from dataclasses import replace

    from bot.outbox.jobs import ReplyJob

    post = replace(_post(9), reply_as="dgftdesk")
    ticket = await desk.store.create(post, "dgft", reason="complaint", reply_allowed=True, nlu={"lang": "en"})  # fmt: skip
    assert "dgftdesk" == (await desk.store.require(ticket.docket)).reply_as
    desk.clock.advance(49 * 3600)
    await desk.sla.tick()
    await desk.flow.claim(ticket.docket, "meera")
    answer = await desk.flow.reply(ticket.docket, "meera", "Your IEC is fixed now.")
    assert answer is not None
    jobs = [
        ReplyJob.from_fields(fields)
        for stream in desk.keys.outbox_lanes()
        for _, fields in await desk.redis.xrange(stream)
    ]
    assert {("interim", "dgftdesk"), ("answer", "dgftdesk")} == {(j.kind, j.account) for j in jobs}


async def test_an_answer_to_a_hindi_ticket_is_framed_in_hindi(desk: Desk) -> None:
    """The officer's Hindi answer goes out with the Hindi frame (डॉकेट), not an English one."""
    ticket = await desk.store.create(
        _post(77), "dgft", reason="complaint", reply_allowed=True, nlu={"lang": "hi"}
    )
    await desk.flow.claim(ticket.docket, "meera")
    job = await desk.flow.reply(
        ticket.docket, "meera", "Your IEC is active.", {"hi": "आपका आईईसी सक्रिय है।"}
    )
    assert job.parts[0].startswith(f"आपका आईईसी सक्रिय है। (डॉकेट {ticket.docket})")
    assert "(docket" not in " ".join(job.parts)


async def test_a_second_warning_is_one_share_more_in_the_model(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worked example: SLA_WARNINGS = (0.75, 0.9) gives a warning at 36 h and one at
    43.2 h of a 48 h period, each once over reruns; a breach starts the next period's."""
    for module in ("bot.tickets.sla", "bot.tickets.store"):
        monkeypatch.setattr(f"{module}.SLA_WARNINGS", (0.75, 0.9))
    docket = await desk.ticket()
    start = desk.clock.time()
    warned = []
    for hours in (36.01, 36.5, 43.25, 44, 47.9):
        desk.clock.advance(start + hours * 3600 - desk.clock.time())
        for _ in range(2):  # a rerun of the same tick warns no more
            await desk.sla.tick()
        warned.append(desk.sla.warned)
    assert [1, 1, 2, 2, 2] == warned
    events = [e for e in await desk.store.history(docket) if e["event"] == "sla_warning"]
    assert [0.75, 0.9] == [e["share"] for e in events]
    desk.clock.advance(start + 48.01 * 3600 - desk.clock.time())
    await desk.sla.tick()  # the breach: a new 48 h period from now
    desk.clock.advance(36.01 * 3600)
    await desk.sla.tick()
    assert (1, 3) == (desk.sla.breached, desk.sla.warned)
