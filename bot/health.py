"""Health of Redis and of every role, for ``seva status``, ``/readyz`` and the Dockerfile."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

import click
from redis.exceptions import AuthenticationError

from bot.alarms import Severity, severity_of
from bot.keys import Keys
from bot.store import REDIS_DOWN, Redis, auth_error, connect
from bot.textsafe import echo


@dataclass
class RoleHealth:
    """One role across every daemon instance."""

    role: str
    up: bool
    instances: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Health:
    """The whole desk."""

    redis: bool
    redis_error: str | None
    roles: list[RoleHealth]
    alarms: dict[str, Any]

    @property
    def critical(self) -> list[str]:
        """The raised alarms whose severity is critical."""
        return sorted(n for n in self.alarms if severity_of(n) is Severity.CRITICAL)

    @property
    def ok(self) -> bool:
        """Whether Redis answers, every expected role is running and no alarm is critical."""
        return self.redis and all(r.up for r in self.roles) and not self.critical

    def to_json(self) -> dict[str, Any]:
        """A machine-readable form."""
        return {"ok": self.ok, "critical": self.critical, **asdict(self)}


async def check(redis: Redis, keys: Keys, roles: list[str], timeout_s: float = 2.0) -> Health:
    """Read heartbeats and alarms; never raise because Redis is down."""
    try:
        async with asyncio.timeout(timeout_s):
            await redis.ping()
            beats = await _scan_json(redis, keys.heartbeat_pattern())
            alarms = await _scan_json(redis, keys.alarm_pattern())
    except (*REDIS_DOWN, TimeoutError) as exc:
        down = [RoleHealth(role=r, up=False) for r in roles]
        why = auth_error(exc, redis) if isinstance(exc, AuthenticationError) else exc
        error = str(why) or type(exc).__name__
        return Health(redis=False, redis_error=error, roles=down, alarms={})
    by_role: dict[str, list[dict[str, Any]]] = {r: [] for r in roles}
    for beat in beats.values():
        if isinstance(beat, dict) and beat.get("role") in by_role:
            by_role[beat["role"]].append(beat)
    # An instance is up only while its role runs (a crash-looping role beats "up": false).
    role_health = [
        RoleHealth(role=r, up=any(i.get("up", True) for i in b), instances=b)
        for r, b in by_role.items()
    ]
    prefix = keys.alarm("")
    named = {k.removeprefix(prefix): v for k, v in alarms.items()}
    return Health(redis=True, redis_error=None, roles=role_health, alarms=named)


async def _scan_json(redis: Redis, pattern: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    async for key in redis.scan_iter(match=pattern, count=200):
        raw = await redis.get(key)
        if raw is None:
            continue
        try:
            found[key] = json.loads(raw)
        except ValueError:
            found[key] = raw
    return found


def _instance_line(beat: dict[str, Any]) -> str:
    line = str(beat.get("instance"))
    if not beat.get("up", True):
        line += f" (crashed: {beat.get('last_error', '?')})"
    figures = [f"{k}={beat[k]}" for k in ("ingested", "decided", "posted", "failed") if k in beat]
    return line + (f" [{' '.join(figures)}]" if figures else "")


def render(health: Health) -> str:
    """A short human-readable report."""
    lines = [f"redis     {'up' if health.redis else 'DOWN'}"]
    if health.redis_error:
        lines[0] += f"  ({health.redis_error})"
    for r in health.roles:
        where = ", ".join(_instance_line(i) for i in r.instances) or "no heartbeat"
        lines.append(f"{r.role:<9} {'up' if r.up else 'DOWN':<5} {where}")
    for name, alarm in sorted(health.alarms.items()):
        label = "CRITICAL" if severity_of(name) is Severity.CRITICAL else "warning"
        lines.append(f"{label:<9} {name}: {alarm}")
    lines.append("ok" if health.ok else "NOT OK")
    return "\n".join(lines)


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="print JSON for machines")
@click.option("--strict", is_flag=True, help="also exit non-zero while a warning is raised")
def status_command(as_json: bool, strict: bool) -> None:
    """Print the health of Redis and of each role; exit 1 when something is down.

    A critical alarm (credits depleted, stream refused, Redis amnesia) also exits 1; a
    warning does only with ``--strict``.
    """
    from bot.logs import Masker
    from bot.settings import load_settings

    settings = load_settings()

    async def _run() -> Health:
        redis = connect(settings.redis_url)
        try:
            return await check(redis, Keys(settings.key_prefix), list(settings.roles))
        finally:
            await redis.aclose()

    health = asyncio.run(_run())
    # Whatever an error or a heartbeat quotes, the Redis password and tokens never show.
    masker = Masker(settings.secret_values())
    echo(masker.text(json.dumps(health.to_json(), indent=2) if as_json else render(health)))
    failed = not health.ok or (strict and bool(health.alarms))
    sys.exit(1 if failed else 0)
