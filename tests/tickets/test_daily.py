"""The daily records behind the reports: kept current move by move, equal to a full rebuild.

The desk here is the storm desk (tickets, workflow, storms, the SLA and the poster on one
real redis-server, one fake clock), so the moves that write another ticket's hash (a
storm join, a reopened member leaving its master) are covered as well as the plain ones.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from bot.kb.schema import KnowledgeBase
from bot.keys import Keys
from bot.settings import Settings
from bot.store import connect
from bot.tickets.daily import DailyFigures, DayFigures, sum_day
from bot.tickets.report import PERIODS, all_tickets, daily_series, figures, report
from bot.tickets.sla_commands import sla
from tests.tickets.test_storm import ANSWER, StormDesk

H = 3600.0
DOWN = "DGFT portal is down since morning, cannot apply for IEC"


async def _busy_days(desk: StormDesk, zone: ZoneInfo) -> None:
    """Four days of a desk's life, with a report (a refresh) between the moves."""

    async def look() -> None:
        await report(desk.redis, desk.keys, desk.clock, zone)

    await look()  # the first report builds the (empty) records; from here on, increments
    master = await desk.open(DOWN, "en")
    a = await desk.open("DGFT website not opening since morning, IEC stuck", "en")
    await desk.open("dgft portal down hai subah se, IEC apply nahi ho raha", "hinglish")
    lone = await desk.open("My IEC application is pending for a month, no reply", "en")
    await look()
    await desk.storms.sweep()  # the storm join writes the master's hash too
    await look()
    desk.clock.advance(3 * H)
    await desk.flow.claim(master.docket, "meera")
    await desk.flow.reply(master.docket, "meera", ANSWER)
    await desk.drain_outbox()
    await look()
    desk.clock.advance(20 * H)  # the next day
    await desk.flow.reopen(a.docket, "ravi", "citizen says still down")  # leaves the storm
    other = await desk.open("SEZ unit approval pending with the development commissioner", "en")
    await look()
    desk.clock.advance(30 * H)
    await desk.sla.tick()  # `lone` and `a` breach their 48 h
    await desk.flow.claim(other.docket, "asha")
    await desk.flow.refer(other.docket, "asha", "mea-passport")
    await look()
    desk.clock.advance(26 * H)
    await desk.sla.tick()
    await desk.flow.claim(lone.docket, "ravi")
    await desk.flow.reply(lone.docket, "ravi", "Your IEC is issued; sorry for the wait.")
    await desk.flow.close(lone.docket, "ravi", "resolved")
    await desk.open(DOWN + " again", "en")  # no report after this one: the next read refreshes


async def test_records_kept_move_by_move_equal_a_full_rebuild(
    redis: Any, keys: Keys, settings: Settings, shipped_kb: KnowledgeBase
) -> None:
    """After storms, replies, a reopen, breaches, a referral and a close, each refreshed as
    it happened, the stored records are exactly what a rebuild from a full scan writes."""
    desk = StormDesk(redis, keys, settings, shipped_kb)
    zone = settings.report_zone
    await _busy_days(desk, zone)
    daily = DailyFigures(redis, keys, zone)
    assert await daily.refresh() >= 1  # the last post's day was dirty
    kept = await daily.read()
    assert [d.day for d in kept] == sorted({d.day for d in kept})
    assert len(kept) >= 2
    assert sum(d.tickets for d in kept) == 6
    assert sum(d.storms for d in kept) == 1
    assert sum(d.storm_members for d in kept) == 1
    await daily.rebuild(await all_tickets(redis, keys))
    assert kept == await daily.read()


async def test_every_period_from_the_records_equals_the_scan(
    redis: Any, keys: Keys, settings: Settings, shipped_kb: KnowledgeBase
) -> None:
    """`report` (records) and `figures` (every ticket read and summed) agree on each period."""
    desk = StormDesk(redis, keys, settings, shipped_kb)
    zone = settings.report_zone
    await _busy_days(desk, zone)
    from_records = await report(redis, keys, desk.clock, zone)
    tickets = await all_tickets(redis, keys)
    for period in (*PERIODS, "all"):
        assert from_records[period] == figures(tickets, desk.clock.now(), period, zone), period
    assert from_records["all"].breaches_by_dept  # the fixture did breach
    assert from_records["all"].referrals == 1


async def test_tickets_from_before_the_records_are_counted_by_the_first_report(
    redis: Any, keys: Keys, settings: Settings, shipped_kb: KnowledgeBase
) -> None:
    """A desk upgraded with tickets already in Redis (no records, no creation index) gets
    them all counted: the first report rebuilds once."""
    desk = StormDesk(redis, keys, settings, shipped_kb)
    for text in (DOWN, "SEZ approval pending", "IEC status unknown"):
        await desk.open(text, "en")
    await redis.delete(keys.report_created, keys.report_dirty, keys.report_built)
    figs = await report(redis, keys, desk.clock, settings.report_zone)
    assert figs["all"].tickets == 3
    assert await redis.zcard(keys.report_created) == 3


def test_a_day_s_series_row_keeps_tickets_not_yet_due_out_of_the_sla_share() -> None:
    """Of four tickets, one answered in time, one late, one overdue and one not yet due:
    the day's SLA share is 1 of the 3 that were due or answered, not 1 of 4."""
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    day = DayFigures(
        day="2026-11-30", tickets=4, answered=2, in_time=1,
        waiting_due=[now.timestamp() - 60, now.timestamp() + 3600],
    )  # fmt: skip
    [row] = daily_series([day], now)
    assert (row["pending"], row["overdue"], row["answered_late"]) == (1, 1, 1)
    assert row["within_sla"] == round(1 / 3, 4)
    assert row["response_rate"] == 0.5


def test_an_empty_day_sums_to_nothing() -> None:
    """No tickets: a record of zeros, which the store deletes rather than keeps."""
    assert sum_day("2026-11-30", []) == DayFigures(day="2026-11-30")


def test_the_rebuild_command_restores_records_that_drifted(
    redis_server: Any, key_prefix: str, settings: Settings, shipped_kb: KnowledgeBase
) -> None:
    """A day record deleted by hand (drift) is back after `seva sla rebuild`, and the
    command says how many days and tickets it summed."""
    keys = Keys(key_prefix)

    async def seed() -> str:
        client = connect(redis_server.url)
        desk = StormDesk(client, keys, settings, shipped_kb)
        await desk.open(DOWN, "en")
        await report(client, keys, desk.clock, settings.report_zone)
        [day] = [str(d) for d in await client.zrange(keys.report_days, 0, -1)]
        await client.delete(keys.report_day(day))
        await client.aclose()
        return day

    async def record(day: str) -> Any:
        client = connect(redis_server.url)
        try:
            return await client.get(keys.report_day(day))
        finally:
            await client.aclose()

    day = asyncio.run(seed())
    env = {"SEVA_REDIS_URL": redis_server.url, "SEVA_KEY_PREFIX": key_prefix}
    result = CliRunner().invoke(sla, ["rebuild"], env=env)
    assert result.exit_code == 0, result.output
    assert "rebuilt the figures of 1 days from 1 tickets" in result.output
    assert DayFigures.from_json(asyncio.run(record(day))).tickets == 1
