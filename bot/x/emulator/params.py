"""The query parameters each X endpoint takes (as X's OpenAPI spec declares them), and times.

X refuses a parameter it does not know with a 400 ``invalid-request``, so the emulator keeps
one list per route, checked in the gate before any handler runs. A contract test holds the
lists equal to the spec's.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from bot.x.emulator import problems


class ParameterError(ValueError):
    """A query parameter X would refuse; ``body`` is X's 400 body."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        super().__init__(str(body))


_POST_READ = ("expansions", "user.fields", "media.fields", "poll.fields", "place.fields")
_TIMELINE = (
    "max_results", "pagination_token", "start_time", "end_time", "since_id", "until_id",
    "post.fields", *_POST_READ,
)  # fmt: skip
_USER_READ = ("user.fields", "expansions", "post.fields")

# (method, route as the spec writes it) -> query parameters the spec declares.
QUERY_PARAMS: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/2/users/me"): frozenset(_USER_READ),
    ("GET", "/2/users/{id}"): frozenset(_USER_READ),
    ("GET", "/2/users/by/username/{username}"): frozenset(_USER_READ),
    ("GET", "/2/users"): frozenset({"ids", *_USER_READ}),
    ("GET", "/2/users/by"): frozenset({"usernames", *_USER_READ}),
    ("GET", "/2/users/{id}/mentions"): frozenset(_TIMELINE),
    ("GET", "/2/users/{id}/tweets"): frozenset({"exclude", *_TIMELINE}),
    ("POST", "/2/tweets"): frozenset(),
    ("GET", "/2/tweets"): frozenset({"ids", "post.fields", *_POST_READ}),
    ("GET", "/2/tweets/{id}"): frozenset({"post.fields", *_POST_READ}),
    ("DELETE", "/2/tweets/{id}"): frozenset(),
    ("GET", "/2/tweets/search/recent"): frozenset(
        {"query", "next_token", "sort_order", *_TIMELINE}
    ),
    ("GET", "/2/tweets/search/stream"): frozenset(
        {"backfill_minutes", "start_time", "end_time", "tweet.fields", *_POST_READ}
    ),
    ("GET", "/2/tweets/search/stream/rules"): frozenset({"ids", "max_results", "pagination_token"}),
    ("POST", "/2/tweets/search/stream/rules"): frozenset({"dry_run", "delete_all"}),
}
# The spec (v2.167) renames ``tweet.fields`` to ``post.fields``; X still takes the old name,
# and tweepy sends only the old one, so wherever the spec says ``post.fields`` both pass.
ALIASES = {"post.fields": "tweet.fields"}

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def accepted(method: str, route: str) -> frozenset[str] | None:
    """Return every name the route takes (aliases included), or None for an unlisted route."""
    declared = QUERY_PARAMS.get((method, route))
    if declared is None:
        return None
    return declared | {ALIASES[name] for name in declared if name in ALIASES}


def unknown_parameter(host: str, names: list[str], allowed: frozenset[str]) -> ParameterError:
    """Return X's 400 for query parameters the endpoint does not take (first one named)."""
    errors = [
        {
            "parameters": {name: []},
            "message": f"The query parameter [{name}] is not one of [{','.join(sorted(allowed))}]",
        }
        for name in names
    ]
    return ParameterError(problems.invalid_request(host, errors))


def time_param(query: dict[str, str], name: str, host: str) -> float | None:
    """Return an RFC 3339 ``start_time``/``end_time`` as UNIX seconds, or None if absent."""
    raw = query.get(name)
    if raw is None:
        return None
    stamp: datetime | None = None
    if _RFC3339.match(raw):
        try:
            stamp = datetime.fromisoformat(raw.upper())
        except ValueError:
            stamp = None  # matches the shape but names no real time (month 13, second 61)
    if stamp is None:
        message = (
            f"Invalid '{name}':'{raw}'. '{name}' must be a valid RFC 3339 date-time, "
            "such as YYYY-MM-DDTHH:mm:ssZ"
        )
        raise ParameterError(problems.bad_parameter(host, name, raw, message))
    return stamp.timestamp()


def x_minutes(unix_s: float) -> str:
    """Return a time the way X's time messages write it (``2026-11-24T12:34Z``)."""
    return datetime.fromtimestamp(unix_s, UTC).strftime("%Y-%m-%dT%H:%MZ")
