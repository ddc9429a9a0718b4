"""Who may do what: one middleware enforces the route table (``bot.web.routes.ROUTES``).

For every request to a route in the table it:

1. loads the session and its user, ending the session if it has been idle longer than
   ``SEVA_WEB_IDLE_TIMEOUT_S``, is older than ``SEVA_WEB_ABSOLUTE_TIMEOUT_S``, or its user
   is gone, disabled or changed since sign-in (the user's generation moved);
2. on a POST, checks the Origin and the CSRF token (403 if either fails);
3. checks the route's roles: nobody signed in is sent to the sign-in page (GET) or refused
   (POST); a signed-in user without the role gets 403.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp_session import Session, get_session

from bot.users.model import Role, User
from bot.web import csrf
from bot.web.context import CLOCK, SETTINGS, USER, USERS, notify, render
from bot.web.routes import Handler, Route
from bot.web.sessions import S, rotate

ROUTE_TABLE = web.AppKey("route_table", dict[tuple[str, str], Route])
SIGNIN_PATH = "/signin"


def route_of(request: web.Request) -> Route | None:
    """The table's entry for this request, if it matched one."""
    resource = request.match_info.route.resource
    if resource is None:
        return None
    return request.app[ROUTE_TABLE].get((request.method, resource.canonical))


async def _load_user(request: web.Request, session: Session) -> User | None:
    name = session.get(S.name)
    if not isinstance(name, str):
        return None
    settings = request.app[SETTINGS]
    now = request.app[CLOCK].time()
    user = await request.app[USERS].get(name)
    why = ""
    if now - float(session.get(S.seen_at, 0)) > settings.web_idle_timeout_s:
        why = "Your session was idle too long; please sign in again."
    elif now - float(session.get(S.signed_in_at, 0)) > settings.web_absolute_timeout_s:
        why = "Your session has reached its time limit; please sign in again."
    elif user is None or user.disabled or user.generation != session.get(S.generation):
        why = "Your session has ended; please sign in again."
    if why:
        await rotate(request, session)  # the ended session's data is deleted
        await notify(request, why)
        return None
    session[S.seen_at] = now
    return user


async def _forged(request: web.Request, session: Session) -> str:
    """Why a state-changing request is refused as possibly forged ("" if it is not)."""
    if not csrf.origin_ok(request, request.app[SETTINGS].web_origins):
        return "This request did not come from the desk."
    if not await csrf.token_ok(request, session):
        return "The form had expired; reload the page and retry."
    return ""


async def _forbidden(request: web.Request, why: str) -> web.Response:
    return await render(request, "forbidden.html", {"why": why}, status=403)


@web.middleware
async def access_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Enforce the route table (see the module docstring)."""
    route = route_of(request)
    if route is None or not route.session:
        return await handler(request)
    user = await _load_user(request, await get_session(request))
    if user is not None:
        request[USER] = user
    session = await get_session(request)  # a new one if the old one just ended
    if request.method not in csrf.SAFE_METHODS and (why := await _forged(request, session)):
        return await _forbidden(request, why)
    if route.roles is None:
        return await handler(request)
    if user is None:
        if _background(request):
            # The live queue's EventSource or an htmx fragment: a redirect would be followed
            # to the sign-in page, which would take the "session has ended" notice meant for
            # the page the user opens next. 401 ends the stream (EventSource does not retry).
            raise web.HTTPUnauthorized(text="Please sign in.")
        if request.method in csrf.SAFE_METHODS:
            raise web.HTTPFound(SIGNIN_PATH)
        return await _forbidden(request, "Please sign in.")
    if user.role not in route.roles:
        return await _forbidden(request, "Your role does not include this page.")
    return await handler(request)


def _background(request: web.Request) -> bool:
    """Whether the browser asked without a navigation.

    Server-sent events, htmx, and the live queue's row fetch (it sends ``X-Seva-Background``).
    """
    accept = request.headers.get("Accept", "")
    return (
        "text/event-stream" in accept
        or request.headers.get("HX-Request") == "true"
        or request.headers.get("X-Seva-Background") == "1"
    )


def allowed(route: Route, role: Role | None) -> bool:
    """Whether ``role`` (``None``: nobody signed in) may use ``route``."""
    return route.roles is None or (role is not None and role in route.roles)
