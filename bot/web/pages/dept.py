"""``/dept``: a head's departments, with the tickets escalated past the officers."""

from __future__ import annotations

from aiohttp import web

from bot.web.context import render, signed_in
from bot.web.pages.queue import departments, open_tickets


async def page(request: web.Request) -> web.Response:
    """Every open ticket of the head's departments; escalations first."""
    user = signed_in(request)
    depts = await departments(request, user)
    tickets = await open_tickets(request, depts, escalated=True)
    tickets.sort(key=lambda t: -t.level)  # stable: escalations first, each by due time
    escalations = sum(1 for t in tickets if t.level)
    context = {"depts": depts, "tickets": tickets, "escalations": escalations}
    return await render(request, "dept.html", context)
