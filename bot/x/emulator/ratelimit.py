"""Fixed rate windows per endpoint and per identity, and the monthly read cap."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """One window's state after a request; becomes the ``x-rate-limit-*`` headers."""

    allowed: bool
    limit: int
    remaining: int
    reset: int  # UNIX seconds when the window starts afresh

    def headers(self, prefix: str = "x-rate-limit") -> dict[str, str]:
        """Return the headers X sends for this window."""
        return {
            f"{prefix}-limit": str(self.limit),
            f"{prefix}-remaining": str(self.remaining),
            f"{prefix}-reset": str(self.reset),
        }


@dataclass
class _Window:
    start: float
    used: int


class RateLimiter:
    """Counts requests in fixed windows that open at a key's first request, as X's do."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._windows: dict[tuple[str, ...], _Window] = {}

    def clear(self) -> None:
        """Forget every window."""
        self._windows.clear()

    def _window(self, key: tuple[str, ...], window_s: float) -> _Window:
        now = self._now()
        window = self._windows.get(key)
        if window is None or now >= window.start + window_s:
            window = _Window(start=now, used=0)
            self._windows[key] = window
        return window

    def peek(self, key: tuple[str, ...], limit: int, window_s: float) -> Verdict:
        """Return the window's state without spending a request."""
        window = self._window(key, window_s)
        return Verdict(
            allowed=window.used < limit,
            limit=limit,
            remaining=max(0, limit - window.used),
            reset=math.ceil(window.start + window_s),
        )

    def spend(self, key: tuple[str, ...], limit: int, window_s: float) -> Verdict:
        """Spend one request if the window allows it; return the state afterwards."""
        window = self._window(key, window_s)
        allowed = window.used < limit
        if allowed:
            window.used += 1
        return Verdict(
            allowed=allowed,
            limit=limit,
            remaining=max(0, limit - window.used),
            reset=math.ceil(window.start + window_s),
        )


class ReadCap:
    """The monthly cap on posts read (mentions, search, lookup, stream)."""

    def __init__(self) -> None:
        self.used = 0

    def exhausted(self, cap: int) -> bool:
        """Return whether reads are now refused with ``usage-capped``."""
        return self.used >= cap

    def spend(self, posts: int) -> None:
        """Count ``posts`` returned to the client."""
        self.used += posts
