"""The one place a post enters the inbox: dedupe and XADD in a single atomic step.

``SET seen NX`` and ``XADD`` run in one Lua script, so a post is either new and queued,
or already seen and skipped; a crash between the two cannot lose or double it. Cursors
move only after every post of a fetch is in (``advance_cursor``), so a restart refetches
at worst a few posts, which the seen-keys then drop: at-least-once into Redis, exactly
once in effect.
"""

from __future__ import annotations

import json

import structlog
from redis.asyncio import Redis

from bot.errors import AmnesiaError
from bot.keys import SEEN_TTL_S, Keys
from bot.x.models import Post

log = structlog.get_logger("ingest")

# KEYS[3], KEYS[4]: the epoch and the hold (bot.epoch). A guarded sink takes nothing from
# a Redis that lost its data: the dedupe keys are gone, so every post would look new.
# KEYS[5]: the count of posts ingested by source (bot.metrics), in the same step as the
# XADD, so it is exact: a post counts once, when it enters the inbox.
_ADD = """
if ARGV[4] == '1' then
  if redis.call('EXISTS', KEYS[3]) == 0 or redis.call('EXISTS', KEYS[4]) == 1 then return -1 end
end
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then
  redis.call('XADD', KEYS[2], '*', 'post', ARGV[1], 'source', ARGV[3])
  redis.call('HINCRBY', KEYS[5], ARGV[3], 1)
  return 1
end
return 0
"""
# Move a cursor forward only (ids are decimal strings: longer is larger, then lexical).
# Guarded like _ADD: a cursor written into a Redis that lost its data would stand in for
# the first-start look-back, and every post older than it that was never answered is lost.
_ADVANCE = """
if ARGV[2] == '1' then
  if redis.call('EXISTS', KEYS[2]) == 0 or redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
end
local cur = redis.call('GET', KEYS[1])
if (not cur) or (#ARGV[1] > #cur) or (#ARGV[1] == #cur and ARGV[1] > cur) then
  redis.call('SET', KEYS[1], ARGV[1])
  return 1
end
return 0
"""


class Sink:
    """Writes posts into the inbox exactly once per post id."""

    def __init__(self, redis: Redis, keys: Keys, *, guard_epoch: bool = False) -> None:
        self._redis = redis
        self._keys = keys
        self._guard = guard_epoch
        self.added = 0
        self.duplicates = 0

    async def add(self, post: Post) -> bool:
        """Queue ``post`` unless it was seen; return whether it was new.

        A guarded sink raises ``AmnesiaError`` while the epoch is missing or held.
        """
        new = await self._redis.eval(
            _ADD,
            5,
            self._keys.seen(post.id),
            self._keys.inbox,
            self._keys.epoch,
            self._keys.hold,
            self._keys.counter("ingested"),
            json.dumps(post.to_fields(), ensure_ascii=False),
            str(SEEN_TTL_S),
            post.source.value,
            "1" if self._guard else "0",
        )
        if new == -1:
            raise AmnesiaError("the sink is held: Redis has no epoch (bot.epoch)")
        if new:
            self.added += 1
            log.info("ingested", post_id=post.id, source=post.source.value)
        else:
            self.duplicates += 1
        return bool(new)

    async def skip(self, post: Post, reason: str) -> None:
        """Count a post the desk does not take, by reason (shown in status and metrics)."""
        await self._redis.hincrby(self._keys.counter("ingest_skipped"), reason, 1)
        log.info("skipped", post_id=post.id, reason=reason)

    async def cursor(self, source: str) -> str | None:
        """The newest post id fully ingested from ``source``."""
        value = await self._redis.get(self._keys.cursor(source))
        return str(value) if value else None

    async def advance_cursor(self, source: str, post_id: str) -> None:
        """Move ``source``'s cursor to ``post_id`` if that is newer.

        A guarded sink raises ``AmnesiaError`` while the epoch is missing or held.
        """
        moved = await self._redis.eval(
            _ADVANCE,
            3,
            self._keys.cursor(source),
            self._keys.epoch,
            self._keys.hold,
            post_id,
            "1" if self._guard else "0",
        )
        if moved == -1:
            raise AmnesiaError("the cursor is held: Redis has no epoch (bot.epoch)")
