"""Due times in working hours: evenings, weekends and plain hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.errors import SettingsError
from bot.kb.schema import KnowledgeBase
from bot.kb.source import StaticKB
from bot.keys import Keys
from bot.replies.composer import ReplyComposer
from bot.settings import Settings, load_settings
from bot.tickets.hours import WorkingHours, due_after
from bot.tickets.sla import Scheduler
from bot.tickets.store import TicketStore
from bot.tickets.storm import Storms
from bot.x.models import Post

IST_0930_MONDAY = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # 09:30 in Asia/Kolkata


def test_plain_hours_are_wall_clock_hours(settings: Settings) -> None:
    """Without working hours, 48 hours are 48 hours."""
    start = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
    assert datetime(2026, 11, 30, 14, 0, tzinfo=UTC) == due_after(start, 48, None)


def test_a_saturday_evening_ticket_is_due_in_monday_and_tuesday_working_time(
    settings: Settings,
) -> None:
    """09:30-18:00 IST, Monday to Friday: 10 working hours from Saturday is Tuesday 11:00."""
    working = WorkingHours.from_settings(settings)
    saturday_evening = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)  # 19:30 IST
    # Monday gives 8.5 h (09:30-18:00); 1.5 h more on Tuesday ends at 11:00 IST.
    assert datetime(2026, 12, 1, 5, 30, tzinfo=UTC) == due_after(saturday_evening, 10, working)
    assert datetime(2026, 11, 30, 6, 0, tzinfo=UTC) == due_after(IST_0930_MONDAY, 2, working)


def test_48_working_hours_span_the_weekend(settings: Settings) -> None:
    """48 h at 8.5 h a day from Monday 09:30 is 5 days and 5.5 h: Monday next week, 15:00."""
    working = WorkingHours.from_settings(settings)
    assert datetime(2026, 12, 7, 9, 30, tzinfo=UTC) == due_after(IST_0930_MONDAY, 48, working)


def test_bad_working_hours_settings_name_the_variable() -> None:
    """A day that is not a day, or a time that is not a time, is a clear settings error."""
    with pytest.raises(SettingsError, match="SEVA_SLA_BUSINESS_DAYS"):
        load_settings(sla_business_days="mon,funday")
    with pytest.raises(SettingsError, match="SEVA_SLA_BUSINESS_OPEN"):
        load_settings(sla_business_open="9 am")


async def test_a_business_hours_department_gets_working_hours_due_times(
    redis: Any, keys: Keys, settings: Settings, shipped_kb: KnowledgeBase
) -> None:
    """A ticket opened on Saturday evening in a working-hours department is due 48 working
    hours after Monday's opening (the next Monday), warned at 36 working hours, and a breach
    gives the next level 48 working hours again."""
    depts = [d.model_copy(update={"business_hours": d.id == "sez"}) for d in shipped_kb.departments]
    kb = StaticKB(shipped_kb.model_copy(update={"departments": depts}))
    saturday_evening = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)  # 19:30 IST
    clock = FakeClock(saturday_evening.timestamp())
    store = TicketStore(redis, keys, clock, kb, settings)
    post = Post(
        id="1980000000000000001", author_id="7", author_handle="c", text="@MoCI_Seva SEZ LOA?",
        lang="en", created_at=saturday_evening, conversation_id=None, mentions_account=True,
    )  # fmt: skip
    sez = await store.create(post, "sez", reason="policy", reply_allowed=True, nlu={})
    other = replace(post, id="1980000000000000002")  # a post has one ticket only
    dgft = await store.create(other, "dgft", reason="policy", reply_allowed=True, nlu={})
    # Monday 09:30 IST + 48 working hours (8.5 a day): the next Monday, 15:00 IST.
    assert datetime(2026, 12, 7, 9, 30, tzinfo=UTC) == sez.due_at
    assert saturday_evening + timedelta(hours=48) == dgft.due_at
    # 36 working hours from Monday 09:30: four days of 8.5 h, then 2 h on Friday: 11:30 IST.
    warn_at = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)
    assert warn_at.timestamp() == await redis.zscore(keys.sla_warn, sez.docket)

    clock.advance((sez.due_at - saturday_evening).total_seconds())  # exactly due
    tz = settings.reply_timezone
    storms = Storms(redis, keys, clock, store, settings)
    scheduler = Scheduler(
        redis, keys, clock, store, kb, ReplyComposer(kb, timezone=tz), storms, timezone=tz
    )
    await scheduler.tick()
    escalated = await store.require(sez.docket)
    assert 1 == escalated.level
    # Monday 15:00 IST + 48 working hours: 3 h that day, then 5 days of 8.5 h and 2.5 h more.
    assert datetime(2026, 12, 15, 6, 30, tzinfo=UTC) == escalated.due_at


async def test_a_released_storm_member_gets_the_working_hours_warning_it_was_given(
    redis: Any, keys: Keys, settings: Settings, shipped_kb: KnowledgeBase
) -> None:
    """A member of a working-hours department, released when its master is answered by
    hand, is warned at the time computed at its creation (36 working hours), not at a
    wall-clock 75 % of its period."""
    from bot.tickets.workflow import Workflow

    depts = [d.model_copy(update={"business_hours": d.id == "sez"}) for d in shipped_kb.departments]
    kb = StaticKB(shipped_kb.model_copy(update={"departments": depts}))
    saturday_evening = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
    clock = FakeClock(saturday_evening.timestamp())
    store = TicketStore(redis, keys, clock, kb, settings)
    flow = Workflow(redis, keys, clock, store, Storms(redis, keys, clock, store, settings))

    def post(n: int) -> Post:
        return Post(
            id=f"198000000000000010{n}", author_id=str(n), author_handle="c", lang="en",
            text="@MoCI_Seva SEZ online portal down", created_at=saturday_evening,
            conversation_id=None, mentions_account=True,
        )  # fmt: skip

    master = await store.create(post(1), "sez", reason="complaint", reply_allowed=True, nlu={})
    member = await store.create(post(2), "sez", reason="complaint", reply_allowed=True, nlu={})
    await flow.merge(member.docket, master.docket, "meera")
    await flow.close(master.docket, "meera", "answered on X", manual=True)
    warn_at = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)  # Friday 11:30 IST, as at creation
    assert warn_at.timestamp() == await redis.zscore(keys.sla_warn, member.docket)
