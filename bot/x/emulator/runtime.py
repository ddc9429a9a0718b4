"""The emulator's running state in one object, stored on the aiohttp app."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.clock import Clock, SystemClock
from bot.x.emulator.billing import Bill
from bot.x.emulator.config import EmulatorConfig
from bot.x.emulator.faults import Faults
from bot.x.emulator.ids import SnowflakeIds
from bot.x.emulator.ratelimit import RateLimiter, ReadCap
from bot.x.emulator.state import User, World


@dataclass(eq=False)
class StreamConnection:
    """The open filtered-stream connection: its queue of posts and control events."""

    request: web.Request
    queue: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)

    def gone(self) -> bool:
        """Return whether the client's socket is already closed."""
        transport = self.request.transport
        return transport is None or transport.is_closing()


class Runtime:
    """Config, world, limits, faults and call counters of one emulator."""

    def __init__(self, config: EmulatorConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.world = World(SnowflakeIds(lambda: int(self.clock.time() * 1000)), self.clock.time)
        self.limiter = RateLimiter(self.clock.time)
        self.read_cap = ReadCap()
        self.faults = Faults()
        self.api_calls: Counter[str] = Counter()
        self.bill = Bill()  # what X charges the app (one app per emulator)
        self.control_calls = 0
        self.stream: StreamConnection | None = None
        self.ministry = self._add_ministry()

    def _add_ministry(self) -> User:
        cfg = self.config
        return self.world.add_user(
            cfg.ministry_username, cfg.ministry_name, token=cfg.ministry_user_token
        )

    def reset(self) -> None:
        """Forget posts, users, rules, faults, windows, counters; keep the ministry's token.

        The ministry gets a fresh id (ids never repeat), exactly as a restart would give.
        """
        self.world.clear()
        self.limiter.clear()
        self.read_cap = ReadCap()
        self.faults.clear()
        self.api_calls.clear()
        self.bill.clear()
        self.control_calls = 0
        self.ministry = self._add_ministry()
        if self.stream is not None:
            self.stream.queue.put_nowait("drop_stream")

    def ministry_info(self) -> dict[str, str]:
        """Return the ministry account's id, username and user token."""
        return {
            "id": self.ministry.id,
            "username": self.ministry.username,
            "user_token": self.ministry.user_token,
        }


RUNTIME = web.AppKey("runtime", Runtime)
