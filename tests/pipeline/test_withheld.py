"""The rule for unverified content: an answer stating a figure is posted only when verified."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.clock import FakeClock
from bot.decision import Action, Decision, Understanding
from bot.kb import files
from bot.kb.source import StaticKB
from bot.keys import Keys
from bot.outbox.jobs import ReplyJob, state_of
from bot.pipeline.effects import DeskEffects
from bot.replies.composer import ReplyComposer
from bot.settings import Settings
from bot.tickets.store import TicketStore
from bot.x.models import Post
from tests.kb.conftest import small_kb, write_kb

FEE = "The IEC fee is Rs 500, paid online on dgft.gov.in."
FEE_HI = "आईईसी शुल्क ₹500 है, dgft.gov.in पर ऑनलाइन।"


def _post(pid: str) -> Post:
    return Post(
        id=pid, author_id="7", author_handle="c7", text="@MoCI_Seva iec fee?", lang="en",
        created_at=datetime(2026, 11, 30, tzinfo=UTC), conversation_id=pid,
        mentions_account=True, reply_allowed=True,
    )  # fmt: skip


def _with_fee(*, verified: bool, review_due: str) -> dict[str, Any]:
    data = small_kb()
    entry = data["faq"]["iec"][1]  # iec-fee
    entry["answer"] = {"en": FEE, "hi": FEE_HI, "hinglish": FEE}
    entry |= {"verified": verified, "review_due": review_due}
    if verified:
        entry |= {"source": "https://www.dgft.gov.in/CP/", "evidence": "Fee: Rs 500."}
    return data


async def _apply(
    tmp_path: Any, redis: Any, keys: Keys, settings: Settings, data: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    kb, problems = files.load(*write_kb(tmp_path, data))
    assert [] == problems
    clock = FakeClock()  # 2026-09-21
    source = StaticKB(kb)
    store = TicketStore(redis, keys, clock, source, settings)
    composer = ReplyComposer(source, timezone=settings.reply_timezone, clock=clock)
    effects = DeskEffects(redis, keys, store, composer, status_interval_h=6, clock=clock)
    decision = Decision(Action.ANSWER_FAQ, "faq iec-fee (0.93)", faq_id="iec-fee")
    facts = await effects.apply(_post("1970000000000000101"), decision, Understanding(lang="en"))
    return facts, await state_of(redis, keys, "reply:1970000000000000101")


async def _parts(redis: Any, keys: Keys) -> list[str]:
    entries = await redis.xrange(keys.outbox)
    return ReplyJob.from_fields(entries[-1][1]).parts


async def test_an_unverified_answer_with_an_amount_becomes_a_ticket(
    tmp_path: Any, redis: Any, keys: Keys, settings: Settings
) -> None:
    """Unverified and stating Rs 500: the citizen gets a docket, the fee is never posted."""
    facts, job = await _apply(
        tmp_path, redis, keys, settings, _with_fee(verified=False, review_due="2099-01-01")
    )
    assert ("ack", True) == (job["kind"], facts["docket"].startswith("MOCI-"))
    assert "unverified answer states amount" in facts["withheld"]
    assert await redis.zscore(keys.queue("dgft"), facts["docket"]) is not None
    assert "1" == await redis.hget(keys.counter("faq_withheld"), "iec-fee")


async def test_a_verified_answer_with_an_amount_is_answered(
    tmp_path: Any, redis: Any, keys: Keys, settings: Settings
) -> None:
    """Verified from the official page and reviewed in time: the answer goes out as written."""
    facts, job = await _apply(
        tmp_path, redis, keys, settings, _with_fee(verified=True, review_due="2099-01-01")
    )
    assert ("faq", None) == (job["kind"], facts.get("docket"))
    assert (await _parts(redis, keys))[0].startswith(FEE)


async def test_a_stale_verified_answer_is_treated_as_unverified(
    tmp_path: Any, redis: Any, keys: Keys, settings: Settings
) -> None:
    """Verified but past review_due: withheld like an unverified one, and an alarm is raised."""
    facts, job = await _apply(
        tmp_path, redis, keys, settings, _with_fee(verified=True, review_due="2026-01-31")
    )
    assert "ack" == job["kind"]
    assert "review overdue" in facts["withheld"]
    alarm = json.loads(await redis.get(keys.alarm("kb_review_overdue")))
    assert "warning" == alarm["severity"]


async def test_an_unverified_answer_without_figures_is_answered_with_the_footer(
    tmp_path: Any, redis: Any, keys: Keys, settings: Settings
) -> None:
    """No figure in it: unverified still answers automatically, pointing to the official site."""
    facts, job = await _apply(tmp_path, redis, keys, settings, small_kb())
    assert ("faq", None) == (job["kind"], facts.get("docket"))
    assert "Please confirm on dgft.gov.in." in (await _parts(redis, keys))[0]
