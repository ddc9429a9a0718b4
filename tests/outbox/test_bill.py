"""The desk's recorded spend against what "X" (the emulator) bills for the same posts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import SystemClock
from bot.kb.schema import KnowledgeBase
from bot.kb.source import FileKB, StaticKB
from bot.outbox.budget import PostBudget
from bot.outbox.jobs import ReplyJob
from bot.outbox.poster import Poster
from bot.replies.composer import ReplyComposer
from bot.x.adapter import TweepyXClient
from bot.x.emulator.config import EmulatorConfig
from bot.x.emulator.server import RunningEmulator, running_emulator
from bot.x.models import Post
from tests.kb.conftest import REPO
from tests.x_adapter.test_adapter_emulator import emu_settings

RUN = 200


@pytest.fixture
async def emu() -> AsyncIterator[RunningEmulator]:
    async with running_emulator(config=EmulatorConfig(keepalive_s=0.1), port=0) as running:
        await running.control.set_config(
            limits={"post_tweets": {"user": 10_000}}, post_3h_limit=10_000
        )
        yield running


def _post(post_id: str, text: str) -> Post:
    return Post(
        id=post_id, author_id="1", author_handle="c", text=text, lang="en",
        created_at=datetime.now(UTC), conversation_id=post_id,
    )  # fmt: skip


async def _mixed_parts(
    composer: ReplyComposer, data: KnowledgeBase, i: int, post: Post
) -> list[str]:
    """The i-th reply of the run: FAQ answers, referrals, acks, a written URL, a thread."""
    lang = ("en", "hi", "hinglish")[i % 3]
    match i % 5:
        case 0 | 1:
            faq = data.faqs[i % len(data.faqs)]
            return await composer.compose("faq", lang, post, {"faq_id": faq.id})
        case 2:
            body = data.directory[i % len(data.directory)]
            return await composer.compose("referral", lang, post, {"body_id": body.id})
        case 3:
            ack = {"docket": f"MOCI-2026-{i:06d}", "due_at": "2026-12-03T10:00:00+00:00"}
            return await composer.compose("ack", lang, post, ack | {"dept": "dgft"})
    if i % 2:
        return [f"Details: https://www.dgft.gov.in/CP/?opt=iec&r={i}"]
    return [f"1/2 Thanks, noted ({i}).", f"2/2 The form is on dgft.gov.in (ref {i})."]


async def test_desk_spend_equals_the_emulator_bill_over_200_mixed_replies(
    emu: RunningEmulator, redis: Any, keys: Any
) -> None:
    """200 replies (answers, referrals, acks, links, threads): X's bill equals the desk's, to the cent."""
    settings = emu_settings(
        emu, outbox_daily_budget_usd=1_000.0, outbox_limit_15m=10_000, outbox_limit_3h=10_000
    )
    x = TweepyXClient(settings, SystemClock())
    clock = SystemClock()
    budget = PostBudget(redis, keys, clock, settings)
    poster = Poster(redis=redis, keys=keys, x=x, budget=budget, clock=clock, settings=settings)
    data = await FileKB(REPO / "faq_kb", REPO / "responses").load()
    composer = ReplyComposer(StaticKB(data), timezone=settings.reply_timezone)
    ministry = emu.ministry["username"]
    await emu.control.create_user("billed_citizen")
    try:
        for i in range(RUN):
            asked = await emu.control.publish("billed_citizen", f"@{ministry} question {i}")
            target = str(asked["id"])
            parts = await _mixed_parts(composer, data, i, _post(target, str(asked["text"])))
            job = ReplyJob(job_id=f"bill:{i}", in_reply_to=target, parts=parts, kind="faq")
            await poster.post(job)
    finally:
        await x.close()
    bill = await emu.control.bill()
    desk = await budget.spent_today()
    assert RUN <= poster.posted
    assert round(bill["posts_usd"], 2) == round(desk, 2)
