"""``/``: send each role to its own start page."""

from __future__ import annotations

from aiohttp import web

from bot.users.model import Role
from bot.web.context import signed_in

START_PAGE: dict[Role, str] = {
    Role.OFFICER: "/queue",  # their departments' open tickets
    Role.HEAD: "/dept",  # their departments, escalations included
    Role.ADMIN: "/admin",  # users and the audit log
    Role.VIEWER: "/reports",  # figures, read-only
}


async def start(request: web.Request) -> web.StreamResponse:
    """Redirect to the signed-in user's start page."""
    raise web.HTTPFound(START_PAGE[signed_in(request).role])
