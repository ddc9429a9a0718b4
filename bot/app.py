"""The composition root: settings in, a running daemon out.

``build()`` is the only place that reads settings and constructs clients; every role
receives what it needs through ``Deps``. ``daemon.py`` and ``seva run`` call ``main()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import click
import structlog

from bot import logs
from bot.clock import Clock, SystemClock
from bot.errors import SettingsError, StoreAuthError
from bot.keys import Keys
from bot.lifecycle import Role, Runner
from bot.retry import Backoff
from bot.settings import ALL_ROLES, Settings, load_settings
from bot.store import Redis, connect, wait_ready
from bot.x.models import XClient

log = structlog.get_logger("app")

# role name -> "module:function"; the function takes Deps and returns a Role.
ROLE_FACTORIES: dict[str, str] = {
    "ingest": "bot.ingest.role:build_role",
    "pipeline": "bot.pipeline.role:build_role",
    "outbox": "bot.outbox.role:build_role",
    "sla": "bot.tickets.sla:build_role",
    "web": "bot.web.role:build_role",
}


@dataclass
class Deps:
    """Everything a role may need, built once. Clients that need I/O are created lazily."""

    settings: Settings
    redis: Redis
    keys: Keys
    clock: Clock
    masker: logs.Masker
    # Shared singletons built on first use (the X client, the NLU client, the KB ...).
    _singletons: dict[str, Any] = field(default_factory=dict)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def singleton(self, name: str, factory: Callable[[], Any]) -> Any:
        """Return the shared instance ``name``, building it with ``factory`` the first time."""
        if name not in self._singletons:
            self._singletons[name] = factory()
        return self._singletons[name]


def x_client(deps: Deps) -> XClient:
    """Return the process's one X client (the tweepy adapter), built on first use."""

    def factory() -> XClient:
        # Imported by name: the tweepy adapter arrives with the X adapter issue, and a
        # process whose roles never talk to X must not need it.
        adapter = importlib.import_module("bot.x.adapter")
        client: XClient = adapter.TweepyXClient(deps.settings, deps.clock)
        deps.closers.append(client.close)
        return client

    client: XClient = deps.singleton("x", factory)
    return client


def x_accounts(deps: Deps) -> dict[str, XClient]:
    """One X client per department handle with a user token: the same adapter, as that handle."""

    def factory() -> dict[str, XClient]:
        adapter = importlib.import_module("bot.x.adapter")
        clients: dict[str, XClient] = {}
        for handle, token in deps.settings.handle_tokens().items():
            client: XClient = adapter.TweepyXClient(
                deps.settings, deps.clock, user_token=token.get_secret_value()
            )
            deps.closers.append(client.close)
            clients[handle] = client
        return clients

    clients: dict[str, XClient] = deps.singleton("x_accounts", factory)
    return clients


def kb_source(deps: Deps) -> Any:
    """Return the live knowledge base (Redis), shared by every role of the process."""
    from bot.kb.source import FileKB, RedisKB, Reseed

    reseed = Reseed(
        files=FileKB(deps.settings.kb_dir, deps.settings.responses_dir),
        clock=deps.clock,
        who=f"daemon {deps.settings.instance_id} (live KB missing)",
    )
    return deps.singleton("kb", lambda: RedisKB(deps.redis, deps.keys, reseed=reseed))


def nlu_client(deps: Deps) -> Any:
    """Return the process's one NLU client, following the live Rasa URLs in Redis."""
    from bot.nlu.client import RasaClient

    def factory() -> Any:
        client = RasaClient(deps.settings, deps.clock, deps.redis, deps.keys)
        deps.closers.append(client.close)
        return client

    return deps.singleton("nlu", factory)


def ticket_desk(deps: Deps) -> Any:
    """Return the ticket store (``bot.tickets``), shared by the pipeline, SLA and web roles."""
    tickets = importlib.import_module("bot.tickets.store")
    return deps.singleton(
        "tickets",
        lambda: tickets.TicketStore(
            deps.redis,
            deps.keys,
            deps.clock,
            kb_source(deps),
            deps.settings,
            require_epoch=True,  # the daemon never issues a docket from a forgetful Redis
        ),
    )


def build_role(name: str, deps: Deps) -> Role:
    """Construct one role through its factory."""
    module_name, func = ROLE_FACTORIES[name].split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module_name.startswith(exc.name):
            raise
        raise SettingsError(
            [
                (
                    "SEVA_ROLES",
                    (
                        f"role {name!r} is not part of this build yet ({module_name} is missing); "
                        f"choose from the built roles, e.g. SEVA_ROLES=web"
                    ),
                )
            ]
        ) from None
    factory = getattr(module, func)
    role: Role = factory(deps)
    return role


def build(settings: Settings, clock: Clock | None = None) -> tuple[Runner, Deps]:
    """Build the runner and its dependencies for the configured roles."""
    masker = logs.configure(
        fmt=settings.log_format, level=settings.log_level, secrets=settings.secret_values()
    )
    settings.require_x_credentials()
    deps = Deps(
        settings=settings,
        redis=connect(settings.redis_url),
        keys=Keys(settings.key_prefix),
        clock=clock or SystemClock(),
        masker=masker,
    )
    roles = [build_role(name, deps) for name in ALL_ROLES if name in settings.roles]
    runner = Runner(
        settings=settings,
        redis=deps.redis,
        keys=deps.keys,
        clock=deps.clock,
        roles=roles,
        on_close=deps.closers,
    )
    return runner, deps


async def serve(settings: Settings) -> int:
    """Run the daemon until SIGTERM/SIGINT; return the exit code."""
    runner, deps = build(settings)
    runner.install_signal_handlers()
    log.info(
        "seva starting",
        roles=settings.roles,
        instance=settings.instance_id,
        account=settings.account_handle,
        redis=settings.redis_url,
    )
    # Redis may not be up yet (compose starts everything at once): wait, but stay stoppable.
    backoff = Backoff(settings.redis_backoff_initial_s, settings.redis_backoff_max_s)
    try:
        ready = await wait_ready(deps.redis, backoff, deps.clock, runner.stop)
    except StoreAuthError as err:
        # A configuration error: the message says it all, a traceback would add nothing.
        log.error("redis refused our credentials; not starting", error=str(err))  # noqa: TRY400
        await deps.redis.aclose()
        return 2
    if not ready:
        with contextlib.suppress(Exception):
            await deps.redis.aclose()
        return 0
    return await runner.run()


def main(roles: str | None = None) -> int:
    """Build settings from the environment and run; exit 2 with a clear message if invalid."""
    overrides: dict[str, Any] = {}
    if roles:
        overrides["roles"] = roles
    settings = load_settings(**overrides)
    return asyncio.run(serve(settings))


@click.command("run")
@click.option("--roles", help="comma-separated roles (default: SEVA_ROLES, or all)")
def run_command(roles: str | None) -> None:
    """Run the daemon (the same as ``python daemon.py``)."""
    raise SystemExit(main(roles))
