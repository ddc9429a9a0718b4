"""The clock, behind a small interface so SLA tests never sleep for 48 hours."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Wall-clock time for records and monotonic time for intervals."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        ...

    def time(self) -> float:
        """Return UNIX seconds."""
        ...

    def monotonic(self) -> float:
        """Return seconds on a clock that never goes back."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)

    def time(self) -> float:
        """Return UNIX seconds."""
        return time.time()

    def monotonic(self) -> float:
        """Return seconds on a clock that never goes back."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        await asyncio.sleep(seconds)


class FakeClock:
    """A clock that moves only when told to; ``sleep`` advances it instantly."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self._t = start
        self._mono = 0.0

    def now(self) -> datetime:
        """Return the fake UTC time."""
        return datetime.fromtimestamp(self._t, UTC)

    def time(self) -> float:
        """Return fake UNIX seconds."""
        return self._t

    def monotonic(self) -> float:
        """Return fake monotonic seconds."""
        return self._mono

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self._t += seconds
        self._mono += seconds

    async def sleep(self, seconds: float) -> None:
        """Advance time and yield to the loop once."""
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)
