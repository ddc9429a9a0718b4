"""The SLA leader's tick raises kb_review_overdue (a warning) while any KB entry is past its
review_due, naming them, and kb_unverified while any is unverified, and clears each once
none is."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.alarms import Severity, severity_of
from bot.clock import FakeClock
from bot.kb.schema import KnowledgeBase
from bot.kb.source import StaticKB
from bot.keys import Keys
from bot.replies.composer import ReplyComposer
from bot.settings import Settings
from bot.tickets.sla import REVIEW_OVERDUE, UNVERIFIED, Scheduler
from bot.tickets.store import TicketStore
from bot.tickets.storm import Storms


def _scheduler(
    redis: Any, keys: Keys, clock: FakeClock, store: TicketStore, settings: Settings,
    kb: KnowledgeBase,
) -> Scheduler:  # fmt: skip
    """The SLA scheduler reading ``kb`` as the live knowledge base."""
    tz = settings.reply_timezone
    composer = ReplyComposer(StaticKB(kb), timezone=tz)
    storms = Storms(redis, keys, clock, store, settings)
    return Scheduler(redis, keys, clock, store, StaticKB(kb), composer, storms, timezone=tz)


def _due(kb: KnowledgeBase, due: date) -> KnowledgeBase:
    faqs = [f.model_copy(update={"review_due": due}) for f in kb.faqs]
    directory = [d.model_copy(update={"review_due": due}) for d in kb.directory]
    return kb.model_copy(update={"faqs": faqs, "directory": directory})


async def test_overdue_reviews_raise_a_warning_on_the_tick_and_clear(
    redis: Any, keys: Keys, shipped_kb: KnowledgeBase, settings: Settings
) -> None:
    """Past review_due: the warning names how many and which; reviewed again: cleared."""
    clock = FakeClock()
    today = clock.now().date()
    kb = _due(shipped_kb, date(today.year + 1, 1, 1))
    stale = kb.faqs[0].model_copy(update={"review_due": date(today.year - 1, 1, 1)})
    kb_stale = kb.model_copy(update={"faqs": [stale, *kb.faqs[1:]]})
    store = TicketStore(redis, keys, clock, StaticKB(kb), settings)

    def scheduler(k: KnowledgeBase) -> Scheduler:
        return _scheduler(redis, keys, clock, store, settings, k)

    assert [f"faq {stale.id}"] == await scheduler(kb_stale).check_reviews()
    raw = await redis.get(keys.alarm(REVIEW_OVERDUE))
    body = json.loads(raw)
    assert (Severity.WARNING, "warning") == (severity_of(REVIEW_OVERDUE), body["severity"])
    assert body["detail"].startswith(f"1 KB entries past review_due (faq {stale.id})")
    assert [] == await scheduler(kb).check_reviews()
    assert await redis.get(keys.alarm(REVIEW_OVERDUE)) is None


async def test_unverified_entries_raise_a_warning_with_the_counts_and_clear(
    redis: Any, keys: Keys, shipped_kb: KnowledgeBase, settings: Settings
) -> None:
    """One unverified entry: `kb_unverified` (a warning, so `seva status` stays healthy)
    says 1; once every entry is verified it clears."""
    clock = FakeClock()
    today = clock.now().date()
    good = {"verified": True, "evidence": "the page says so", "reviewed_by": "t",
            "review_due": date(today.year + 1, 1, 1)}  # fmt: skip
    faqs = [f.model_copy(update=good) for f in shipped_kb.faqs]
    directory = [d.model_copy(update=good) for d in shipped_kb.directory]
    trusted = shipped_kb.model_copy(update={"faqs": faqs, "directory": directory})
    one = trusted.model_copy(
        update={"faqs": [faqs[0].model_copy(update={"verified": False}), *faqs[1:]]}
    )
    store = TicketStore(redis, keys, clock, StaticKB(one), settings)

    def scheduler(k: KnowledgeBase) -> Scheduler:
        return _scheduler(redis, keys, clock, store, settings, k)

    await scheduler(one).check_reviews()
    body = json.loads(await redis.get(keys.alarm(UNVERIFIED)))
    assert body["severity"] == "warning"
    assert severity_of(UNVERIFIED) is Severity.WARNING
    assert body["detail"].startswith("1 KB entries unverified, 0 answers held back")
    await scheduler(trusted).check_reviews()
    assert await redis.get(keys.alarm(UNVERIFIED)) is None
