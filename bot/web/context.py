"""What every handler reaches through the application: typed keys and small helpers.

``render`` gives every template the signed-in user, the CSRF token and a one-time notice.
"""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import Session, get_session

from bot.audit import AuditLog
from bot.clock import Clock
from bot.keys import Keys
from bot.metrics import Metrics
from bot.nlu.publish_job import PublishJobs
from bot.settings import Settings
from bot.store import Redis
from bot.tickets.store import TicketStore
from bot.tickets.workflow import Workflow
from bot.users.model import User
from bot.users.signin import SignIn
from bot.users.store import UserStore
from bot.web import csrf

SETTINGS = web.AppKey("settings", Settings)
REDIS = web.AppKey("redis", Redis)
KEYS = web.AppKey("keys", Keys)
CLOCK = web.AppKey("clock", Clock)
USERS = web.AppKey("users", UserStore)
SIGNIN = web.AppKey("signin", SignIn)
AUDIT = web.AppKey("audit", AuditLog)
TICKETS = web.AppKey("tickets", TicketStore)
WORKFLOW = web.AppKey("workflow", Workflow)
METRICS = web.AppKey("metrics", Metrics)
PUBLISH = web.AppKey("publish", PublishJobs)  # the console's publishes, one at a time

USER = web.RequestKey("user", User)  # the signed-in User (absent: nobody)
NOTICE = "notice"  # session key: a message shown once on the next page


def current_user(request: web.Request) -> User | None:
    """The signed-in user (set by the access middleware), or ``None``."""
    return request.get(USER)


def signed_in(request: web.Request) -> User:
    """The signed-in user; the route table guarantees there is one."""
    user = current_user(request)
    if user is None:
        raise web.HTTPForbidden
    return user


async def notify(request: web.Request, message: str) -> None:
    """Show ``message`` once, on the next page this session renders."""
    session = await get_session(request)
    session[NOTICE] = message


async def render(
    request: web.Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> web.Response:
    """Render a page with the user, the CSRF token and any pending notice."""
    session: Session | None = None
    try:
        session = await get_session(request)
    except RuntimeError:  # no session middleware reached this request (a fault page)
        session = None
    base: dict[str, Any] = {"user": current_user(request), "csrf": "", "notice": ""}
    if session is not None:
        base["csrf"] = csrf.token(session)
        # A fragment ("_row.html", fetched by htmx or the live queue) leaves the notice for
        # the page it lands in: taking it there would race the redirect that should show it.
        if not template.startswith("_"):
            base["notice"] = session.pop(NOTICE, "")
    return aiohttp_jinja2.render_template(template, request, base | (context or {}), status=status)
