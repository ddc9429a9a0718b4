"""``/reports``: the SLA figures of ``seva sla report``, read-only (the viewer's page)."""

from __future__ import annotations

from aiohttp import web

from bot.tickets.report import report, storm_reports
from bot.web.context import CLOCK, KEYS, REDIS, render


async def page(request: web.Request) -> web.Response:
    """Figures for the last day, week, month and all time, and the storms."""
    redis, keys = request.app[REDIS], request.app[KEYS]
    figures = await report(redis, keys, request.app[CLOCK])
    storms = await storm_reports(redis, keys)
    return await render(request, "reports.html", {"figures": figures, "storms": storms})
