"""Snowflake-like post ids: time in the high bits, so a restarted emulator never reuses one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

TWITTER_EPOCH_MS = 1_288_834_974_657  # X's snowflake epoch (2010-11-04)
_SEQ_BITS = 22  # X spends 22 bits on worker and sequence


class SnowflakeIds:
    """Hand out strictly increasing 19-digit decimal ids derived from the wall clock."""

    def __init__(self, now_ms: Callable[[], int] | None = None) -> None:
        self._now_ms = now_ms or (lambda: int(time.time() * 1000))
        self._last = 0
        self._lock = threading.Lock()

    def next_id(self) -> str:
        """Return a new id, larger than every id this process (or an earlier one) gave."""
        with self._lock:
            candidate = (self._now_ms() - TWITTER_EPOCH_MS) << _SEQ_BITS
            # Within one millisecond (or if the clock stepped back) count up in the low bits.
            self._last = max(candidate, self._last + 1)
            return str(self._last)


def id_time_ms(post_id: str) -> int:
    """Return the UNIX milliseconds encoded in a snowflake id."""
    return (int(post_id) >> _SEQ_BITS) + TWITTER_EPOCH_MS
