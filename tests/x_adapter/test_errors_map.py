"""map_error turns every answer and failure X can produce into one bot.errors class."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
import tweepy
from tweepy.asynchronous import AsyncClient

from bot.errors import (
    CreditsDepletedError,
    DuplicateContentError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    ReplyNotAllowedError,
    ServerError,
    TooManyConnectionsError,
    TransientNetworkError,
    UnauthorizedError,
    UsageCappedError,
    XError,
)
from bot.x import host
from bot.x.errors_map import map_error
from tests.x_adapter.fake_x import Canned, running_fake

RESET = 1_790_000_900
DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
REPLY_REFUSED = {
    "detail": (
        "Reply to this conversation is not allowed because you have not been mentioned or "
        "otherwise engaged by the author of the post you are replying to."
    ),
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
TOO_MANY_CONNECTIONS = {
    "title": "ConnectionException",
    "detail": "This stream is currently at the maximum allowed connection limit.",
    "connection_issue": "TooManyConnections",
    "type": "https://api.twitter.com/2/problems/streaming-connection",
}
HTML_503 = "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"


def capped(host_name: str) -> dict[str, Any]:
    """A usage-capped problem as X sends it, on either host."""
    return {
        "title": "UsageCapExceeded",
        "detail": "Usage cap exceeded: Monthly product cap",
        "type": f"https://{host_name}/2/problems/usage-capped",
        "period": "Monthly",
        "scope": "Product",
    }


TABLE: list[tuple[str, int, dict[str, str], Any, type[XError]]] = [
    (
        "rate limit",
        429,
        {"x-rate-limit-reset": str(RESET)},
        {"title": "Too Many Requests", "type": "about:blank"},
        RateLimitedError,
    ),
    ("usage cap, twitter host", 429, {}, capped("api.twitter.com"), UsageCappedError),
    ("usage cap, x host", 429, {}, capped("api.x.com"), UsageCappedError),
    ("usage cap inside errors", 429, {}, {"errors": [capped("api.x.com")]}, UsageCappedError),
    ("second stream", 429, {}, TOO_MANY_CONNECTIONS, TooManyConnectionsError),
    ("duplicate", 403, {}, DUPLICATE, DuplicateContentError),
    ("reply restriction", 403, {}, REPLY_REFUSED, ReplyNotAllowedError),
    (
        "other 403",
        403,
        {},
        {"title": "Forbidden", "detail": "nope", "type": "about:blank"},
        ForbiddenError,
    ),
    (
        "app not enrolled",
        403,
        {},
        {
            "title": "Client Forbidden",
            "type": "https://api.twitter.com/2/problems/client-forbidden",
            "reason": "client-not-enrolled",
        },
        UnauthorizedError,
    ),
    (
        "credits",
        402,
        {},
        {"title": "CreditsDepleted", "type": "https://api.x.com/2/problems/credits-depleted"},
        CreditsDepletedError,
    ),
    (
        "bad token",
        401,
        {},
        {"title": "Unauthorized", "type": "about:blank", "status": 401},
        UnauthorizedError,
    ),
    (
        "bad request",
        400,
        {},
        {"title": "Invalid Request", "type": "https://api.x.com/2/problems/invalid-request"},
        InvalidRequestError,
    ),
    (
        "not found",
        404,
        {},
        {"title": "Not Found Error", "type": "https://api.x.com/2/problems/resource-not-found"},
        NotFoundError,
    ),
    (
        "server error",
        500,
        {},
        {"title": "Internal Error", "type": "https://api.x.com/2/problems/internal-error"},
        ServerError,
    ),
    ("html 503", 503, {}, HTML_503, ServerError),
    ("html 503 as bytes", 503, {}, HTML_503.encode(), ServerError),
    (
        "json text body",
        403,
        {},
        '{"detail": "duplicate content", "title": "Forbidden"}',
        DuplicateContentError,
    ),
]


@pytest.mark.parametrize(
    ("case", "status", "headers", "body", "expected"), TABLE, ids=[row[0] for row in TABLE]
)
def test_responses_map_by_status_and_problem_type(
    case: str, status: int, headers: dict[str, str], body: Any, expected: type[XError]
) -> None:
    """Each X answer becomes the class that says what it means."""
    error = map_error(status=status, headers=headers, body=body)
    assert expected is type(error), case


def test_rate_limit_carries_reset_time_from_header() -> None:
    """A 429 rate limit exposes x-rate-limit-reset as an aware datetime, whatever the case."""
    error = map_error(status=429, headers={"X-Rate-Limit-Reset": str(RESET)}, body=None)
    assert isinstance(error, RateLimitedError)
    assert datetime.fromtimestamp(RESET, UTC) == error.reset_at


def test_rate_limit_without_header_has_no_reset() -> None:
    """Without the header (or with junk in it) reset_at is None, never a guess."""
    errors = [
        map_error(status=429, headers={}, body=None),
        map_error(status=429, headers={"x-rate-limit-reset": "soon"}, body=None),
    ]
    assert [None, None] == [getattr(e, "reset_at", "missing") for e in errors]


@pytest.mark.parametrize(
    "exc",
    [
        aiohttp.ClientConnectionError("reset by peer"),
        aiohttp.ServerDisconnectedError(),
        aiohttp.ClientPayloadError("cut"),
        TimeoutError(),
        ConnectionResetError(104, "reset"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_transport_failures_are_transient(exc: BaseException) -> None:
    """Connection errors, payload cuts and timeouts all become TransientNetworkError."""
    assert TransientNetworkError is type(map_error(exc))


def test_an_xerror_passes_through_unchanged() -> None:
    """Mapping twice is harmless: an XError is returned as it is."""
    original = ServerError("503", status=503)
    assert original is map_error(original)


def test_unknown_status_is_a_plain_xerror() -> None:
    """A status X never documents still becomes an XError with that status."""
    error = map_error(status=418, headers={}, body=None)
    assert (XError, 418) == (type(error), error.status)


async def test_real_content_type_error_from_html_503_is_server_error() -> None:
    """tweepy lets aiohttp's ContentTypeError escape on an HTML 503; it maps to ServerError."""
    async with running_fake() as fake:
        fake.queue("/2/users/me", Canned(503, HTML_503, content_type="text/html"))
        client = AsyncClient(bearer_token="app", return_type=dict)
        async with host.session_for(fake.base_url, total_timeout_s=5) as session:
            client.session = session
            with pytest.raises(aiohttp.ContentTypeError) as caught:
                await client.get_me(user_auth=False)
    error = map_error(caught.value)
    assert (ServerError, 503) == (type(error), error.status)


async def test_real_tweepy_exceptions_map_with_their_bodies() -> None:
    """tweepy's HTTPException subclasses, from real responses, map like the raw answers."""
    answers = [
        Canned(429, capped("api.x.com")),
        Canned(403, REPLY_REFUSED),
        Canned(429, {"title": "Too Many Requests"}, headers={"x-rate-limit-reset": str(RESET)}),
    ]
    async with running_fake() as fake:
        client = AsyncClient(bearer_token="app", return_type=dict)
        async with host.session_for(fake.base_url, total_timeout_s=5) as session:
            client.session = session
            mapped = []
            for answer in answers:
                fake.queue("/2/users/me", answer)
                with pytest.raises(tweepy.HTTPException) as caught:
                    await client.get_me(user_auth=False)
                body = await caught.value.response.json()
                mapped.append(type(map_error(caught.value, body=body)))
    assert [UsageCappedError, ReplyNotAllowedError, RateLimitedError] == mapped


def test_in_stream_error_lines_map_without_a_status() -> None:
    """An errors line read from an open stream is a drop, except the usage cap, which is final."""
    disconnect = {
        "errors": [
            {
                "title": "operational-disconnect",
                "disconnect_type": "OperationalDisconnect",
                "type": "https://api.twitter.com/2/problems/operational-disconnect",
            }
        ]
    }
    assert [TransientNetworkError, UsageCappedError] == [
        type(map_error(body=disconnect)),
        type(map_error(body={"errors": [capped("api.x.com")]})),
    ]
