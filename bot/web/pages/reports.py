"""``/reports``: the minister's office's figures: periods, charts with their tables, CSVs.

Everything is summed from the daily records (``bot.tickets.daily``), refreshed first, so
a chart and ``seva sla report`` over the same period give the same totals. The charts are
drawn in the browser (``static/reports.js`` with the vendored Chart.js) from
``/reports/{chart}.json``; each has its rows as an HTML table beside it and as
``/reports/{chart}.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.tickets.charts import Table, every_day, tables
from bot.tickets.daily import DayFigures
from bot.tickets.report import (
    PERIODS,
    Figures,
    combine,
    current_days,
    digest,
    first_day,
    in_period,
    storm_reports,
)
from bot.web.context import CLOCK, KEYS, REDIS, SETTINGS, render

DEFAULT_PERIOD = "month"
CHOICES = (*PERIODS, "all")


@dataclass(frozen=True)
class Reading:
    """One request's figures: the periods asked for, and the chosen period's days and charts."""

    period: str
    figures: dict[str, Figures]
    days: list[DayFigures]
    charts: dict[str, Table]


def _period(request: web.Request) -> str:
    period = request.query.get("period", DEFAULT_PERIOD)
    if period not in CHOICES:
        raise web.HTTPBadRequest(text=f"period must be one of {', '.join(CHOICES)}")
    return period


async def _read(request: web.Request, period: str, *, every_period: bool = True) -> Reading:
    """The figures of every period (the pages), or of ``period`` alone.

    A chart's JSON or CSV needs only its period: it reads that period's days and sums them
    once, not five times.
    """
    redis, keys, zone = request.app[REDIS], request.app[KEYS], request.app[SETTINGS].report_zone
    now = request.app[CLOCK].now()
    since = first_day(now, period, zone)
    read = await current_days(redis, keys, zone, None if every_period else since)
    figures = {
        p: combine(in_period(read, now, p, zone), now, p)
        for p in (CHOICES if every_period else (period,))
    }
    today = now.astimezone(zone).date().isoformat()
    days = every_day(in_period(read, now, period, zone), since, today)
    spend = await _spend(request, [d.day for d in days])
    return Reading(period, figures, days, tables(days, figures[period], spend, now))


async def _spend(request: web.Request, days: list[str]) -> dict[str, dict[str, float]]:
    """X's bill for each day (``bot.outbox.budget`` keeps it by UTC day, for 90 days)."""
    if not days:
        return {}
    redis, keys = request.app[REDIS], request.app[KEYS]
    async with redis.pipeline(transaction=False) as pipe:
        for day in days:
            pipe.hgetall(keys.spend(day))
        rows = await pipe.execute()
    return {day: {k: float(v) for k, v in row.items()} for day, row in zip(days, rows, strict=True)}


async def page(request: web.Request) -> web.Response:
    """Every period's figures, the chosen period's charts with their tables, the storms."""
    reading = await _read(request, _period(request))
    storms = await storm_reports(request.app[REDIS], request.app[KEYS])
    return await render(
        request, "reports.html",
        {"reading": reading, "choices": CHOICES, "storms": storms,
         "zone": request.app[SETTINGS].report_timezone},
    )  # fmt: skip


def _table(reading: Reading, name: str) -> Table:
    table = reading.charts.get(name)
    if table is None:
        raise web.HTTPNotFound(text=f"no chart {name!r}; there are {', '.join(reading.charts)}")
    return table


async def chart_json(request: web.Request) -> web.Response:
    """One chart's rows as JSON (what ``reports.js`` draws)."""
    reading = await _read(request, _period(request), every_period=False)
    body = _table(reading, request.match_info["chart"]).to_json() | {"period": reading.period}
    return web.json_response(body, headers={"Cache-Control": "no-store"})


async def chart_csv(request: web.Request) -> web.Response:
    """One chart's rows as a CSV download."""
    period = _period(request)
    name = request.match_info["chart"]
    table = _table(await _read(request, period, every_period=False), name)
    stamp = request.app[CLOCK].now().strftime("%Y%m%d")
    return web.Response(
        text=table.to_csv(),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="seva-{name}-{period}-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )


async def digest_page(request: web.Request) -> web.Response:
    """The daily digest of ``seva sla digest``, as a page."""
    reading = await _read(request, "day")
    return await render(request, "digest.html", {"digest": digest(reading.figures).splitlines()})
