"""The outbox posts each reply exactly once, whatever X answers and wherever it crashes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.errors import (
    CreditsDepletedError,
    DuplicateContentError,
    RateLimitedError,
    ReplyNotAllowedError,
    ServerError,
    TransientNetworkError,
)
from bot.outbox.budget import PostBudget
from bot.outbox.jobs import Priority, ReplyJob, enqueue, state_of
from bot.outbox.poster import Poster
from bot.streams import Defer
from tests.outbox.fake_x import FakeX

TARGET = "1900000000000000001"


def _job(job_id: str = "faq:1", parts: list[str] | None = None, **kw) -> ReplyJob:
    return ReplyJob(
        job_id=job_id, in_reply_to=TARGET, parts=parts or ["hello Ref A1"], kind="faq", **kw
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_poster(redis, keys, settings, clock):
    blocked: list[tuple[str, str]] = []

    async def on_blocked(job: ReplyJob, why: str) -> None:
        blocked.append((job.job_id, why))

    def make(x: FakeX, **overrides) -> Poster:
        s = settings.model_copy(update=overrides)
        return Poster(
            redis=redis,
            keys=keys,
            x=x,
            budget=PostBudget(redis, keys, clock, s),
            clock=clock,
            settings=s,
            on_blocked=on_blocked,
        )

    make.blocked = blocked  # type: ignore[attr-defined]
    return make


async def test_thread_parts_chain_each_reply_to_the_previous(redis, keys, make_poster):
    """Part 1 replies to the citizen's post, part n to part n-1."""
    x = FakeX()
    job = _job(parts=["1/3 a Ref Z", "2/3 b Ref Z", "3/3 c Ref Z"])
    await enqueue(redis, keys, job)
    await make_poster(x).post(job)
    ids = list(x.posts)
    assert [TARGET, ids[0], ids[1]] == [parent for _, parent in x.posts.values()]
    assert "sent" == (await state_of(redis, keys, job.job_id))["state"]


async def test_redelivered_finished_job_is_not_posted_again(redis, keys, make_poster):
    """A job already sent is skipped when its stream entry comes back."""
    x = FakeX()
    job = _job()
    await enqueue(redis, keys, job)
    poster = make_poster(x)
    await poster.post(job)
    await poster.post(job)
    assert 1 == len(x.posts)


async def test_enqueue_is_idempotent_by_job_id(redis, keys):
    """Queuing the same job id twice queues it once."""
    assert await enqueue(redis, keys, _job())
    assert not await enqueue(redis, keys, _job())
    assert 1 == await redis.xlen(keys.outbox)


async def test_crash_before_reaching_x_posts_exactly_once(redis, keys, make_poster):
    """A job left 'sending' that never reached X is looked up, not found, then posted once."""
    x = FakeX()
    job = _job()
    await enqueue(redis, keys, job)
    await redis.hset(keys.reply(job.job_id), mapping={"state": "sending", "sending_part": 0})
    await make_poster(x).post(job)
    assert 1 == x.lookups
    assert ["hello Ref A1"] == x.texts()


async def test_created_on_x_but_not_recorded_is_reconciled_not_reposted(redis, keys, make_poster):
    """X created the post but the answer was lost: the retry finds it and posts nothing."""
    x = FakeX(fail_after=[TransientNetworkError("connection reset")])
    job = _job()
    await enqueue(redis, keys, job)
    poster = make_poster(x)
    with pytest.raises(Defer):
        await poster.post(job)
    await poster.post(job)
    assert 1 == len(x.posts)
    state = await state_of(redis, keys, job.job_id)
    assert "sent" == state["state"]
    assert next(iter(x.posts)) == state["id_0"]


async def test_server_error_mid_thread_resumes_at_the_next_part(redis, keys, make_poster):
    """A 503 on part 2 retries part 2 only; part 1 is never posted twice."""
    x = FakeX()
    job = _job(parts=["1/2 a Ref Q", "2/2 b Ref Q"])
    await enqueue(redis, keys, job)
    poster = make_poster(x)
    x.fail_before = []
    await poster._post_part(job, 0, TARGET, reconcile=False)  # part 1 goes out
    await redis.hset(keys.reply(job.job_id), mapping={"state": "sending"})
    x.fail_before = [ServerError("503")]
    with pytest.raises(Defer):
        await poster.post(job)
    await poster.post(job)
    assert ["1/2 a Ref Q", "2/2 b Ref Q"] == x.texts()


async def test_duplicate_on_a_fresh_job_is_a_failure_not_a_success(redis, keys, make_poster):
    """A 403 duplicate for a job never interrupted means the text was not unique: failed."""
    x = FakeX(fail_before=[DuplicateContentError("duplicate")])
    job = _job()
    await enqueue(redis, keys, job)
    await make_poster(x).post(job)
    state = await state_of(redis, keys, job.job_id)
    assert "failed" == state["state"]
    assert "duplicate" in state["error"]


async def test_duplicate_during_reconciliation_counts_only_if_lookup_finds_it(
    redis, keys, make_poster
):
    """After an interruption, a 403 duplicate is 'sent' only when the reply is found."""
    x = FakeX()
    job = _job()
    await enqueue(redis, keys, job)
    # The lookup misses at first (e.g. search lag), then the re-post says duplicate.
    real_find = x.find_reply
    calls = {"n": 0}

    async def lagging_find(parent: str, text: str):
        calls["n"] += 1
        return None if calls["n"] == 1 else await real_find(parent, text)

    x.find_reply = lagging_find  # type: ignore[method-assign]
    x.posts["1900000000000000999"] = ("hello Ref A1", TARGET)
    x.fail_before = [DuplicateContentError("duplicate")]
    await redis.hset(keys.reply(job.job_id), mapping={"state": "sending", "sending_part": 0})
    await make_poster(x).post(job)
    state = await state_of(redis, keys, job.job_id)
    assert "sent" == state["state"]
    assert "1900000000000000999" == state["id_0"]


async def test_reply_not_allowed_marks_failure_and_notifies(redis, keys, make_poster):
    """X's reply restriction fails the job and tells the ticket side."""
    x = FakeX(fail_before=[ReplyNotAllowedError("not allowed")])
    job = _job(docket="MOCI-2026-000001")
    await enqueue(redis, keys, job)
    await make_poster(x).post(job)
    assert [(job.job_id, "reply_not_allowed")] == make_poster.blocked
    assert "failed" == (await state_of(redis, keys, job.job_id))["state"]


async def test_credits_depleted_pauses_raises_alarm_and_loses_nothing(redis, keys, make_poster):
    """402 pauses the outbox with an alarm; the job goes out once credits return."""
    x = FakeX(fail_before=[CreditsDepletedError("credits")])
    job = _job()
    await enqueue(redis, keys, job)
    poster = make_poster(x, outbox_pause_s=42.0)
    with pytest.raises(Defer) as deferred:
        await poster.post(job)
    assert 42.0 == deferred.value.delay_s
    assert await redis.exists(keys.alarm("outbox_creditsdepleted"))
    await poster.post(job)
    assert 1 == len(x.posts)
    assert not await redis.exists(keys.alarm("outbox_creditsdepleted"))


async def test_rate_limit_defers_until_reset(redis, keys, make_poster, clock):
    """A 429 defers the job until X's reset time."""
    x = FakeX(fail_before=[RateLimitedError("429", reset_at=clock.now() + timedelta(seconds=90))])
    job = _job()
    await enqueue(redis, keys, job)
    with pytest.raises(Defer) as deferred:
        await make_poster(x).post(job)
    assert 90.0 == pytest.approx(deferred.value.delay_s)


async def test_post_window_limit_waits_for_the_oldest_post_to_age_out(
    redis, keys, make_poster, clock
):
    """With a 15-minute limit of 3, the 4th post waits until the 1st leaves the window."""
    x = FakeX()
    poster = make_poster(x, outbox_limit_15m=3)
    for i in range(3):
        await poster.post(_job(job_id=f"faq:{i}", parts=[f"answer Ref {i}"]))
        clock.advance(60)
    with pytest.raises(Defer) as deferred:
        await poster.post(_job(job_id="faq:3", parts=["answer Ref 3"]))
    assert "15-minute" in deferred.value.reason
    assert 900 - 180 == pytest.approx(deferred.value.delay_s)
    clock.advance(deferred.value.delay_s)
    await poster.post(_job(job_id="faq:3", parts=["answer Ref 3"]))
    assert 4 == len(x.posts)


async def test_daily_budget_stops_spending(redis, keys, make_poster):
    """When today's spend would pass the budget, the post waits for tomorrow."""
    x = FakeX()
    poster = make_poster(x, outbox_daily_budget_usd=0.025, price_summoned_reply_usd=0.01)
    await poster.post(_job(job_id="a", parts=["one Ref a"]))
    await poster.post(_job(job_id="b", parts=["two Ref b"]))
    with pytest.raises(Defer) as deferred:
        await poster.post(_job(job_id="c", parts=["three Ref c"]))
    assert "budget" in deferred.value.reason
    assert 2 == len(x.posts)


async def test_low_priority_jobs_go_to_their_own_stream(redis, keys):
    """Interim and fan-out replies queue behind answers."""
    await enqueue(redis, keys, _job(job_id="low", priority=Priority.LOW))
    assert 1 == await redis.xlen(keys.outbox_low)
    assert 0 == await redis.xlen(keys.outbox)


async def test_fanout_fills_only_its_share_of_a_window(redis, keys, settings, clock):
    """Storm fan-out stops at 80 % of the 15-minute window; an answer still fits after it."""
    s = settings.model_copy(update={"outbox_limit_15m": 10, "outbox_fanout_share": 0.8})
    budget = PostBudget(redis, keys, clock, s)
    for i in range(8):
        assert (await budget.check(0.01, fanout=True)).ok
        await budget.record(f"fan:{i}", 0.01, "storm_answer")
    refused = await budget.check(0.01, fanout=True)
    assert (False, "15-minute post limit (fan-out share)") == (refused.ok, refused.reason)
    assert (await budget.check(0.01)).ok  # the reserve: fresh answers and interim replies
