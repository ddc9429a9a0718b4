"""The one route table: every path, its handler, and the roles that may use it.

``bot.web.access`` enforces it on every request and ``tests/web/test_routes.py`` walks it
as every role and as nobody. ``roles=None`` is public; ``ok`` is the status an allowed
caller gets (a redirect for actions and for ``/``, which sends each role to its page).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from bot.users.model import Role
from bot.web.pages import (
    admin,
    dept,
    gaps,
    health,
    kb,
    live,
    ops,
    queue,
    reports,
    signin,
    start,
    static,
    ticket,
    triage,
    users,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

EVERYONE = frozenset(Role)
DESK = frozenset({Role.OFFICER, Role.HEAD, Role.ADMIN})
HEADS = frozenset({Role.HEAD, Role.ADMIN})
ADMINS = frozenset({Role.ADMIN})
REPORTERS = frozenset({Role.VIEWER, Role.HEAD, Role.ADMIN})  # the figures, read-only


@dataclass(frozen=True)
class Route:
    """One route: method, path, handler, who may use it."""

    method: str
    path: str
    handler: Handler
    roles: frozenset[Role] | None
    ok: int = 200
    session: bool = True  # False: answered without Redis (liveness, metrics, static files)


ROUTES: tuple[Route, ...] = (
    Route("GET", "/healthz", health.healthz, None, session=False),
    Route("GET", "/readyz", health.readyz, None),  # details only for a signed-in admin
    Route("GET", "/metrics", health.metrics, None, session=False),
    Route("GET", "/static/{name}", static.serve, None, session=False),
    Route("GET", "/signin", signin.form, None),
    Route("POST", "/signin", signin.submit, None, ok=303),
    Route("POST", "/signout", signin.signout, EVERYONE, ok=303),
    Route("GET", "/", start.start, EVERYONE, ok=302),
    Route("GET", "/queue", queue.page, DESK),
    Route("GET", "/queue/events", live.events, DESK),  # server-sent events, until closed
    Route("GET", "/queue/row/{docket}", queue.row, DESK),  # 403 for another department's
    Route("POST", "/queue/{docket}/claim", queue.claim, DESK, ok=303),
    Route("GET", "/ticket/{docket}", ticket.page, DESK),
    Route("POST", "/ticket/{docket}/preview", ticket.preview, DESK),
    Route("POST", "/ticket/{docket}/reply", ticket.reply, DESK, ok=303),
    Route("GET", "/ticket/{docket}/delivery", ticket.delivery_state, DESK),
    Route("POST", "/ticket/{docket}/reveal", ticket.reveal, DESK),
    *(Route("POST", f"/ticket/{{docket}}/{a}", ticket.act, DESK, ok=303) for a in ticket.ACTIONS),
    Route("GET", "/triage", triage.page, DESK),
    Route("POST", "/triage/dismiss", triage.dismiss, DESK, ok=303),
    *(
        Route("POST", f"/triage/{{post}}/{a}", triage.act, DESK, ok=303)
        for a in ("convert", "answer")
    ),
    Route("GET", "/dept", dept.page, HEADS),
    Route("POST", "/dept/{docket}/transfer", dept.transfer, HEADS, ok=303),
    Route("POST", "/dept/{docket}/reassign", dept.reassign, HEADS, ok=303),
    Route("GET", "/reports", reports.page, REPORTERS),
    Route("GET", "/reports/digest", reports.digest_page, REPORTERS),
    Route("GET", "/reports/{chart}.json", reports.chart_json, REPORTERS),
    Route("GET", "/reports/{chart}.csv", reports.chart_csv, REPORTERS),
    Route("GET", "/admin", admin.page, ADMINS),
    Route("GET", "/admin/users", users.page, ADMINS),
    Route("POST", "/admin/users", users.add, ADMINS, ok=303),
    *(
        Route("POST", f"/admin/users/{{user}}/{a}", users.act, ADMINS, ok=303)
        for a in users.ACTIONS
    ),
    Route("GET", "/admin/audit", users.audit, ADMINS),
    Route("GET", "/ops", ops.page, ADMINS),
    Route("GET", "/kb", kb.front, ADMINS),
    Route("GET", "/kb/review", kb.review, ADMINS),
    Route("GET", "/kb/new", kb.new_page, ADMINS),
    # The console's forms answer 303 once saved; with problems (the route walker's empty
    # form among them) the form comes back with the problems beside its fields.
    Route("POST", "/kb/new", kb.new_save, ADMINS),
    *(
        route
        for path in (*(f"/kb/{k}/{{item}}" for k in kb.ENTRY_KINDS), "/kb/template/{lang}/{tkind}")
        for route in (
            Route("GET", path, kb.item_page, ADMINS),
            Route("POST", path, kb.item_save, ADMINS),
            Route("GET", f"{path}/diff", kb.item_diff, ADMINS),
            Route("POST", f"{path}/rollback", kb.item_rollback, ADMINS, ok=303),
        )
    ),
    Route("POST", "/kb/faq/{item}/verify", kb.verify, ADMINS, ok=303),
    Route("POST", "/kb/publish", kb.publish_start, ADMINS, ok=303),
    Route("GET", "/kb/publish/{job}", kb.publish_page, ADMINS),
    Route("GET", "/kb/publish/{job}/events", kb.publish_events, ADMINS),  # until it ends
    Route("GET", "/gaps", gaps.page, ADMINS),
    Route("POST", "/gaps/dismiss", gaps.dismiss, ADMINS, ok=303),
    Route("POST", "/gaps/draft", gaps.draft, ADMINS, ok=303),
    Route("GET", "/gaps/draft/{draft}", gaps.draft_page, ADMINS),
    # Saved: 303 to /gaps; with problems (the route walker's empty form): the form again.
    Route("POST", "/gaps/draft/{draft}", gaps.draft_save, ADMINS),
)
