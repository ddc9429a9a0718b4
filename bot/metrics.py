"""The desk's Prometheus metrics: figures kept in Redis, exported by the web role on a scrape.

**Why Redis, not a metrics port per process.** The roles run in several processes (and
several daemons side by side, with leases moving between them), and every one of them
already keeps its counts in Redis: ``keys.counter(name)`` hashes, the day's spend, the
streams, queues and alarms. A counter kept there survives the restart of the process that
incremented it, is incremented in the same atomic step as the work it counts (the sink's
Lua, the decision's record, the outbox's transaction, the SLA move), and is one figure for
the whole desk whichever instance did the work. So Prometheus scrapes one target, the web
role's ``/metrics``, which reads Redis at scrape time. A port per process would need every
process found and scraped, would start its counters at zero on every restart, and would
lose the increments made between the last scrape and a crash.

**How a scrape works.** prometheus_client's ``collect()`` is synchronous and Redis is read
asynchronously, so ``Metrics.render`` first gathers every figure from Redis (all metrics at
once, within a timeout), hands the snapshot to the registry's one collector, and renders it
with ``generate_latest`` with no await in between, so concurrent scrapes cannot mix. While
Redis does not answer, a scrape still succeeds with ``seva_redis_up 0`` and the web
process's own ``process_*`` and ``python_*`` figures.

**Adding a metric is one entry in ``METRICS``** (later issues add theirs there):

- a counter the code keeps in a Redis counter hash: have the code that does the work
  ``HINCRBY keys.counter("things") <label value> 1``, in the same atomic step as the work if
  it can, and add ``hash_counter("seva_things_total", "What is counted.", "things",
  "label")``;
- anything else: ``MetricSpec(name, help, "counter" | "gauge", labels, read)``, where
  ``read`` is an async function of a ``Scrape`` returning ``(label values, value)`` pairs.

A name starts with ``seva_``, a counter's ends with ``_total`` and a figure in a unit names
it (``_seconds``, ``_usd``); a test checks every entry.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any, Literal, TypeVar, cast

import structlog
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.gc_collector import GCCollector
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from redis.exceptions import ResponseError

from bot.alarms import severity_of
from bot.clock import Clock
from bot.keys import Keys
from bot.settings import Settings
from bot.store import REDIS_DOWN, Redis

log = structlog.get_logger("metrics")

T = TypeVar("T")
Kind = Literal["counter", "gauge"]
Sample = tuple[tuple[str, ...], float]  # label values (in the metric's label order), value
SCRAPE_TIMEOUT_S = 5.0  # under Prometheus's default scrape timeout (10 s)


@dataclass
class Scrape:
    """What a metric's ``read`` gets: the Redis client, the key names and the clock."""

    redis: Redis
    keys: Keys
    clock: Clock
    settings: Settings | None = None  # the limits some figures are measured against
    _shared: dict[object, asyncio.Task[Any]] = field(default_factory=dict, repr=False)

    async def shared(self, read: Callable[[Scrape], Awaitable[T]]) -> T:
        """``read(self)``, run once per scrape however many metrics ask for it."""
        if read not in self._shared:
            self._shared[read] = asyncio.ensure_future(read(self))
        return cast("T", await self._shared[read])


Reader = Callable[[Scrape], Coroutine[Any, Any, Sequence[Sample]]]


@dataclass(frozen=True)
class MetricSpec:
    """One exported metric: its name, help, type, label names and how to read it."""

    name: str
    help: str
    kind: Kind
    labels: tuple[str, ...]
    read: Reader = field(repr=False)

    def family(self, samples: Iterable[Sample] = ()) -> Metric:
        """The metric family with ``samples``, as prometheus_client renders it."""
        labels = list(self.labels)
        built: Metric
        if self.kind == "counter":
            built = CounterMetricFamily(self.name, self.help, labels=labels)
        else:
            built = GaugeMetricFamily(self.name, self.help, labels=labels)
        for values, value in samples:
            built.add_metric(list(values), value)
        return built


def hash_counter(name: str, help_: str, counter: str, label: str) -> MetricSpec:
    """A counter kept in the hash ``keys.counter(counter)``: one sample per field."""

    async def read(s: Scrape) -> list[Sample]:
        counts = await s.redis.hgetall(s.keys.counter(counter))
        return [((str(k),), float(v)) for k, v in sorted(counts.items())]

    return MetricSpec(name, help_, "counter", (label,), read)


def summed_counter(name: str, help_: str, counter: str) -> MetricSpec:
    """A counter kept in ``keys.counter(counter)`` split by time (e.g. hour): their sum."""

    async def read(s: Scrape) -> list[Sample]:
        counts = await s.redis.hvals(s.keys.counter(counter))
        return [((), float(sum(float(v) for v in counts)))]

    return MetricSpec(name, help_, "counter", (), read)


def zset_size(name: str, help_: str, key: Callable[[Keys], str]) -> MetricSpec:
    """A gauge: how many members the sorted set ``key(keys)`` holds."""

    async def read(s: Scrape) -> list[Sample]:
        return [((), float(await s.redis.zcard(key(s.keys))))]

    return MetricSpec(name, help_, "gauge", (), read)


def _scanned(keys: Keys) -> list[str]:
    return [keys.queue("*"), keys.alarm_pattern(), keys.heartbeat_pattern()]


async def _scan_once(s: Scrape) -> list[str]:
    """One SCAN per scrape for every pattern in ``_scanned`` (it walks the whole keyspace)."""
    # The patterns differ after the prefix: "P:queue:*", "P:alarm:*", "P:hb:*" -> "P:[qah]*".
    head = f"{s.keys.prefix}:"
    firsts = "".join(sorted({p.removeprefix(head)[0] for p in _scanned(s.keys)}))
    found = [str(k) async for k in s.redis.scan_iter(match=f"{head}[{firsts}]*", count=1000)]
    return sorted(k for k in found if any(fnmatchcase(k, p) for p in _scanned(s.keys)))


async def _scan(s: Scrape, pattern: str) -> list[str]:
    return [k for k in await s.shared(_scan_once) if fnmatchcase(k, pattern)]


def _streams(keys: Keys) -> list[str]:
    return [keys.inbox, *keys.outbox_lanes(), keys.deadletter]


def _stream_name(keys: Keys, key: str) -> str:
    return key.removeprefix(f"{keys.prefix}:")  # "inbox", "outbox:low": the same on any prefix


async def _stream_entries(s: Scrape) -> list[Sample]:
    return [((_stream_name(s.keys, k),), float(await s.redis.xlen(k))) for k in _streams(s.keys)]


async def _groups(s: Scrape) -> list[tuple[str, dict[str, object]]]:
    found: list[tuple[str, dict[str, object]]] = []
    for key in _streams(s.keys):
        try:
            groups = await s.redis.xinfo_groups(key)
        except ResponseError:  # no such stream yet
            continue
        found += [(_stream_name(s.keys, key), g) for g in groups]
    return found


def _group_field(name: str) -> Reader:
    async def read(s: Scrape) -> list[Sample]:
        return [
            ((stream, str(g["name"])), float(str(g[name])))
            for stream, g in await s.shared(_groups)
            if g.get(name) is not None  # "lag" is Redis 7's, and unknown after some trims
        ]

    return read


async def _queues(s: Scrape) -> list[Sample]:
    prefix = s.keys.queue("")
    found = await _scan(s, s.keys.queue("*"))
    return [((k.removeprefix(prefix),), float(await s.redis.zcard(k))) for k in found]


async def _overdue(s: Scrape) -> list[Sample]:
    return [((), float(await s.redis.zcount(s.keys.sla_due, "-inf", s.clock.time())))]


async def _spend_today(s: Scrape) -> list[Sample]:
    day = s.keys.spend(s.clock.now().strftime("%Y-%m-%d"))  # the outbox budget's UTC day
    return [((), float(await s.redis.hget(day, "total") or 0.0))]


async def _alarms_raised(s: Scrape) -> list[Sample]:
    counts = await s.redis.hgetall(s.keys.counter("alarms"))
    return [((str(n), severity_of(str(n)).value), float(v)) for n, v in sorted(counts.items())]


async def _alarms_active(s: Scrape) -> list[Sample]:
    prefix = s.keys.alarm("")
    names = [k.removeprefix(prefix) for k in await _scan(s, s.keys.alarm_pattern())]
    return [((n, severity_of(n).value), 1.0) for n in names]


async def _beats(s: Scrape) -> list[dict[str, object]]:
    found = await _scan(s, s.keys.heartbeat_pattern())
    bodies = await s.redis.mget(found) if found else []
    beats: list[dict[str, object]] = []
    for raw in bodies:
        try:
            beat = json.loads(raw) if raw else None
        except ValueError:
            beat = None
        if isinstance(beat, dict) and "role" in beat:
            beats.append(beat)
    return beats


def _who(beat: dict[str, object]) -> tuple[str, str]:
    return str(beat["role"]), str(beat.get("instance", ""))


async def _beat_age(s: Scrape) -> list[Sample]:
    now = s.clock.time()
    return [
        (_who(b), max(0.0, now - float(str(b["ts"])))) for b in await s.shared(_beats) if "ts" in b
    ]


async def _role_up(s: Scrape) -> list[Sample]:
    return [(_who(b), 1.0 if b.get("up", True) else 0.0) for b in await s.shared(_beats)]


async def _ingest_lag(s: Scrape) -> list[Sample]:
    """How long the newest post in the inbox took from X to the desk.

    Its entry id's time minus the post's own time; no sample until a post has come in.
    """
    rows: Any = await s.redis.xrevrange(s.keys.inbox, count=1)
    if not rows:
        return []
    entry_id, fields = rows[0]
    try:
        posted = datetime.fromisoformat(json.loads(fields["post"])["created_at"]).timestamp()
    except (KeyError, ValueError, TypeError):
        return []
    arrived = int(str(entry_id).split("-", 1)[0]) / 1000
    return [((), max(0.0, arrived - posted))]


async def _outbox_waiting(s: Scrape) -> float:
    """Reply jobs queued and not yet posted: every outbox lane's unread plus unacknowledged."""
    lanes = {_stream_name(s.keys, k) for k in s.keys.outbox_lanes()}
    return float(sum(
        int(str(g.get("lag") or 0)) + int(str(g.get("pending") or 0))
        for stream, g in await s.shared(_groups) if stream in lanes
    ))  # fmt: skip


async def _drain(s: Scrape) -> list[Sample]:
    if s.settings is None:
        return []
    rate = min(limit / seconds for seconds, limit, _ in s.settings.post_windows)  # posts/s
    return [((), await _outbox_waiting(s) / rate)]


async def _window_left(s: Scrape) -> list[Sample]:
    if s.settings is None:
        return []
    now = s.clock.time()
    out: list[Sample] = []
    for seconds, limit, name in s.settings.post_windows:
        used = await s.redis.zcount(s.keys.outbox_posted, now - seconds, "+inf")
        out.append(((name,), float(max(0, limit - used))))
    return out


async def _budget(s: Scrape) -> list[Sample]:
    return [] if s.settings is None else [((), s.settings.outbox_daily_budget_usd)]


# Every metric the desk exports, in the order /metrics lists them. Add new ones here.
METRICS: tuple[MetricSpec, ...] = (
    # ingest
    MetricSpec(
        "seva_ingest_lag_seconds",
        "How long the newest post in the inbox took from X to the desk.",
        "gauge",
        (),
        _ingest_lag,
    ),
    hash_counter(
        "seva_posts_ingested_total",
        "Posts added to the inbox, by ingest source.",
        "ingested",
        "source",
    ),
    hash_counter(
        "seva_posts_skipped_total",
        "Posts ingest did not take, by reason.",
        "ingest_skipped",
        "reason",
    ),
    summed_counter(
        "seva_ingest_reads_total", "Posts read from X by polling (billed reads).", "ingest_reads"
    ),
    # the pipeline
    hash_counter(
        "seva_decisions_total", "Posts decided by the pipeline, by action.", "decisions", "action"
    ),
    hash_counter(
        "seva_posts_ignored_total", "Posts decided 'ignore', by reason.", "ignored", "reason"
    ),
    hash_counter(
        "seva_faq_answers_withheld_total",
        "FAQ answers withheld for an officer (unverified figures), by FAQ entry.",
        "faq_withheld",
        "faq",
    ),
    # the outbox
    hash_counter(
        "seva_outbox_posts_total",
        "Posts the desk made on X (each part of a thread), by reply kind.",
        "outbox_posts",
        "kind",
    ),
    hash_counter(
        "seva_outbox_spend_usd_total",
        "Dollars recorded for the desk's posts (as the daily budget has them), by reply kind.",
        "outbox_spend_usd",
        "kind",
    ),
    MetricSpec(
        "seva_outbox_budget_usd",
        "The daily spending cap on posts (SEVA_OUTBOX_DAILY_BUDGET_USD).",
        "gauge",
        (),
        _budget,
    ),
    MetricSpec(
        "seva_outbox_window_remaining_posts",
        "Posts left in each of X's post-limit windows, as the outbox counts them.",
        "gauge",
        ("window",),
        _window_left,
    ),
    MetricSpec(
        "seva_outbox_drain_seconds",
        "Estimated seconds to post every queued reply job at X's tightest post limit "
        "(one post per job: a lower bound for threads).",
        "gauge",
        (),
        _drain,
    ),
    MetricSpec(
        "seva_outbox_spend_today_usd",
        "Dollars spent on posts today (UTC), against the daily budget.",
        "gauge",
        (),
        _spend_today,
    ),
    hash_counter(
        "seva_outbox_failed_total",
        "Reply jobs that failed for good, by code.",
        "outbox_failed",
        "code",
    ),
    hash_counter(
        "seva_outbox_blocked_total",
        "Replies X refused that went to an officer, by reason.",
        "outbox_blocked",
        "reason",
    ),
    # the SLA
    hash_counter(
        "seva_sla_warnings_total",
        "SLA warnings given (at each share of a period, SLA_WARNINGS), by department.",
        "sla_warnings",
        "dept",
    ),
    hash_counter(
        "seva_sla_breaches_total",
        "SLA breaches (each escalation), by department.",
        "sla_breaches",
        "dept",
    ),
    hash_counter(
        "seva_sla_officer_breaches_total",
        "SLA breaches by the officer holding the ticket ('unclaimed' if none).",
        "sla_breaches_by_officer",
        "officer",
    ),
    # queue depths
    MetricSpec(
        "seva_stream_entries",
        "Entries kept in a stream (XLEN; streams are not trimmed on acknowledgement).",
        "gauge",
        ("stream",),
        _stream_entries,
    ),
    MetricSpec(
        "seva_stream_lag_entries",
        "Entries of a stream its consumer group has not read yet.",
        "gauge",
        ("stream", "group"),
        _group_field("lag"),
    ),
    MetricSpec(
        "seva_stream_pending_entries",
        "Entries read by a consumer group but not acknowledged.",
        "gauge",
        ("stream", "group"),
        _group_field("pending"),
    ),
    MetricSpec(
        "seva_queue_tickets", "Open tickets in a department's queue.", "gauge", ("dept",), _queues
    ),
    zset_size("seva_claimed_tickets", "Tickets claimed by an officer.", lambda k: k.claims),
    zset_size("seva_sla_due_tickets", "Open tickets with an SLA due time.", lambda k: k.sla_due),
    MetricSpec(
        "seva_sla_overdue_tickets",
        "Tickets past their due time the SLA leader has not escalated yet.",
        "gauge",
        (),
        _overdue,
    ),
    # alarms and roles
    MetricSpec(
        "seva_alarms_raised_total",
        "Alarms raised (a refresh of a raised alarm is not counted), by name.",
        "counter",
        ("alarm", "severity"),
        _alarms_raised,
    ),
    MetricSpec(
        "seva_alarm_active",
        "1 for each alarm raised now.",
        "gauge",
        ("alarm", "severity"),
        _alarms_active,
    ),
    MetricSpec(
        "seva_role_heartbeat_age_seconds",
        "Seconds since a role's instance last beat (a stopped one's heartbeat expires).",
        "gauge",
        ("role", "instance"),
        _beat_age,
    ),
    MetricSpec(
        "seva_role_up",
        "Whether a role's instance runs (0: it crashed and is restarting).",
        "gauge",
        ("role", "instance"),
        _role_up,
    ),
)

_REDIS_UP = "seva_redis_up"


def _redis_up(value: float) -> Metric:
    return GaugeMetricFamily(
        _REDIS_UP, "Whether the web role could read Redis for this scrape.", value
    )


class _Snapshot(Collector):
    """The registry's collector: yields the figures the last gather read from Redis."""

    def __init__(self, specs: Sequence[MetricSpec]) -> None:
        self._specs = specs
        self.families: list[Metric] = []

    def describe(self) -> Iterable[Metric]:
        """Every metric's name, so the registry refuses a duplicate when it is built."""
        return [_redis_up(0), *(s.family() for s in self._specs)]

    def collect(self) -> Iterable[Metric]:
        """The snapshot (prometheus_client's collect is sync; the reading happened before)."""
        return list(self.families)


class Metrics:
    """The one metric registry: the desk's figures from Redis, and this process's own."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        clock: Clock,
        specs: Sequence[MetricSpec] = METRICS,
        *,
        timeout_s: float = SCRAPE_TIMEOUT_S,
        settings: Settings | None = None,
    ) -> None:
        self._redis, self._keys, self._clock = redis, keys, clock
        self._settings = settings
        self._specs = tuple(specs)
        names = [s.name for s in self._specs]
        if twice := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"metrics named twice: {', '.join(twice)}")
        self._timeout_s = timeout_s
        self._snapshot = _Snapshot(self._specs)
        self.registry = CollectorRegistry()
        self.registry.register(self._snapshot)
        # What the default registry gave before: the web process's CPU, memory, GC, version.
        ProcessCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)

    async def gather(self) -> list[Metric]:
        """Read every metric from Redis; only ``seva_redis_up 0`` while Redis does not answer."""
        scrape = Scrape(self._redis, self._keys, self._clock, self._settings)  # own shared reads
        down: BaseException | None = None
        try:  # a TaskGroup: one read failing stops the others
            async with asyncio.timeout(self._timeout_s), asyncio.TaskGroup() as group:
                reads = [group.create_task(s.read(scrape)) for s in self._specs]
        except* (*REDIS_DOWN, TimeoutError) as failed:
            down = failed.exceptions[0]
        if down is not None:
            log.warning("metrics: redis unreadable", error=str(down) or type(down).__name__)
            return [_redis_up(0)]
        return [
            _redis_up(1),
            *(s.family(r.result()) for s, r in zip(self._specs, reads, strict=True)),
        ]

    async def render(self) -> bytes:
        """The text exposition of every metric, read from Redis now."""
        families = await self.gather()
        self._snapshot.families = families  # no await from here to the rendering
        return generate_latest(self.registry)
