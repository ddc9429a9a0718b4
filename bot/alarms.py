"""Alarms: conditions a human must see (silence, credits depleted, usage cap).

An alarm is a JSON value at ``keys.alarm(name)``; ``seva status`` and /readyz list them.
"""

from __future__ import annotations

import json

import structlog
from redis.asyncio import Redis

from bot.clock import Clock
from bot.keys import Keys

log = structlog.get_logger("alarms")


async def raise_alarm(  # noqa: PLR0917 (mirrors clear_alarm; all are required)
    redis: Redis,
    keys: Keys,
    clock: Clock,
    name: str,
    detail: str,
    ttl_s: float | None = None,
) -> None:
    """Raise (or refresh) an alarm; log it only when it is new."""
    body = json.dumps({"detail": detail, "since": clock.now().isoformat()})
    fresh = await redis.set(keys.alarm(name), body, nx=True)
    if not fresh:
        await redis.set(keys.alarm(name), body, xx=True, keepttl=True)
    if ttl_s:
        await redis.expire(keys.alarm(name), int(ttl_s))
    if fresh:
        log.error("alarm raised", alarm=name, detail=detail)


async def clear_alarm(redis: Redis, keys: Keys, name: str) -> None:
    """Clear an alarm; log if it was raised."""
    if await redis.delete(keys.alarm(name)):
        log.info("alarm cleared", alarm=name)
