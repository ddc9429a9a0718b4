"""Security headers on every response, error pages and static files included.

Set in ``on_response_prepare``, so nothing (a 404, a 503, a redirect) leaves without them.
The CSP allows scripts and styles only from the desk itself: no inline script, no CDN.
"""

from __future__ import annotations

from aiohttp import web

_DIRECTIVES = (
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
)
CSP = "; ".join(_DIRECTIVES)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


async def add_security_headers(_request: web.Request, response: web.StreamResponse) -> None:
    """Put every header on ``response``; pages are never cached."""
    response.headers.update(HEADERS)
    if response.content_type == "text/html":
        response.headers["Cache-Control"] = "no-store"
