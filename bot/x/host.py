"""Point tweepy at another X host (``api.x.com``, the emulator) without patching tweepy.

tweepy 4.17 builds every REST URL as ``"https://api.twitter.com" + route``. Rather than
monkey-patching it, the adapter hands ``AsyncClient`` an aiohttp session whose request class
rewrites that origin to the configured base URL before the request is built, so the Host
header, TLS and the connection pool all follow the new host.

OAuth 1.0a cannot survive this: tweepy signs the ``api.twitter.com`` URL, and a signature over
one URL is invalid for another. The adapter therefore only uses OAuth 2.0 bearer tokens (the
app bearer and the user-context access token), which do not depend on the URL.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import ClientRequest
from yarl import URL

TWEEPY_ORIGIN = URL("https://api.twitter.com")


def rewrite(url: URL, base: URL) -> URL:
    """Move ``url`` from tweepy's hard-coded origin to ``base``; leave other URLs alone."""
    if url.origin() != TWEEPY_ORIGIN:
        return url
    # A base with a path (a reverse proxy at https://host/x) keeps that path as a prefix.
    prefix = base.path.rstrip("/")
    moved = base.with_path(prefix + url.path, encoded=False)
    return moved.with_query(url.query) if url.query_string else moved


def request_class_for(base_url: str) -> type[ClientRequest]:
    """Return an aiohttp request class that sends tweepy's requests to ``base_url``."""
    base = URL(base_url)

    class _RewritingRequest(ClientRequest):
        """A ``ClientRequest`` whose URL is moved to the configured host before it is built."""

        def __init__(self, method: str, url: URL, *args: Any, **kwargs: Any) -> None:
            super().__init__(method, rewrite(url, base), *args, **kwargs)

    return _RewritingRequest


def session_for(base_url: str, *, total_timeout_s: float) -> aiohttp.ClientSession:
    """Build the aiohttp session the REST client uses for ``base_url``."""
    return aiohttp.ClientSession(
        request_class=request_class_for(base_url),
        timeout=aiohttp.ClientTimeout(total=total_timeout_s),
    )


def stream_url(base_url: str, endpoint: str) -> str:
    """Return the filtered/sample stream URL on ``base_url`` (tweepy hard-codes the host)."""
    return f"{base_url.rstrip('/')}/2/tweets/{endpoint}/stream"
