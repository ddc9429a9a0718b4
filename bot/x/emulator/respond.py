"""Small helpers that build X-looking responses."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.x.emulator.text import scrub

JSON_TYPE = "application/json"

# What the gate leaves on the request for handlers and for streaming responses.
RATE_HEADERS = web.RequestKey("emulator.rate_headers", dict[str, str])
POSTS_READ = web.RequestKey("emulator.posts_read", int)


def dumps(body: Any) -> str:
    """Serialise compactly, keeping non-ASCII text as X does.

    A lone surrogate (which X never stores, and the emulator now refuses) becomes U+FFFD
    rather than an encoding error, so no one stored oddity can break a reader.
    """
    return scrub(json.dumps(body, ensure_ascii=False, separators=(",", ":")))


def json_response(body: Any, status: int = 200) -> web.Response:
    """Return a JSON response (X answers even its errors as ``application/json``)."""
    return web.Response(text=dumps(body), status=status, content_type=JSON_TYPE, charset="utf-8")


def count_read(request: web.Request, posts: int) -> None:
    """Tell the gate how many posts this read returned (for the monthly cap)."""
    request[POSTS_READ] = request.get(POSTS_READ, 0) + posts


def rate_headers(request: web.Request) -> dict[str, str]:
    """Return the ``x-rate-limit-*`` headers the gate computed for this request."""
    headers: dict[str, str] | None = request.get(RATE_HEADERS)
    return headers or {}
