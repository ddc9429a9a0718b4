"""Backoff schedules, as settings-driven values rather than sleeps hard-coded in loops.

X's guidance (docs/ARCHITECTURE.md, "Reconnects"): linear +250 ms up to 16 s for TCP errors,
exponential from 5 s up to 320 s for HTTP errors, exponential from 60 s for 429. Redis
reconnects use the same class with their own numbers (SEVA_REDIS_BACKOFF_*).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Backoff:
    """A reset-able backoff: ``next()`` returns the next delay in seconds."""

    initial: float
    maximum: float
    factor: float = 2.0
    linear: bool = False
    _attempt: int = field(default=0, init=False)

    def next(self) -> float:
        """Return the delay before the next attempt and count the attempt."""
        self._attempt += 1
        if self.linear:
            delay = self.initial * self._attempt
        else:
            delay = self.initial * self.factor ** (self._attempt - 1)
        return min(delay, self.maximum)

    def reset(self) -> None:
        """Forget past failures after a success."""
        self._attempt = 0

    @property
    def attempts(self) -> int:
        """Failures counted since the last reset."""
        return self._attempt
