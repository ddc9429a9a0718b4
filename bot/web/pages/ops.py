"""``/ops``: the engineer on call's page: every figure is a Prometheus metric of the registry.

The page gathers the registry once (``Metrics.gather``, the same read as a ``/metrics``
scrape) and lays the samples out by what they answer at 3 a.m.: are the roles up, is
intake flowing, how deep are the queues and how long will the outbox take, what is left of
X's limits and of today's budget, which alarms are raised. ``docs/grafana/seva-ops.json``
draws the same metrics over time. An alarm's detail text (not a figure) comes with it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.web.context import KEYS, METRICS, REDIS, render


@dataclass(frozen=True)
class Figure:
    """One sample: its metric, its labels and its value."""

    metric: str
    labels: dict[str, str]
    value: float


@dataclass
class Board:
    """The gathered samples by metric name (counters by their ``_total`` sample name)."""

    samples: dict[str, list[Figure]] = field(default_factory=lambda: defaultdict(list))

    def all(self, metric: str) -> list[Figure]:
        """Every sample of ``metric``."""
        return self.samples.get(metric, [])

    def one(self, metric: str) -> float | None:
        """The value of an unlabelled metric (None when it has no sample)."""
        found = self.all(metric)
        return found[0].value if found else None

    def total(self, metric: str) -> float:
        """The sum over a labelled metric's samples."""
        return sum(f.value for f in self.all(metric))


async def _board(request: web.Request) -> Board:
    board = Board()
    for family in await request.app[METRICS].gather():
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue  # prometheus_client's creation-time series of a counter
            board.samples[sample.name].append(
                Figure(sample.name, dict(sample.labels), sample.value)
            )
    return board


async def _alarm_details(request: web.Request, names: list[str]) -> dict[str, dict[str, Any]]:
    """Each raised alarm's stored detail and start time."""
    if not names:
        return {}
    keys = request.app[KEYS]
    bodies = await request.app[REDIS].mget([keys.alarm(n) for n in names])
    out: dict[str, dict[str, Any]] = {}
    for name, raw in zip(names, bodies, strict=True):
        try:
            out[name] = json.loads(raw) if raw else {}
        except ValueError:
            out[name] = {"detail": str(raw)}
    return out


def _depths(board: Board) -> list[tuple[str, float, float]]:
    """(stream, unread, read but unacknowledged) for each stream's consumer group."""
    pending = {
        (f.labels["stream"], f.labels["group"]): f.value
        for f in board.all("seva_stream_pending_entries")
    }
    rows = []
    for f in board.all("seva_stream_lag_entries"):
        key = (f.labels["stream"], f.labels["group"])
        rows.append((f"{key[0]} ({key[1]})", f.value, pending.get(key, 0.0)))
    return sorted(rows)


async def page(request: web.Request) -> web.Response:
    """The desk's health now, from the metric registry."""
    board = await _board(request)
    alarms = sorted(
        board.all("seva_alarm_active"),
        key=lambda f: (f.labels["severity"] != "critical", f.labels["alarm"]),
    )
    details = await _alarm_details(request, [f.labels["alarm"] for f in alarms])
    context = {
        "board": board,
        "redis_up": board.one("seva_redis_up") == 1,
        "roles": sorted(
            board.all("seva_role_up"), key=lambda f: (f.labels["role"], f.labels["instance"])
        ),
        "ages": {
            (f.labels["role"], f.labels["instance"]): f.value
            for f in board.all("seva_role_heartbeat_age_seconds")
        },
        "skipped": sorted(board.all("seva_posts_skipped_total"), key=lambda f: -f.value),
        "depths": _depths(board),
        "queues": sorted(board.all("seva_queue_tickets"), key=lambda f: f.labels["dept"]),
        "windows": board.all("seva_outbox_window_remaining_posts"),
        "alarms": alarms,
        "details": details,
    }
    return await render(request, "ops.html", context)
