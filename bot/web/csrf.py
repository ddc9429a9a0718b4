"""Cross-site request forgery: a synchronizer token and an Origin check, for every POST.

The token is 256 random bits kept in the session. Every form carries it as ``_csrf``
and htmx sends it as the ``X-CSRF-Token`` header (``base.html`` sets ``hx-headers``).
A state-changing request must also come from an allowed origin: its ``Origin`` (or,
where a browser sends none, its ``Referer``) must be the desk's own origin or one of
``SEVA_WEB_ORIGINS``. Either check failing answers 403.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp_session import Session

FIELD = "_csrf"
HEADER = "X-CSRF-Token"
SESSION_KEY = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def token(session: Session) -> str:
    """The session's token, created on first use."""
    value = session.get(SESSION_KEY)
    if not isinstance(value, str) or not value:
        value = secrets.token_urlsafe(32)
        session[SESSION_KEY] = value
    return value


def matches(expected: object, submitted: object) -> bool:
    """Whether ``submitted`` is the session's token (constant time; both must be set)."""
    if not isinstance(expected, str) or not isinstance(submitted, str):
        return False
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


async def token_ok(request: web.Request, session: Session) -> bool:
    """Whether the request carries the session's token (header, or form field)."""
    submitted: object = request.headers.get(HEADER)
    if submitted is None and request.content_type in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }:
        submitted = (await request.post()).get(FIELD)
    return matches(session.get(SESSION_KEY), submitted)


def request_origin(request: web.Request) -> str | None:
    """The origin the request says it came from: ``Origin``, else ``Referer``'s origin."""
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return origin.rstrip("/").lower()
    referer = request.headers.get("Referer")
    if referer:
        parts = urlsplit(referer)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}".lower()
    return None


def origin_ok(request: web.Request, allowed: list[str]) -> bool:
    """Whether the request comes from an allowed origin (the desk's own when none are set)."""
    origin = request_origin(request)
    if origin is None:
        return False
    own = [f"{request.scheme}://{request.host}".lower()]
    permitted = {o.rstrip("/").lower() for o in allowed} if allowed else set(own)
    return origin in permitted
