"""The one lifecycle every long-running role shares.

A role is an object with a ``name`` and ``async run(ctx)``. ``run`` works until
``ctx.stop`` is set, then finishes (drains) what it holds and returns. The ``Runner``:

1. starts every role and a heartbeat task per role;
2. on SIGTERM/SIGINT only sets the stop event (intake stops);
3. waits up to ``drain_timeout_s`` for the roles to return;
4. cancels whatever is left, under ``suppress(CancelledError)``;
5. deletes its heartbeats and closes connections in ``finally``.

A role that crashes is logged and restarted with backoff; it never takes the process down.
Its heartbeat says ``up: false`` from the crash until it has run a heartbeat TTL without
crashing again, so a role stuck in a crash loop is reported down, never up.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import signal
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog

from bot.clock import Clock
from bot.keys import Keys
from bot.retry import Backoff
from bot.settings import Settings
from bot.store import REDIS_DOWN, Redis

log = structlog.get_logger("lifecycle")


@dataclass
class RoleDeps:
    """What every role factory receives from the composition root (``bot.app``).

    A factory takes this and, as keyword arguments, the shared clients its role needs (the
    X client, the live KB, the ticket store ...), so no role imports the root.
    """

    settings: Settings
    redis: Redis
    keys: Keys
    clock: Clock


@dataclass
class RoleContext:
    """What a role receives: shared clients and the stop signal."""

    settings: Settings
    redis: Redis
    keys: Keys
    clock: Clock
    stop: asyncio.Event
    # A role may publish a small health dict here; the heartbeat carries it to Redis.
    health: dict[str, Any] = field(default_factory=dict)
    # Live figures (posts ingested, decided, posted): read at every beat, so status is current.
    gauges: dict[str, Callable[[], Any]] = field(default_factory=dict)
    # Set by the supervisor: the role's run() is executing (not crashed, not backing off).
    running: bool = False
    last_crash: float | None = None


def freeze_heap() -> int:
    """Leave what start-up built out of every later full garbage collection; how many objects.

    The daemon's code, the tables of the libraries it imports (twitter-text's emoji alone
    are thousands of objects) and its settings live as long as the process, yet each full
    collection walks them all. In ``benchmarks/desk.py`` those walks took up to 73 ms, and
    they were the queue page's p99. Frozen, they are still freed by reference counting
    when dropped; only the cyclic collector stops visiting them (``gc.freeze``).
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


class Role(Protocol):
    """A long-running part of the daemon."""

    name: str

    async def run(self, ctx: RoleContext) -> None:
        """Work until ``ctx.stop`` is set, then drain and return."""
        ...


class Runner:
    """Runs roles under the shared lifecycle."""

    def __init__(
        self,
        *,
        settings: Settings,
        redis: Redis,
        keys: Keys,
        clock: Clock,
        roles: list[Role],
        on_close: list[Callable[[], Awaitable[None]]] | None = None,
    ) -> None:
        self.settings = settings
        self.redis = redis
        self.keys = keys
        self.clock = clock
        self.roles = roles
        self.stop = asyncio.Event()
        self._on_close = on_close or []
        self.contexts: dict[str, RoleContext] = {}

    def install_signal_handlers(self) -> None:
        """Make SIGTERM and SIGINT set the stop event (and nothing else)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        if self.stop.is_set():
            log.warning("second signal; already stopping", signal=sig.name)
            return
        log.info("stopping: intake closed, draining", signal=sig.name)
        self.stop.set()

    async def run(self) -> int:
        """Run until stopped; return the process exit code."""
        role_tasks: dict[asyncio.Task[None], str] = {}
        beat_tasks: list[asyncio.Task[None]] = []
        try:
            for role in self.roles:
                ctx = RoleContext(self.settings, self.redis, self.keys, self.clock, self.stop)
                self.contexts[role.name] = ctx
                task = asyncio.create_task(self._supervise(role, ctx), name=f"role:{role.name}")
                role_tasks[task] = role.name
                beat_tasks.append(asyncio.create_task(self._beat(role.name, ctx)))
            log.info("started", roles=[r.name for r in self.roles], pid=os.getpid())
            await self.stop.wait()
            done, pending = await asyncio.wait(role_tasks, timeout=self.settings.drain_timeout_s)
            for task in pending:
                log.warning("role did not drain in time; cancelling", role=role_tasks[task])
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            log.info("drained", clean=sorted(role_tasks[t] for t in done))
        finally:
            for task in beat_tasks:
                task.cancel()
            for task in beat_tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self._clear_heartbeats()
            for close in self._on_close:
                with contextlib.suppress(Exception):
                    await close()
            with contextlib.suppress(Exception):
                await self.redis.aclose()
        log.info("stopped")
        return 0

    async def _supervise(self, role: Role, ctx: RoleContext) -> None:
        structlog.contextvars.bind_contextvars(role=role.name)
        backoff = Backoff(initial=1.0, maximum=30.0)
        while not ctx.stop.is_set():
            ctx.running = True
            try:
                await role.run(ctx)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                ctx.running = False
                delay = backoff.next()
                log.exception("role crashed; restarting", retry_in_s=delay)
                ctx.last_crash = self.clock.time()
                ctx.health["last_crash"] = ctx.last_crash
                ctx.health["last_error"] = f"{type(exc).__name__}: {exc}"[:200]
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(ctx.stop.wait(), timeout=delay)
            else:
                return
            finally:
                ctx.running = False

    async def _beat(self, role: str, ctx: RoleContext) -> None:
        key = self.keys.heartbeat(role, self.settings.instance_id)
        ttl_ms = int(self.settings.heartbeat_ttl_s * 1000)
        was_down = False
        while True:
            body = {
                "role": role,
                "instance": self.settings.instance_id,
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "ts": self.clock.time(),
                "up": self._is_up(ctx),
                **ctx.health,
                **_read_gauges(ctx),
            }
            try:
                await self.redis.set(key, json.dumps(body, default=str), px=ttl_ms)
            except REDIS_DOWN as exc:
                if not was_down:
                    log.warning("heartbeat failed: redis unreachable", role=role, error=str(exc))
                was_down = True
            else:
                if was_down:
                    log.info("heartbeat restored", role=role)
                was_down = False
            await asyncio.sleep(self.settings.heartbeat_interval_s)

    def _is_up(self, ctx: RoleContext) -> bool:
        recent = ctx.last_crash is not None and (
            self.clock.time() - ctx.last_crash < self.settings.heartbeat_ttl_s
        )
        return ctx.running and not recent

    async def _clear_heartbeats(self) -> None:
        keys = [self.keys.heartbeat(r.name, self.settings.instance_id) for r in self.roles]
        with contextlib.suppress(*REDIS_DOWN):
            await asyncio.wait_for(self.redis.delete(*keys), timeout=1.0)


def _read_gauges(ctx: RoleContext) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, read in ctx.gauges.items():
        try:
            values[name] = read()
        except Exception as exc:  # a figure must never stop the heartbeat
            values[name] = f"error: {type(exc).__name__}"
    return values
