"""The one place where X's answers and transport failures become ``bot.errors`` types.

X answers errors as problem objects ``{title, detail, type, status}``, sometimes wrapped in
``{"errors": [...]}``. ``type`` is a URL whose host is ``api.twitter.com`` or ``api.x.com``
depending on the day, so only its *suffix* is compared. Everything else in Seva decides
retry or give-up by the class returned here, never by the message.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import aiohttp
import tweepy

from bot.errors import (
    CreditsDepletedError,
    DuplicateContentError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    ReplyNotAllowedError,
    ServerError,
    TargetGoneError,
    TooManyConnectionsError,
    TransientNetworkError,
    UnauthorizedError,
    UsageCappedError,
    XError,
)

# 403s that mean "these credentials may not do this at all", not "this post is refused".
_CREDENTIAL_PROBLEMS = ("client-forbidden", "unsupported-authentication")
_MAX_DETAIL = 200


def map_error(
    error: BaseException | None = None,
    *,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
    body: Any = None,
) -> XError:
    """Return the ``XError`` for an X response or a transport exception.

    Give either ``error`` (a tweepy ``HTTPException``, an aiohttp error such as the
    ``ContentTypeError`` tweepy lets escape on a 503 with an HTML body, a connection error
    or a timeout) or ``status``/``headers``/``body`` of a response; ``body`` is the decoded
    JSON, or text/bytes when X did not answer JSON. With a tweepy exception, pass the
    decoded ``body`` too when you have it: tweepy keeps only part of the problem object.
    """
    if isinstance(error, XError):
        return error
    if isinstance(error, tweepy.HTTPException):
        status = error.response.status
        headers = error.response.headers
        if body is None:
            body = {"errors": error.api_errors, "detail": " ".join(error.api_messages)}
    elif isinstance(error, aiohttp.ClientResponseError):
        # ContentTypeError (an HTML 503) carries the status and headers of the response.
        status = error.status
        headers = error.headers or headers
        body = body if body is not None else error.message
    elif isinstance(error, aiohttp.ClientError | asyncio.TimeoutError | OSError):
        return TransientNetworkError(f"{type(error).__name__}: {error}")
    elif error is not None:
        return XError(f"{type(error).__name__}: {error}")
    if status is None:
        if body is None:
            return XError("no status and no exception to map")
        return _in_stream(body)
    return _from_status(status, headers or {}, body)


def _in_stream(body: Any) -> XError:
    """Map an ``errors`` line read from an open stream (it has no HTTP status of its own).

    X closes the connection after such a line. The monthly cap is the one that waiting will
    not cure; operational-disconnect and the rest are drops to reconnect after.
    """
    problems = list(_problems(body))
    message = _message(0, problems, body).removeprefix("0 ")
    if _has_type(problems, "usage-capped"):
        return UsageCappedError(message)
    return TransientNetworkError(f"in-stream error: {message}")


# Statuses whose meaning does not depend on the body.
_BY_STATUS: dict[int, type[XError]] = {
    HTTPStatus.BAD_REQUEST: InvalidRequestError,
    HTTPStatus.UNAUTHORIZED: UnauthorizedError,
    HTTPStatus.PAYMENT_REQUIRED: CreditsDepletedError,
    HTTPStatus.NOT_FOUND: NotFoundError,
}


def _from_status(status: int, headers: Mapping[str, str], body: Any) -> XError:
    """Decide by status first, then by the problem ``type`` suffix, then by text."""
    problems = list(_problems(body))
    message = _message(status, problems, body)
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        return _too_many(message, problems, headers)
    if status == HTTPStatus.FORBIDDEN:
        return _forbidden(message, problems)
    if status in _BY_STATUS:
        return _BY_STATUS[status](message, status=status)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return ServerError(message, status=status)
    return XError(message, status=status)


def _has_type(problems: list[dict[str, Any]], suffix: str) -> bool:
    """Whether a problem's ``type`` URL ends in ``/suffix`` (on either host)."""
    return any(str(p.get("type", "")).endswith("/" + suffix) for p in problems)


def _too_many(message: str, problems: list[dict[str, Any]], headers: Mapping[str, str]) -> XError:
    """Split X's 429s: a second stream, the monthly cap, or an ordinary rate limit."""
    if _has_type(problems, "streaming-connection") or any(
        p.get("connection_issue") == "TooManyConnections" for p in problems
    ):
        return TooManyConnectionsError(message, status=HTTPStatus.TOO_MANY_REQUESTS)
    if _has_type(problems, "usage-capped"):
        return UsageCappedError(message)
    return RateLimitedError(message, reset_at=_reset_at(headers))


def _forbidden(message: str, problems: list[dict[str, Any]]) -> XError:
    """Split X's 403s: all of these arrive as ``type: about:blank`` with the same title."""
    if any(_has_type(problems, suffix) for suffix in _CREDENTIAL_PROBLEMS):
        return UnauthorizedError(message, status=HTTPStatus.FORBIDDEN)
    # X gives duplicate content and the reply restriction no type or code of their own,
    # only the sentence in ``detail``; matching that text is the only way to tell them apart.
    text = " ".join(
        str(p.get(field, "")) for p in problems for field in ("detail", "message")
    ).lower()
    if "duplicate content" in text:
        return DuplicateContentError(message, status=HTTPStatus.FORBIDDEN)
    if "reply to this conversation is not allowed" in text:
        return ReplyNotAllowedError(message, status=HTTPStatus.FORBIDDEN)
    if "deleted or not visible" in text:
        return TargetGoneError(message, status=HTTPStatus.FORBIDDEN)
    return ForbiddenError(message, status=HTTPStatus.FORBIDDEN)


def _problems(body: Any) -> Iterator[dict[str, Any]]:
    """Yield every problem object in a body: the top level and each entry of ``errors``."""
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body)
        except ValueError:
            return  # HTML or plain text: the status alone decides
    if not isinstance(body, dict):
        return
    yield body
    for item in body.get("errors") or ():
        if isinstance(item, dict):
            yield item
        elif isinstance(item, str):
            yield {"message": item}


def _message(status: int, problems: list[dict[str, Any]], body: Any) -> str:
    """A short human message: status, title and detail (never the whole body)."""
    parts = [str(status)]
    for p in problems:
        for field in ("title", "detail", "message"):
            value = p.get(field)
            if isinstance(value, str) and value and value not in parts:
                parts.append(value)
    if len(parts) == 1 and isinstance(body, str | bytes) and body:
        text = body.decode(errors="replace") if isinstance(body, bytes) else body
        parts.append(" ".join(text.split())[:80])
    return " ".join(parts)[:_MAX_DETAIL]


def _reset_at(headers: Mapping[str, str]) -> datetime | None:
    """Read ``x-rate-limit-reset`` (UNIX seconds), whatever the header's case."""
    for name, value in headers.items():
        if name.lower() == "x-rate-limit-reset":
            try:
                return datetime.fromtimestamp(int(value), UTC)
            except (TypeError, ValueError, OverflowError):
                return None
    return None
