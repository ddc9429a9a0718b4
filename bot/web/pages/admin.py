"""``/admin``: the admin's start page: the users and the latest audit entries."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from bot.web.context import AUDIT, USERS, render

AUDIT_SHOWN = 30


async def page(request: web.Request) -> web.Response:
    """Every user (no secrets) and the newest audit entries."""
    users = await request.app[USERS].all()
    entries = await request.app[AUDIT].recent(AUDIT_SHOWN)
    when = {e.id: datetime.fromtimestamp(e.at, UTC).strftime("%Y-%m-%d %H:%M:%S") for e in entries}
    return await render(request, "admin.html", {"users": users, "entries": entries, "when": when})
