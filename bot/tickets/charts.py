"""The reports' charts as tables: one ``Table`` per chart, drawn, listed and downloaded alike.

The reports page draws each table as a chart in the browser, shows the same rows as an
HTML table beside it (for screen readers, and for anyone without JavaScript), and offers
them as CSV. All three come from one ``Table``, so they cannot disagree, and every total
equals the period's ``Figures`` of ``seva sla report`` (``tests/web/test_reports.py``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from bot.tickets.daily import DayFigures
from bot.tickets.report import Figures, daily_series

Cell = str | int | float | None
Kind = Literal["line", "bar", "stacked"]

# Time to first response, in hours: the buckets of the distribution chart (upper bounds).
RESPONSE_BUCKETS: tuple[tuple[float, str], ...] = (
    (1, "< 1 h"), (4, "1-4 h"), (8, "4-8 h"), (24, "8-24 h"), (48, "24-48 h"),
    (float("inf"), "> 48 h"),
)  # fmt: skip


@dataclass(frozen=True)
class Table:
    """One chart's data: its columns (the first is the x axis) and rows."""

    name: str
    title: str
    kind: Kind
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    share: bool = False  # the values are shares (0-1): drawn as percentages

    def to_json(self) -> dict[str, Any]:
        """What the chart script reads."""
        return {
            "name": self.name, "title": self.title, "kind": self.kind, "share": self.share,
            "columns": list(self.columns), "rows": [list(r) for r in self.rows],
        }  # fmt: skip

    def to_csv(self) -> str:
        """The rows as CSV, with a header line."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(["" if c is None else c for c in row] for row in self.rows)
        return out.getvalue()


def _counts(
    name: str, title: str, what: str, counts: dict[str, int], unit: str = "tickets"
) -> Table:
    rows = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return Table(name, title, "bar", (what, unit), rows)


def response_histogram(days: Sequence[DayFigures]) -> dict[str, int]:
    """How many answered tickets took each bucket's time to their first response."""
    counts = {label: 0 for _, label in RESPONSE_BUCKETS}
    for d in days:
        for seconds in d.first_response_s:
            hours = seconds / 3600
            counts[next(label for limit, label in RESPONSE_BUCKETS if hours < limit)] += 1
    return counts


def every_day(days: Sequence[DayFigures], since: str | None, today: str) -> list[DayFigures]:
    """The records from ``since`` (or the first record) to ``today``, gaps filled.

    A day without tickets gets an empty record, so a chart's days are evenly spaced.
    """
    if not days and since is None:
        return []
    have = {d.day: d for d in days}
    day = date.fromisoformat(since or days[0].day)
    out = []
    while (key := day.isoformat()) <= today:
        out.append(have.get(key) or DayFigures(day=key))
        day += timedelta(days=1)
    return out


def tables(
    days: Sequence[DayFigures],
    period: Figures,
    spend: dict[str, dict[str, float]],
    now: datetime,
) -> dict[str, Table]:
    """Every chart of the reports page over ``days``.

    ``days`` are the period's day records, one for every day of it (``every_day``).

    ``period`` is the same days' ``Figures``; ``spend`` is X's bill by UTC day
    (``bot.outbox.budget``: total dollars and posts).
    """
    series = daily_series(days, now)
    sla = Table(
        "sla", "Answered within the SLA, by day", "stacked",
        ("day", "answered in time", "answered late", "overdue", "not yet due"),
        tuple((r["day"], r["answered_in_time"], r["answered_late"], r["overdue"], r["pending"])
              for r in series),
    )  # fmt: skip
    share = Table(
        "sla_share", "Share answered within the SLA (of those due or answered)", "line",
        ("day", "within SLA"), tuple((r["day"], r["within_sla"]) for r in series), share=True,
    )  # fmt: skip
    rates = Table(
        "rates", "Response and clearance rates, by day", "line",
        ("day", "response rate", "clearance rate"),
        tuple((r["day"], r["response_rate"], r["clearance_rate"]) for r in series), share=True,
    )  # fmt: skip
    histogram = response_histogram(days)
    first = Table(
        "first_response", "Time to first response", "bar", ("hours", "tickets"),
        tuple(histogram.items()),
    )  # fmt: skip
    storms = Table(
        "storms", "Storms, by the day their posts came", "bar",
        ("day", "storms", "grouped posts"),
        tuple((d.day, d.storms, d.storm_members) for d in days),
    )  # fmt: skip
    fees = Table(
        "x_fees", "X fees, by UTC day (what X billed the desk's posts)", "bar",
        ("day", "X fees (USD)", "posts on X"),
        tuple((d.day, round(spend.get(d.day, {}).get("total", 0.0), 4),
               int(spend.get(d.day, {}).get("posts", 0)))
              for d in days),
    )  # fmt: skip
    return {
        t.name: t
        for t in (
            sla, share, rates, first,
            _counts("volume_dept", "New tickets by department", "department", period.by_dept),
            _counts("volume_topic", "New tickets by topic", "topic", period.by_topic),
            _counts("breaches_dept", "SLA breaches by department", "department",
                    period.breaches_by_dept, "breaches"),
            _counts("breaches_officer", "SLA breaches by officer", "officer",
                    period.breaches_by_officer, "breaches"),
            storms, fees,
        )
    }  # fmt: skip
