"""What every officer command (``seva tickets``, ``seva triage``) starts from, built once.

Settings from the environment, one Redis connection, the live KB as the daemon reads it
(imported from the files if Redis has none, as the daemon would: answers are composed from
its templates), the ticket store, and the signed-in user when the command acts as one. A
desk error ends the command with its message and exit status 1, never a traceback.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.clock import SystemClock
from bot.errors import TicketError, UserError
from bot.kb.source import FileKB, RedisKB, Reseed
from bot.keys import Keys
from bot.settings import Settings, load_settings
from bot.store import Redis, connect
from bot.textsafe import echo
from bot.tickets.store import TicketStore
from bot.users.identity import cli_identity
from bot.users.store import UserStore

_T = TypeVar("_T")


@dataclass(frozen=True)
class CliDesk:
    """The parts a command works with; it builds the rest (storms, workflow) from them."""

    settings: Settings
    redis: Redis
    keys: Keys
    clock: SystemClock
    store: TicketStore
    officer: str  # the signed-in user's name ('' for a command that acts as nobody)


def run_cli(command: str, action: Callable[[CliDesk], Awaitable[_T]], *, identify: bool) -> _T:
    """Run ``action`` for ``seva COMMAND``; with ``identify``, as the signed-in user."""
    settings = load_settings()

    async def main() -> _T:
        redis = connect(settings.redis_url)
        keys, clock = Keys(settings.key_prefix), SystemClock()
        files = FileKB(settings.kb_dir, settings.responses_dir)
        reseed = Reseed(files=files, clock=clock, who=f"seva {command} ({settings.instance_id})")
        store = TicketStore(redis, keys, clock, RedisKB(redis, keys, reseed=reseed), settings)
        try:
            officer = ""
            if identify:
                users = UserStore(redis, keys, clock, settings)
                officer = (await cli_identity(settings, users)).name
            return await action(CliDesk(settings, redis, keys, clock, store, officer))
        finally:
            await redis.aclose()

    try:
        return asyncio.run(main())
    except (TicketError, UserError) as err:
        echo(f"seva {command}: {err}", err=True)
        sys.exit(1)
