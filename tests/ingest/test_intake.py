"""Rules sync and intake decisions, against the emulator and a real Redis."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import FakeClock, SystemClock
from bot.ingest.role import Intake
from bot.ingest.rules import desired_rules, sync_rules
from bot.ingest.sink import Sink
from bot.settings import Settings, load_settings
from bot.x.adapter import TweepyXClient
from bot.x.emulator import EmulatorConfig, running_emulator
from bot.x.models import Post, Source


@pytest.fixture
async def emu() -> AsyncIterator[Any]:
    async with running_emulator(EmulatorConfig(keepalive_s=0.5)) as running:
        yield running


def _emu_settings(emu: Any, **extra: Any) -> Settings:
    return load_settings(
        x_base_url=emu.base_url, x_bearer_token=emu.config.app_bearer,
        x_user_access_token=emu.ministry["user_token"], account_handle=emu.ministry["username"],
        account_user_id=emu.ministry["id"], **extra,
    )  # fmt: skip


async def test_rules_are_synced_idempotently(emu: Any) -> None:
    """First sync adds the handle, hashtag and keyword rules; a second changes nothing; a
    changed config removes the stale rule."""
    settings = _emu_settings(emu, hashtags=["mociseva"], keywords=["DGFT"])
    x = TweepyXClient(settings, SystemClock())
    try:
        assert await sync_rules(x, settings) == (3, 0)
        assert await sync_rules(x, settings) == (0, 0)
        values = sorted(r.value for r in await x.get_rules())
        assert values == sorted(r.value for r in desired_rules(settings))
        fewer = _emu_settings(emu, hashtags=["mociseva"], keywords=[])
        assert await sync_rules(x, fewer) == (0, 1)
        assert len(await x.get_rules()) == 2
    finally:
        await x.close()


def _post(post_id: str, **kw: Any) -> Post:
    clock = FakeClock()
    base = Post(
        id=post_id, author_id="42", author_handle="citizen", text="@MoCI_Seva hello", lang="en",
        created_at=clock.now(), conversation_id=post_id, mentions=("moci_seva",), source=Source.STREAM,
    )  # fmt: skip
    return replace(base, **kw)


async def test_intake_skips_own_posts_retweets_and_old_posts_and_dedupes(
    redis: Any, keys: Any, settings: Settings
) -> None:
    """Only new, foreign, recent, original posts enter the inbox, once; each skip is counted."""
    clock = FakeClock()
    intake = Intake(
        Sink(redis, keys), settings.model_copy(update={"account_handle": "MoCI_Seva"}), clock, "999"
    )
    assert await intake.take(_post("1"))
    assert not await intake.take(_post("1", source=Source.MENTIONS))  # same post from polling
    assert not await intake.take(_post("2", author_id="999", author_handle="MoCI_Seva"))
    assert not await intake.take(_post("3", referenced=(("retweeted", "1"),)))
    assert not await intake.take(_post("4", created_at=clock.now() - timedelta(days=30)))
    hashtag_only = _post("5", text="#mociseva SEZ delays", mentions=())
    assert await intake.take(hashtag_only)
    entries = await redis.xrange(keys.inbox)
    posts = [json.loads(f["post"]) for _, f in entries]
    assert [p["id"] for p in posts] == ["1", "5"]
    assert [p["reply_allowed"] for p in posts] == [True, False]
    skipped = await redis.hgetall(keys.counter("ingest_skipped"))
    assert skipped == {"own_post": "1", "retweet": "1", "older_than_horizon": "1"}


def test_silence_alarms_only_when_traffic_was_expected() -> None:
    """An hour without posts after a busy day is an alarm; a quiet desk's quiet is not."""
    from bot.ingest.silence import SilenceWatch

    clock = FakeClock()
    watch = SilenceWatch(clock, alarm_after_s=3600, min_daily=20)
    assert watch.problem() is None
    for _ in range(5):
        watch.arrived()
        clock.advance(60)
    clock.advance(7200)
    assert watch.problem() is None  # 5 posts a day: two quiet hours are normal
    for _ in range(30):
        watch.arrived()
        clock.advance(60)
    assert watch.problem() is None
    clock.advance(3600)
    assert watch.problem() is not None
    assert "no post for" in str(watch.problem())
    watch.arrived()
    assert watch.problem() is None


async def test_polling_past_the_read_budget_raises_an_alarm(
    emu: Any, redis: Any, keys: Any
) -> None:
    """Reads are billed: past the hourly budget the poller stops paging and says so."""
    from bot.ingest.role import Poller

    settings = _emu_settings(emu, ingest_read_budget_per_hour=10, key_prefix=keys.prefix)
    await emu.control.create_user("reader")
    for i in range(30):
        await emu.control.publish("reader", f"@{emu.ministry['username']} question {i}")
    x = TweepyXClient(settings, SystemClock())
    try:
        clock = SystemClock()
        intake = Intake(Sink(redis, keys), settings, clock, emu.ministry["id"])
        poller = Poller(x, intake, Sink(redis, keys), settings, clock, redis=redis, keys=keys)
        await poller.poll()
    finally:
        await x.close()
    assert await redis.exists(keys.alarm("ingest_read_budget"))
    assert await redis.xlen(keys.inbox) == 30  # what was read is still taken in


async def test_a_first_start_does_not_replay_history(emu: Any, redis: Any, keys: Any) -> None:
    """With no saved cursor, posts older than the look-back are skipped; the cursor then moves
    and later posts come in."""
    from bot.ingest.role import Poller

    settings = _emu_settings(emu, ingest_first_lookback_s=60, key_prefix=keys.prefix)
    await emu.control.create_user("oldtimer")
    for i in range(5):
        await emu.control.publish("oldtimer", f"@{emu.ministry['username']} old question {i}")
    clock = FakeClock(start=SystemClock().time() + 3600)  # the daemon first starts an hour later
    x = TweepyXClient(settings, SystemClock())
    try:
        sink = Sink(redis, keys)
        intake = Intake(sink, settings, clock, emu.ministry["id"])
        poller = Poller(x, intake, sink, settings, clock, redis=redis, keys=keys)
        assert await poller.poll() == 0
        assert await redis.xlen(keys.inbox) == 0
        assert await sink.cursor("mentions") is not None
        skipped = await redis.hgetall(keys.counter("ingest_skipped"))
        assert skipped == {"before_first_start": "5"}
        await emu.control.publish("oldtimer", f"@{emu.ministry['username']} a new question")
        clock.advance(1)
        assert await poller.poll() == 1
    finally:
        await x.close()


@pytest.mark.parametrize("recovered_mid_round", [False, True], ids=["still-held", "recovered"])
async def test_a_round_turned_away_for_amnesia_moves_no_cursor(
    emu: Any, redis: Any, keys: Any, *, recovered_mid_round: bool
) -> None:
    """Posts refused because Redis lost its data leave the cursor unwritten, even when
    `seva recover` wrote the epoch back before the round ended: the first-start look-back
    then takes them in (a cursor written there lost every unanswered older post)."""
    from bot.ingest.role import Poller

    settings = _emu_settings(emu, key_prefix=keys.prefix)
    await emu.control.create_user("forgotten")
    for i in range(3):
        await emu.control.publish("forgotten", f"@{emu.ministry['username']} question {i}")

    async def recover() -> None:  # what `seva recover` leaves: an epoch, no hold
        if recovered_mid_round:
            await redis.set(keys.epoch, "{}")

    clock = SystemClock()
    x = TweepyXClient(settings, clock)
    try:
        sink = Sink(redis, keys, guard_epoch=True)  # no epoch yet: Redis came back empty
        intake = Intake(sink, settings, clock, emu.ministry["id"], on_held=recover)
        poller = Poller(x, intake, sink, settings, clock, redis=redis, keys=keys)
        taken = await poller.poll()  # recovered: the posts after the first one come in
        assert (taken, intake.held) == ((2, 1) if recovered_mid_round else (0, 3))
        assert await sink.cursor("mentions") is None
        await redis.set(keys.epoch, "{}")
        assert await poller.poll() == 3 - taken  # the look-back reads the rest again
        assert await redis.xlen(keys.inbox) == 3
        assert await sink.cursor("mentions") is not None
    finally:
        await x.close()


async def test_an_answer_without_a_docket_on_x_is_evidence_the_desk_ran(
    emu: Any, redis: Any, keys: Any
) -> None:
    """A Redis with no epoch meets an account whose only reply on X is an FAQ answer (no
    docket): that is amnesia, not a first start, or the look-back would answer it again."""
    from bot.epoch import EpochWatch
    from bot.ingest.role import IngestRole

    settings = _emu_settings(emu, key_prefix=keys.prefix)
    await emu.control.create_user("asker")
    asked = await emu.control.publish("asker", f"@{emu.ministry['username']} how to get an IEC?")
    x = TweepyXClient(settings, SystemClock())
    try:
        evidence = IngestRole(x)._evidence(settings)
        assert await evidence() is None  # nothing on X yet: a first start
        await emu.control.publish(
            emu.ministry["username"], "Apply on the DGFT portal.", in_reply_to=str(asked["id"])
        )
        watch = EpochWatch(redis, keys, SystemClock(), evidence)
        assert not await watch.check()
        assert await redis.exists(keys.hold)
        assert str(asked["id"]) in await redis.get(keys.hold)
        # Raised as every alarm is: counted once (seva_alarms_raised_total), not again.
        assert not await watch.check()
        assert "1" == await redis.hget(keys.counter("alarms"), "redis_amnesia")
    finally:
        await x.close()


async def test_a_recover_while_the_evidence_is_read_leaves_no_hold_or_alarm(
    redis: Any, keys: Any
) -> None:
    """`seva recover` finishing while a daemon reads X for evidence: the daemon neither
    holds intake again nor leaves the critical alarm up with nobody to clear it."""
    from bot.epoch import AMNESIA_ALARM, EpochWatch

    async def evidence_while_recovered() -> str:
        await redis.set(keys.epoch, "{}")  # recover: a new epoch, no hold, no alarm
        return "the account's own posts on X carry dockets (MOCI-2026-000001, ...)"

    watch = EpochWatch(redis, keys, SystemClock(), evidence_while_recovered)
    assert not await watch.check()
    assert (0, 0) == (await redis.exists(keys.hold), await redis.exists(keys.alarm(AMNESIA_ALARM)))
    assert await watch.check()  # and intake goes on


async def test_a_quote_of_the_ministry_s_post_summons_it(emu: Any) -> None:
    """A citizen quoting the ministry's post, with only a hashtag, may be answered (X counts
    a quote as summoning); a quote of someone else's post may not."""
    from bot.ingest.normalise import for_account

    settings = _emu_settings(emu)
    own = await emu.control.publish(emu.ministry["username"], "Register on the portal today.")
    await emu.control.create_user("quoter")
    other = await emu.control.publish("quoter", "my own note")
    ours = await emu.control.publish("quoter", "#mociseva not working", quote_of=str(own["id"]))
    theirs = await emu.control.publish("quoter", "#mociseva see", quote_of=str(other["id"]))
    x = TweepyXClient(settings, SystemClock())
    try:
        posts = {p.id: p for p in await x.get_posts([str(ours["id"]), str(theirs["id"])])}
    finally:
        await x.close()
    seen = {
        pid: for_account(p, handle=settings.account_handle, account_id=emu.ministry["id"])
        for pid, p in posts.items()
    }
    assert (True, True) == (seen[str(ours["id"])].quotes_account, seen[str(ours["id"])].reply_allowed)  # fmt: skip
    assert (False, False) == (
        seen[str(theirs["id"])].quotes_account, seen[str(theirs["id"])].reply_allowed,
    )  # fmt: skip
