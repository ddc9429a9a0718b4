"""/metrics: the desk's figures from Redis, moved by the real code paths, scraped over HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from bot.alarms import clear_alarm, raise_alarm
from bot.clock import FakeClock, SystemClock
from bot.decision import Thresholds, Understanding
from bot.errors import ServerError, TargetGoneError
from bot.ingest.role import Intake
from bot.ingest.sink import Sink
from bot.kb.source import FileKB, StaticKB
from bot.keys import Keys
from bot.lifecycle import RoleContext, Runner
from bot.metrics import METRICS, Metrics, hash_counter
from bot.outbox.budget import PostBudget
from bot.outbox.jobs import ReplyJob, enqueue
from bot.outbox.poster import Poster
from bot.pipeline.effects import DeskEffects
from bot.pipeline.handler import PipelineHandler
from bot.replies.composer import ReplyComposer
from bot.settings import Settings
from bot.store import connect
from bot.streams import Defer
from bot.tickets.sla import Scheduler
from bot.tickets.store import TicketStore
from bot.tickets.storm import Storms
from bot.tickets.workflow import Workflow
from bot.web.app import create_app
from bot.x.models import Post, Source
from tests.conftest import ROOT, RedisServer
from tests.outbox.fake_x import FakeX

ACCOUNT_ID = "1000"
_KB: list[StaticKB] = []  # the shipped KB, read once


async def _kb() -> StaticKB:
    if not _KB:
        _KB.append(StaticKB(await FileKB(ROOT / "faq_kb", ROOT / "responses").load()))
    return _KB[0]


class Figures:
    """One scrape, parsed: ``figures.get(name, label=value, ...)``, 0 when absent."""

    def __init__(self, text: str) -> None:
        self.families = {f.name: f for f in text_string_to_metric_families(text)}
        self.samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for f in self.families.values()
            for s in f.samples
        }

    def get(self, name: str, **labels: str) -> float:
        return self.samples.get((name, tuple(sorted(labels.items()))), 0.0)

    def labelled(self, name: str) -> dict[tuple[tuple[str, str], ...], float]:
        return {labels: v for (n, labels), v in self.samples.items() if n == name}


Scrape = Callable[[], Awaitable[Figures]]


async def _client(settings: Settings, redis: Any, keys: Keys, clock: Any) -> TestClient:
    client = TestClient(TestServer(create_app(settings, redis, keys, clock)))
    await client.start_server()
    return client


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def scrape(
    settings: Settings, redis: Any, keys: Keys, clock: FakeClock
) -> AsyncIterator[Scrape]:
    """GET /metrics of a web app on the test's Redis (and the test's clock), parsed."""
    client = await _client(settings, redis, keys, clock)

    async def get() -> Figures:
        resp = await client.get("/metrics")
        assert 200 == resp.status
        assert CONTENT_TYPE_LATEST == resp.headers["Content-Type"]
        return Figures(await resp.text())

    yield get
    await client.close()


def _post(n: int, *, source: Source = Source.MENTIONS, **fields: Any) -> Post:
    pid = str(1_980_000_000_000_000_000 + n)
    base = Post(
        id=pid, author_id="7", author_handle="citizen", text=f"@MoCI_Seva my IEC is stuck {n}",
        lang="en", created_at=datetime.now(UTC), conversation_id=pid, source=source,
        mentions=("moci_seva",),
    )  # fmt: skip
    return replace(base, **fields)


async def test_ingest_counts_posts_added_by_source_and_skipped_by_reason(
    redis: Any, keys: Keys, settings: Settings, scrape: Scrape
) -> None:
    """Intake's adds count by source (a duplicate does not); its skips count by reason."""
    intake = Intake(Sink(redis, keys), settings, SystemClock(), ACCOUNT_ID)
    before = await scrape()
    for post in (
        _post(1, source=Source.STREAM),
        _post(2, source=Source.STREAM),
        _post(3, source=Source.MENTIONS),
        _post(1, source=Source.MENTIONS),  # the stream's post again, found by polling
        _post(4, author_id=ACCOUNT_ID),  # the desk's own
        _post(5, referenced=(("retweeted", "42"),)),
        _post(6, created_at=datetime.now(UTC) - timedelta(days=30)),
    ):
        await intake.take(post)
    after = await scrape()
    for source, added in (("stream", 2), ("mentions", 1), ("search", 0)):
        delta = after.get("seva_posts_ingested_total", source=source) - before.get(
            "seva_posts_ingested_total", source=source
        )
        assert added == delta, source
    assert {
        (("reason", "own_post"),): 1.0,
        (("reason", "retweet"),): 1.0,
        (("reason", "older_than_horizon"),): 1.0,
    } == after.labelled("seva_posts_skipped_total")
    assert 3 == after.get("seva_stream_entries", stream="inbox")
    assert "counter" == after.families["seva_posts_ingested"].type


class StubNLU:
    """An Understander that reads the intent off the text: 'spam' or 'hello'."""

    async def understand(self, text: str) -> Understanding:
        intent = "abuse" if "spam" in text else "greet"
        return Understanding(intent=intent, confidence=0.95, lang="en")

    def entities_only(self, text: str) -> Understanding:
        return Understanding(lang="en")

    def faq_department(self, faq_id: str) -> str | None:
        return None

    def verified(self, body_id: str) -> bool:
        return False


class Together:
    """Effects that wait until ``n`` consumers are applying (so a race surely happens)."""

    def __init__(self, inner: DeskEffects, n: int) -> None:
        self._inner, self._n = inner, n
        self._arrived = 0
        self._all_in = asyncio.Event()

    async def has_open_ticket(self, post: Post) -> bool:
        return await self._inner.has_open_ticket(post)

    async def apply(self, post: Post, decision: Any, info: dict[str, Any]) -> dict[str, Any]:
        self._arrived += 1
        if self._arrived >= self._n:
            self._all_in.set()
        await asyncio.wait_for(self._all_in.wait(), 5)
        return await self._inner.apply(post, decision, info)


async def _effects(redis: Any, keys: Keys, settings: Settings, clock: FakeClock) -> DeskEffects:
    kb = await _kb()
    store = TicketStore(redis, keys, clock, kb, settings)
    return DeskEffects(
        redis,
        keys,
        store,
        ReplyComposer(kb, timezone=settings.reply_timezone, clock=clock),
        status_interval_h=settings.followup_status_interval_h,
        clock=clock,
    )


def _handler(
    redis: Any, keys: Keys, settings: Settings, clock: FakeClock, effects: DeskEffects | Together
) -> PipelineHandler:
    return PipelineHandler(
        redis=redis, keys=keys, clock=clock, settings=settings, understanding=StubNLU(),
        effects=effects, thresholds=Thresholds.from_settings(settings),
    )  # fmt: skip


def _entry(post: Post, clock: FakeClock) -> tuple[str, dict[str, str]]:
    return f"{int(clock.time() * 1000)}-0", {"post": json.dumps(post.to_fields())}


async def test_decisions_count_by_action_once_per_post_and_ignores_by_reason(
    redis: Any, keys: Keys, settings: Settings, clock: FakeClock, scrape: Scrape
) -> None:
    """Each post counts once under its action, redelivered or raced; an ignore by reason."""
    effects = await _effects(redis, keys, settings, clock)
    handler = _handler(redis, keys, settings, clock, effects)
    spam = _entry(_post(11, text="@MoCI_Seva buy spam now"), clock)
    await handler(*spam)
    await handler(*spam)  # redelivered after it was done
    # Two consumers on one post (a redelivery to a second one while the first still works):
    # both carry its effects out (idempotent) and both finish it; it counts once.
    both = Together(effects, 2)
    hello = _entry(_post(12, text="@MoCI_Seva hello"), clock)
    first, second = (_handler(redis, keys, settings, clock, both) for _ in range(2))
    await asyncio.gather(first(*hello), second(*hello))
    figures = await scrape()
    assert {
        (("action", "ignore"),): 1.0,
        (("action", "greet"),): 1.0,
    } == figures.labelled("seva_decisions_total")
    assert 1 == figures.get("seva_posts_ignored_total", reason="abuse/spam")
    assert 2 == await redis.xlen(keys.decisions)  # the audit trail agrees: one per post
    # The greeting's reply job waits in the outbox, unread by any consumer group yet.
    assert 1 == figures.get("seva_stream_entries", stream="outbox")


def _poster(redis: Any, keys: Keys, settings: Settings, x: FakeX, clock: Any) -> Poster:
    budget = PostBudget(redis, keys, clock, settings)
    return Poster(redis=redis, keys=keys, x=x, budget=budget, clock=clock, settings=settings)


async def test_outbox_counts_posts_by_kind_and_spend_in_dollars(
    redis: Any, keys: Keys, settings: Settings, clock: FakeClock, scrape: Scrape
) -> None:
    """Each part X accepts counts once by kind, and what it cost; a failure counts by code."""
    x = FakeX()
    poster = _poster(redis, keys, settings, x, clock)
    thread = ReplyJob(
        job_id="faq:m1", in_reply_to="1", kind="faq",
        parts=["1/2 Apply on dgft.gov.in (ref M1)", "2/2 It takes a few days (ref M1)"],
    )  # fmt: skip
    ack = ReplyJob(job_id="ack:m2", in_reply_to="2", kind="ack", parts=["Noted (ref M2)"])
    gone = ReplyJob(job_id="ack:m3", in_reply_to="3", kind="ack", parts=["Noted (ref M3)"])
    for job in (thread, ack, gone):
        await enqueue(redis, keys, job)
    await poster.post(thread)
    await poster.post(ack)
    x.fail_before.append(TargetGoneError("deleted"))
    await poster.post(gone)
    await poster.post(ack)  # redelivered: already sent, nothing counts again
    figures = await scrape()
    assert 2 == figures.get("seva_outbox_posts_total", kind="faq")
    assert 1 == figures.get("seva_outbox_posts_total", kind="ack")
    url, plain, summoned = (
        settings.price_post_url_usd, settings.price_post_usd, settings.price_summoned_reply_usd
    )  # fmt: skip
    assert pytest.approx(url + plain) == figures.get("seva_outbox_spend_usd_total", kind="faq")
    assert pytest.approx(summoned) == figures.get("seva_outbox_spend_usd_total", kind="ack")
    assert pytest.approx(url + plain + summoned) == figures.get("seva_outbox_spend_today_usd")
    assert 1 == figures.get("seva_outbox_failed_total", code="target_gone")


async def test_a_part_found_on_x_after_an_interrupted_send_counts_once(
    redis: Any, keys: Keys, settings: Settings, clock: FakeClock, scrape: Scrape
) -> None:
    """X took the post but the answer was lost: the retry finds it and counts it, once."""
    x = FakeX(fail_after=[ServerError("502 after creating")])
    poster = _poster(redis, keys, settings, x, clock)
    job = ReplyJob(job_id="faq:m4", in_reply_to="4", kind="faq", parts=["Thanks (ref M4)"])
    await enqueue(redis, keys, job)
    with pytest.raises(Defer):
        await poster.post(job)
    assert 0 == (await scrape()).get("seva_outbox_posts_total", kind="faq")
    await poster.post(job)
    assert 1 == len(x.posts)
    assert 1 == (await scrape()).get("seva_outbox_posts_total", kind="faq")


async def test_sla_warning_breach_and_ticket_depths_move_with_the_scheduler(
    redis: Any, keys: Keys, settings: Settings, clock: FakeClock, scrape: Scrape
) -> None:
    """Queue, claim and SLA sets count tickets; a tick past 75 % warns, past due breaches."""
    kb = await _kb()
    store = TicketStore(redis, keys, clock, kb, settings)
    storms = Storms(redis, keys, clock, store, settings)
    composer = ReplyComposer(kb, timezone=settings.reply_timezone, clock=clock)
    sla = Scheduler(
        redis, keys, clock, store, kb, composer, storms, timezone=settings.reply_timezone
    )
    docket = (await store.create(_post(21), "dgft", reason="complaint", reply_allowed=True, nlu={})).docket  # fmt: skip
    await store.create(_post(22), "dgft", reason="complaint", reply_allowed=True, nlu={})
    figures = await scrape()
    assert 2 == figures.get("seva_queue_tickets", dept="dgft")
    assert 2 == figures.get("seva_sla_due_tickets")
    await Workflow(redis, keys, clock, store, storms).claim(docket, "meera")
    figures = await scrape()
    assert (1, 1) == (figures.get("seva_queue_tickets", dept="dgft"), figures.get("seva_claimed_tickets"))  # fmt: skip
    clock.advance(36 * 3600 + 1)
    await sla.tick()
    figures = await scrape()
    assert 2 == figures.get("seva_sla_warnings_total", dept="dgft")
    assert 0 == figures.get("seva_sla_breaches_total", dept="dgft")
    clock.advance(12 * 3600)
    assert 2 == (await scrape()).get("seva_sla_overdue_tickets")  # due, not yet escalated
    await sla.tick()
    await sla.tick()  # a rerun of the tick changes nothing
    figures = await scrape()
    assert 2 == figures.get("seva_sla_breaches_total", dept="dgft")
    assert 1 == figures.get("seva_sla_officer_breaches_total", officer="meera")
    assert 1 == figures.get("seva_sla_officer_breaches_total", officer="unclaimed")
    assert 0 == figures.get("seva_sla_overdue_tickets")
    assert 2 == figures.get("seva_stream_entries", stream="outbox")  # one interim reply each


async def test_alarms_count_each_raise_and_show_while_raised_with_severity(
    redis: Any, keys: Keys, clock: FakeClock, scrape: Scrape
) -> None:
    """A raise counts once (a refresh does not), and the alarm shows until it is cleared."""
    await raise_alarm(redis, keys, clock, "redis_amnesia", "epoch missing")
    await raise_alarm(redis, keys, clock, "redis_amnesia", "epoch still missing")  # refresh
    await raise_alarm(redis, keys, clock, "ingest_silence", "no post for an hour")
    figures = await scrape()
    amnesia = {"alarm": "redis_amnesia", "severity": "critical"}
    silence = {"alarm": "ingest_silence", "severity": "warning"}
    assert 1 == figures.get("seva_alarms_raised_total", **amnesia)
    assert 1 == figures.get("seva_alarms_raised_total", **silence)
    assert (1, 1) == (figures.get("seva_alarm_active", **amnesia), figures.get("seva_alarm_active", **silence))  # fmt: skip
    await clear_alarm(redis, keys, "redis_amnesia")
    assert 0 == (await scrape()).get("seva_alarm_active", **amnesia)
    await raise_alarm(redis, keys, clock, "redis_amnesia", "again")
    figures = await scrape()
    assert 2 == figures.get("seva_alarms_raised_total", **amnesia)
    assert 1 == figures.get("seva_alarm_active", **amnesia)


class Idle:
    """A role that waits for the stop; ``crash`` makes its first run fail."""

    def __init__(self, name: str, *, crash: bool = False) -> None:
        self.name = name
        self._crash = crash

    async def run(self, ctx: RoleContext) -> None:
        if self._crash:
            self._crash = False
            raise RuntimeError("boom")
        await ctx.stop.wait()


async def test_role_heartbeats_show_their_age_and_whether_the_role_runs(
    settings: Settings, redis: Any, keys: Keys
) -> None:
    """Each running role's instance shows up with a fresh beat; a crashed one shows down."""
    runner = Runner(
        settings=settings, redis=connect(settings.redis_url), keys=keys, clock=SystemClock(),
        roles=[Idle("pipeline"), Idle("sla", crash=True)],
    )  # fmt: skip
    task = asyncio.create_task(runner.run())
    client = await _client(settings, redis, keys, SystemClock())
    try:
        who = settings.instance_id
        expected = {
            (("instance", who), ("role", "pipeline")): 1.0,
            (("instance", who), ("role", "sla")): 0.0,  # crashed, backing off
        }
        deadline = time.monotonic() + 10
        while True:
            figures = Figures(await (await client.get("/metrics")).text())
            ups = figures.labelled("seva_role_up")
            if ups == expected or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        assert expected == ups
        age = figures.get("seva_role_heartbeat_age_seconds", role="pipeline", instance=who)
        assert 0 <= age < settings.heartbeat_ttl_s
        runner.stop.set()
        await asyncio.wait_for(task, 15)  # a clean stop deletes the heartbeats
        figures = Figures(await (await client.get("/metrics")).text())
        assert {} == figures.labelled("seva_role_up")
    finally:
        runner.stop.set()
        await asyncio.wait_for(task, 15)
        await client.close()


async def test_with_redis_down_the_scrape_still_answers_redis_up_0(
    own_redis: RedisServer, settings: Settings, keys: Keys
) -> None:
    """Prometheus still gets an answer (and the process's own figures) while Redis is down."""
    redis = connect(own_redis.url)
    client = await _client(settings, redis, keys, SystemClock())
    try:
        assert 1 == Figures(await (await client.get("/metrics")).text()).get("seva_redis_up")
        own_redis.kill()
        started = time.monotonic()
        resp = await client.get("/metrics")
        assert 200 == resp.status
        figures = Figures(await resp.text())
        assert 0 == figures.get("seva_redis_up")
        assert "seva_posts_ingested" not in figures.families
        assert "process_cpu_seconds" in figures.families
        assert time.monotonic() - started < 10
    finally:
        await client.close()
        await redis.aclose()


def test_every_metric_follows_prometheus_naming() -> None:
    """seva_ prefix, _total on counters only, a unit where there is one, no name twice."""
    names = [m.name for m in METRICS]
    assert len(names) == len(set(names))
    for m in METRICS:
        assert m.name.startswith("seva_"), m.name
        assert m.name.endswith("_total") == (m.kind == "counter"), m.name
        assert m.help.strip(), m.name
        assert all(label.isidentifier() and not label.startswith("__") for label in m.labels)


def test_the_readme_lists_every_metric() -> None:
    """The README's "Metrics" part names every exported metric."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    part = readme.split("### Metrics", 1)[1].split("\n## ", 1)[0]
    assert [] == [m.name for m in METRICS if f"`{m.name}" not in part]


async def test_a_new_metric_is_one_entry_and_a_duplicate_is_refused(
    redis: Any, keys: Keys, clock: FakeClock
) -> None:
    """A counter hash becomes a metric by one hash_counter entry; a name twice fails at once."""
    things = hash_counter("seva_things_total", "Things done, by kind.", "things", "kind")
    metrics = Metrics(redis, keys, clock, (*METRICS, things))
    await redis.hincrby(keys.counter("things"), "small", 3)
    assert 3 == Figures((await metrics.render()).decode()).get("seva_things_total", kind="small")
    with pytest.raises(ValueError, match="seva_things"):
        Metrics(redis, keys, clock, (*METRICS, things, things))
