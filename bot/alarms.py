"""Alarms: conditions a human must see (silence, credits depleted, usage cap).

An alarm is a JSON value at ``keys.alarm(name)``; ``seva status`` and /readyz list them.
Each alarm has a severity, decided here by its name: a *critical* alarm means the desk is
not doing its job (it cannot post, cannot stream, or has lost its memory) and fails
``seva status`` and the container healthcheck; a *warning* is shown but does not fail it.
"""

from __future__ import annotations

import json
from enum import StrEnum

import structlog
from redis.asyncio import Redis

from bot.clock import Clock
from bot.keys import Keys

log = structlog.get_logger("alarms")


class Severity(StrEnum):
    """How bad an alarm is."""

    CRITICAL = "critical"
    WARNING = "warning"


# Every other alarm (silence, read budget, a re-seeded KB, ...) is a warning.
CRITICAL_ALARMS = frozenset(
    {
        "outbox_creditsdepleted",  # X's 402: nothing can be posted
        "outbox_usagecapped",
        "outbox_unauthorized",
        "ingest_stream_refused",  # the stream is refused; posts come late, by polling
        "redis_amnesia",  # Redis lost the desk's data; intake is held until `seva recover`
    }
)


# Set the alarm, or refresh it keeping its TTL; a fresh one is counted by name (bot.metrics)
# in the same step, so every raise counts once and a refresh never does.
def severity_of(name: str) -> Severity:
    """The severity of the alarm called ``name``."""
    return Severity.CRITICAL if name in CRITICAL_ALARMS else Severity.WARNING


def raise_lua(alarm: str, counter: str, body: str, name: str) -> str:
    """Lua that raises (or refreshes) an alarm and counts it when new (Lua expressions in).

    The one way an alarm is raised, for scripts that raise one with other writes (the
    amnesia hold, ``bot.epoch``). It leaves ``fresh`` set when the alarm is new.
    """
    return f"""
local fresh = redis.call('SET', {alarm}, {body}, 'NX')
if fresh then
  redis.call('HINCRBY', {counter}, {name}, 1)
else
  redis.call('SET', {alarm}, {body}, 'XX', 'KEEPTTL')
end
"""


def alarm_body(clock: Clock, name: str, detail: str) -> str:
    """The stored JSON of an alarm."""
    return json.dumps(
        {"detail": detail, "since": clock.now().isoformat(), "severity": severity_of(name)}
    )


_RAISE = raise_lua("KEYS[1]", "KEYS[2]", "ARGV[1]", "ARGV[2]") + "return fresh and 1 or 0\n"


async def raise_alarm(  # noqa: PLR0917 (mirrors clear_alarm; all are required)
    redis: Redis,
    keys: Keys,
    clock: Clock,
    name: str,
    detail: str,
    ttl_s: float | None = None,
) -> None:
    """Raise (or refresh) an alarm; log it only when it is new."""
    body = alarm_body(clock, name, detail)
    fresh = await redis.eval(_RAISE, 2, keys.alarm(name), keys.counter("alarms"), body, name)
    if ttl_s:
        await redis.expire(keys.alarm(name), int(ttl_s))
    if fresh:
        log.error("alarm raised", alarm=name, detail=detail, severity=severity_of(name))


async def clear_alarm(redis: Redis, keys: Keys, name: str) -> None:
    """Clear an alarm; log if it was raised."""
    if await redis.delete(keys.alarm(name)):
        log.info("alarm cleared", alarm=name)
