"""retry_delay: X's reconnect guidance, decided by error type, with settings-driven numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import (
    CreditsDepletedError,
    DuplicateContentError,
    ForbiddenError,
    InvalidRequestError,
    RateLimitedError,
    ReplyNotAllowedError,
    ServerError,
    TooManyConnectionsError,
    TransientNetworkError,
    UnauthorizedError,
    UsageCappedError,
    XError,
)
from bot.settings import load_settings
from bot.x.backoff import XBackoffs, retry_delay

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def backoffs() -> XBackoffs:
    """The production defaults (X's reconnect guidance; docs/ARCHITECTURE.md, "Reconnects")."""
    return XBackoffs.from_settings(load_settings())


def delays(error: XError, backoffs: XBackoffs, n: int) -> list[float | None]:
    return [retry_delay(error, backoffs, NOW) for _ in range(n)]


def test_network_errors_back_off_linearly_to_16s(backoffs: XBackoffs) -> None:
    """TCP errors wait +250 ms per try and stop growing at 16 s."""
    got = delays(TransientNetworkError("reset"), backoffs, 70)
    assert [0.25, 0.5, 0.75, 1.0] == got[:4]
    assert 16.0 == got[-1]


def test_http_errors_back_off_exponentially_from_5s_to_320s(backoffs: XBackoffs) -> None:
    """5xx waits 5, 10, 20 ... and never more than 320 s."""
    assert [5, 10, 20, 40, 80, 160, 320, 320] == delays(ServerError(status=503), backoffs, 8)


def test_rate_limits_without_reset_back_off_from_60s(backoffs: XBackoffs) -> None:
    """429 without a reset header, and a second stream, wait 60, 120, 240 ..."""
    assert [60, 120, 240] == delays(RateLimitedError(), backoffs, 3)
    assert [480, 960, 960] == delays(TooManyConnectionsError(status=429), backoffs, 3)


def test_rate_limit_waits_until_the_reset_header(backoffs: XBackoffs) -> None:
    """A 429 with x-rate-limit-reset waits exactly until then."""
    error = RateLimitedError(reset_at=NOW + timedelta(seconds=125))
    assert 125.0 == retry_delay(error, backoffs, NOW)


def test_a_reset_in_the_past_does_not_hot_loop(backoffs: XBackoffs) -> None:
    """A stale reset header falls back to the 60 s schedule instead of retrying at once."""
    error = RateLimitedError(reset_at=NOW - timedelta(seconds=5))
    assert [60, 120] == delays(error, backoffs, 2)


@pytest.mark.parametrize(
    "error",
    [
        UsageCappedError(),
        CreditsDepletedError(status=402),
        UnauthorizedError(status=401),
        DuplicateContentError(status=403),
        ReplyNotAllowedError(status=403),
        ForbiddenError(status=403),
        InvalidRequestError(status=400),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_waiting_cannot_cure_are_never_retried(error: XError, backoffs: XBackoffs) -> None:
    """Usage caps, credits, credentials, duplicates and refusals give up at once."""
    assert retry_delay(error, backoffs, NOW) is None


def test_schedules_come_from_settings_and_reset() -> None:
    """Scaled-down settings give scaled-down delays; reset starts every schedule over."""
    backoffs = XBackoffs.from_settings(
        load_settings(x_backoff_http_initial_s=0.01, x_backoff_http_max_s=0.03)
    )
    assert [0.01, 0.02, 0.03] == delays(ServerError(), backoffs, 3)
    backoffs.reset()
    assert [0.01] == delays(ServerError(), backoffs, 1)
