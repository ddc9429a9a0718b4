"""How long to wait before trying X again, decided by the error's type.

X's reconnect guidance (docs/ARCHITECTURE.md, "Reconnects"): linear +250 ms up to 16 s for
TCP errors, exponential from 5 s up to 320 s for HTTP errors, exponential from 60 s for 429,
or the ``x-rate-limit-reset`` time when X sent it. The numbers are settings, so tests scale
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.errors import (
    RateLimitedError,
    ServerError,
    TooManyConnectionsError,
    TransientNetworkError,
    XError,
)
from bot.retry import Backoff
from bot.settings import Settings


@dataclass
class XBackoffs:
    """The three schedules X asks for, each counting its own failures."""

    network: Backoff
    http: Backoff
    rate: Backoff

    @classmethod
    def from_settings(cls, settings: Settings) -> XBackoffs:
        """Build the schedules from the ``x_backoff_*`` settings."""
        return cls(
            network=Backoff(
                settings.x_backoff_network_step_s,
                settings.x_backoff_network_max_s,
                linear=True,
            ),
            http=Backoff(settings.x_backoff_http_initial_s, settings.x_backoff_http_max_s),
            rate=Backoff(settings.x_backoff_429_initial_s, settings.x_backoff_429_max_s),
        )

    def reset(self) -> None:
        """Forget past failures (after a successful connect or call)."""
        for backoff in (self.network, self.http, self.rate):
            backoff.reset()


def retry_delay(error: XError, backoffs: XBackoffs, now: datetime) -> float | None:
    """Return seconds to wait before retrying after ``error``, or ``None`` to give up.

    Usage caps, depleted credits, bad credentials, duplicates, refused replies and every
    other 4xx are never retried: waiting does not change X's answer.
    """
    if isinstance(error, TransientNetworkError):
        return backoffs.network.next()
    if isinstance(error, TooManyConnectionsError):
        return backoffs.rate.next()
    if isinstance(error, RateLimitedError):
        if error.reset_at is not None:
            wait = (error.reset_at - now).total_seconds()
            # A reset already past (clock skew, a stale header) would retry at once, over
            # and over; fall back to the schedule instead of hot-looping.
            if wait > 0:
                return min(wait, backoffs.rate.maximum)
        return backoffs.rate.next()
    if isinstance(error, ServerError):
        return backoffs.http.next()
    return None
