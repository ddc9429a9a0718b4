"""SLA report figures against a hand-computed fixture; they survive a restart; the CLIs."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import redis.asyncio as aioredis
from click.testing import CliRunner

from bot.clock import SystemClock
from bot.keys import Keys
from bot.pipeline.triage_commands import triage
from bot.settings import Settings
from bot.tickets.commands import tickets
from bot.tickets.report import report
from bot.tickets.sla_commands import sla
from bot.tickets.triage import TriageInbox
from tests.conftest import RedisServer
from tests.tickets.test_workflow_sla import Desk, _post
from tests.users.helpers import add_officers

H = 3600


async def _fixture(desk: Desk) -> dict[str, str]:
    """Five tickets over three days (times in hours from the first creation):

    t1 dgft, created 0, answered at 10 (within SLA), closed at 11;
    t2 dgft, created 1, answered at 60 (after its 48 h: late); open 'answered';
    t3 sez, created 2, referred at 3 (a response, clock stops);
    t4 dgft, created 50, still open, breached once at 98 -> never answered;
    t5 sez hashtag-only, created 70, closed by hand at 72 (manual reply).
    Now = 100 h.
    """
    d: dict[str, str] = {}
    d["t1"] = await desk.ticket(1)
    desk.clock.advance(1 * H)
    d["t2"] = await desk.ticket(2)
    desk.clock.advance(1 * H)
    t3 = await desk.store.create(
        _post(3), "sez",
        reason="r", reply_allowed=True, nlu=None,
    )  # fmt: skip
    d["t3"] = t3.docket
    desk.clock.advance(1 * H)  # 3 h
    await desk.flow.refer(d["t3"], "asha", "mea-passport")
    desk.clock.advance(7 * H)  # 10 h
    await desk.flow.claim(d["t1"], "meera")
    await desk.flow.reply(d["t1"], "meera", "Done.")
    desk.clock.advance(1 * H)  # 11 h
    await desk.flow.close(d["t1"], "meera", "resolved")
    desk.clock.advance(39 * H)  # 50 h
    d["t4"] = await desk.ticket(4)
    desk.clock.advance(10 * H)  # 60 h
    await desk.flow.claim(d["t2"], "ravi")
    await desk.flow.reply(d["t2"], "ravi", "Sorry for the delay.")
    desk.clock.advance(10 * H)  # 70 h
    t5 = await desk.store.create(
        _post(5), "sez",
        reason="r", reply_allowed=False, nlu=None,
    )  # fmt: skip
    d["t5"] = t5.docket
    desk.clock.advance(2 * H)  # 72 h
    await desk.flow.close(d["t5"], "asha", "replied on X", manual=True)
    desk.clock.advance(26 * H + 1)  # 98 h: t4 is 48 h old
    await desk.sla.tick()
    desk.clock.advance(2 * H - 1)  # 100 h
    return d


async def test_report_matches_the_hand_computed_fixture(
    redis: Any, keys: Keys, settings: Settings
) -> None:
    """All-time and last-day figures equal the numbers worked out by hand in the docstring."""
    desk = Desk(redis, keys, settings)
    await _fixture(desk)
    figs = await report(redis, keys, desk.clock, settings.report_zone)
    f = figs["all"]
    assert f.tickets == 5
    assert f.response_rate == 0.8  # t1, t2, t3 (referral), t5 (manual): 4 of 5
    assert f.clearance_rate == 0.4  # t1, t5
    assert f.within_sla == 0.6  # t1 (10 h), t3 (1 h), t5 (2 h); t2 was late
    assert f.median_first_response_h == 6.0  # first responses: 10, 59, 1, 2 h -> median 6
    assert f.p90_first_response_h == 59.0
    assert f.backlog_by_dept == {"dgft": 1}  # t4 (t2 is answered, not open)
    assert f.backlog_by_age == {">48h": 1}
    assert f.breaches_by_dept == {"dgft": 1}
    assert f.breaches_by_officer == {"unclaimed": 1}
    assert f.referrals == 1
    assert f.manual_reply_tickets == 1
    day = figs["day"]
    assert day.tickets == 0  # nothing created in the last 24 h (the last was at 70 h)
    week = figs["week"]
    assert week.tickets == 5


async def test_figures_survive_a_restart(
    redis_server: RedisServer, redis: Any, keys: Keys, settings: Settings
) -> None:
    """A new process (a new client, nothing in memory) computes the same figures."""
    desk = Desk(redis, keys, settings)
    await _fixture(desk)
    before = (await report(redis, keys, desk.clock, settings.report_zone))["all"]
    fresh = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    try:
        after = (await report(fresh, keys, desk.clock, settings.report_zone))["all"]
    finally:
        await fresh.aclose()
    assert after == before


def test_officer_cli_claims_replies_and_reports(
    redis_server: RedisServer, key_prefix: str, settings: Settings
) -> None:
    """`seva tickets list/claim/reply/show` and `seva sla report --json` work on live data."""
    keys = Keys(key_prefix)

    async def seed() -> str:
        client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
        desk = Desk(client, keys, settings)
        docket = await desk.ticket(1)
        await add_officers(client, keys, settings, "meera", "ravi")
        await client.aclose()
        return docket

    docket = asyncio.run(seed())
    env = {"SEVA_REDIS_URL": redis_server.url, "SEVA_KEY_PREFIX": key_prefix}
    meera, ravi = env | {"SEVA_OFFICER": "meera"}, env | {"SEVA_OFFICER": "ravi"}
    run = CliRunner().invoke
    listed = run(tickets, ["list", "--dept", "dgft"], env=env)
    assert docket in listed.output
    assert run(tickets, ["claim", docket], env=meera).exit_code == 0
    second = run(tickets, ["claim", docket], env=ravi)
    assert second.exit_code == 1
    assert "held by meera" in second.output
    replied = run(tickets, ["reply", docket, "Your IEC is fixed."], env=meera)
    assert replied.exit_code == 0, replied.output
    assert "queued answer:" in replied.output
    shown = run(tickets, ["show", docket], env=env)
    assert "claimed" in shown.output
    assert "answered" in shown.output
    figures = json.loads(run(sla, ["report", "--json"], env=env).output)
    assert figures["all"]["tickets"] == 1
    assert figures["all"]["response_rate"] == 1.0
    assert "Seva daily digest" in run(sla, ["digest"], env=env).output


def test_triage_cli_converts_and_dismisses_and_the_report_counts_them(
    redis_server: RedisServer, key_prefix: str, settings: Settings
) -> None:
    """`seva triage list/convert/dismiss --all` work on live data; converting queues the
    acknowledgement once; `seva sla report --json` counts triaged, converted, dismissed."""
    keys = Keys(key_prefix)

    async def seed() -> None:
        client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
        inbox = TriageInbox(client, keys, SystemClock())
        for i in (1, 2, 3):
            await inbox.add(_post(i, text=f"@MoCI_Seva post {i}"), "no grievance", "dgft", {})
        await add_officers(client, keys, settings, "meera")
        await client.aclose()

    asyncio.run(seed())
    env = {"SEVA_REDIS_URL": redis_server.url, "SEVA_KEY_PREFIX": key_prefix}
    meera = env | {"SEVA_OFFICER": "meera"}
    run = CliRunner().invoke
    listed = run(triage, ["list"], env=env)
    first = _post(1).id
    assert first in listed.output
    assert "waiting 3" in listed.output
    converted = run(triage, ["convert", first], env=meera)
    assert converted.exit_code == 0, converted.output
    assert "is ticket MOCI-" in converted.output
    again = run(triage, ["convert", first], env=meera)
    assert again.exit_code == 1
    assert "not in triage" in again.output
    dismissed = run(triage, ["dismiss", "--all"], env=meera)
    assert "2 dismissed" in dismissed.output
    figures = json.loads(run(sla, ["report", "--json"], env=env).output)
    assert {"triaged": 3, "converted": 1, "answered": 0, "dismissed": 2, "waiting": 0} == (
        figures["triage"]
    )

    async def acks() -> int:
        client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
        n = await client.xlen(keys.outbox)
        await client.aclose()
        return int(n)

    assert 1 == asyncio.run(acks())
