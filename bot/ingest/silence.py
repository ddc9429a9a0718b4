"""The silence alarm: posts stopped arriving although traffic was expected.

Helpdesks on X have gone quiet for days without anyone noticing (a revoked token, a stream
that connects but delivers nothing). Traffic is "expected" when the last 24 hours brought
at least ``SEVA_INGEST_SILENCE_MIN_DAILY`` posts; then ``SEVA_INGEST_SILENCE_ALARM_S`` without
one raises the ``ingest_silence`` alarm (shown by ``seva status``, a warning in the log),
and the next post clears it.
"""

from __future__ import annotations

from collections import deque

from bot.clock import Clock

DAY_S = 24 * 3600.0


class SilenceWatch:
    """Tracks arrivals; says when the quiet has lasted too long for the usual traffic."""

    def __init__(self, clock: Clock, *, alarm_after_s: float, min_daily: int) -> None:
        self._clock = clock
        self._alarm_after_s = alarm_after_s
        self._min_daily = min_daily
        self._arrivals: deque[float] = deque()

    def arrived(self) -> None:
        """A post arrived now."""
        now = self._clock.time()
        self._arrivals.append(now)
        while self._arrivals and self._arrivals[0] < now - DAY_S:
            self._arrivals.popleft()

    def problem(self) -> str | None:
        """Why the silence is alarming, or None."""
        if not self._arrivals:
            return None
        now = self._clock.time()
        recent = sum(1 for t in self._arrivals if t >= now - DAY_S)
        quiet = now - self._arrivals[-1]
        if recent >= self._min_daily and quiet >= self._alarm_after_s:
            return f"no post for {quiet / 60:.0f} min, after {recent} in the last 24 h"
        return None
