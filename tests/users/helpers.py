"""Users for tests that drive ``seva tickets`` (which acts as the user in SEVA_OFFICER)."""

from __future__ import annotations

from typing import Any

from bot.clock import SystemClock
from bot.keys import Keys
from bot.settings import Settings
from bot.users.store import UserStore

PASSWORD = "a long test password"


async def add_officers(
    redis: Any, keys: Keys, settings: Settings, *names: str, dept: str = "dgft"
) -> None:
    """Create officer users of ``dept`` called ``names``."""
    store = UserStore(redis, keys, SystemClock(), settings)
    for name in names:
        await store.add(name, "officer", [dept], PASSWORD, None, "test")
