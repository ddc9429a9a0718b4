"""The composition root: settings in, a running daemon out.

``build()`` is the only place that reads settings and constructs clients; every role
factory receives what it needs (``RoleDeps`` and the shared clients of its role), and no
role imports this module. Shared clients are built on first use, so a process builds only
what its roles use: one whose roles never talk to X builds no X client and needs no X
token. ``daemon.py`` and ``seva run`` call ``main()``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click
import structlog

from bot import logs
from bot.clock import Clock, SystemClock
from bot.errors import StoreAuthError
from bot.kb.source import FileKB, RedisKB, Reseed
from bot.keys import Keys
from bot.lifecycle import Role, RoleDeps, Runner, freeze_heap
from bot.retry import Backoff
from bot.settings import ALL_ROLES, Settings, load_settings
from bot.store import connect, wait_ready
from bot.tickets.store import TicketStore
from bot.x.models import XClient

if TYPE_CHECKING:
    from bot.nlu.client import NLUClient

# The roles' modules (spaCy, tweepy, twitter-text, the web stack) are imported by the
# builders below, only for the roles a process runs: an ingest-only daemon starts in a
# fraction of the time, which tests and restarts after a crash pay many times over.

log = structlog.get_logger("app")


@dataclass
class Deps(RoleDeps):
    """Everything a role may need, built once per process. Shared clients are built lazily."""

    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # The shared clients, each built on first use by its accessor below.
    x: XClient | None = None
    accounts: dict[str, XClient] | None = None
    kb: RedisKB | None = None
    nlu: NLUClient | None = None
    tickets: TicketStore | None = None


def x_client(deps: Deps) -> XClient:
    """Return the process's one X client (the tweepy adapter), built on first use.

    The X credentials are checked here, so only a process whose roles talk to X needs them.
    """
    from bot.x.adapter import TweepyXClient

    if deps.x is None:
        deps.settings.require_x_credentials()
        deps.x = TweepyXClient(deps.settings, deps.clock)
        deps.closers.append(deps.x.close)
    return deps.x


def x_accounts(deps: Deps) -> dict[str, XClient]:
    """One X client per department handle with a user token: the same adapter, as that handle."""
    from bot.x.adapter import TweepyXClient

    if deps.accounts is None:
        deps.settings.require_x_credentials()
        deps.accounts = {}
        for handle, token in deps.settings.handle_tokens().items():
            client = TweepyXClient(deps.settings, deps.clock, user_token=token.get_secret_value())
            deps.closers.append(client.close)
            deps.accounts[handle] = client
    return deps.accounts


def kb_source(deps: Deps) -> RedisKB:
    """Return the live knowledge base (Redis), shared by every role of the process."""
    if deps.kb is None:
        reseed = Reseed(
            files=FileKB(deps.settings.kb_dir, deps.settings.responses_dir),
            clock=deps.clock,
            who=f"daemon {deps.settings.instance_id} (live KB missing)",
        )
        deps.kb = RedisKB(deps.redis, deps.keys, reseed=reseed)
    return deps.kb


def nlu_client(deps: Deps) -> NLUClient:
    """Return the process's one NLU client, following the live Rasa URLs in Redis."""
    from bot.nlu.client import RasaClient

    if deps.nlu is None:
        deps.nlu = RasaClient(deps.settings, deps.clock, deps.redis, deps.keys)
        deps.closers.append(deps.nlu.close)
    return deps.nlu


def ticket_desk(deps: Deps) -> TicketStore:
    """Return the ticket store, shared by the pipeline, outbox and SLA roles."""
    if deps.tickets is None:
        deps.tickets = TicketStore(
            deps.redis,
            deps.keys,
            deps.clock,
            kb_source(deps),
            deps.settings,
            require_epoch=True,  # the daemon never issues a docket from a forgetful Redis
        )
    return deps.tickets


def _ingest(deps: Deps) -> Role:
    from bot.ingest.role import IngestRole

    return IngestRole(x_client(deps), kb_source(deps))


def _pipeline(deps: Deps) -> Role:
    from bot.pipeline import role as pipeline

    return pipeline.build_role(
        deps, kb=kb_source(deps), nlu=nlu_client(deps), tickets=ticket_desk(deps)
    )


def _outbox(deps: Deps) -> Role:
    from bot.outbox import role as outbox

    return outbox.build_role(
        deps, x=x_client(deps), accounts=x_accounts(deps), tickets=ticket_desk(deps)
    )


def _sla(deps: Deps) -> Role:
    from bot.tickets import sla

    return sla.build_role(deps, kb=kb_source(deps), store=ticket_desk(deps))


def _web(deps: Deps) -> Role:
    from bot.web.role import WebRole

    del deps  # the web app builds its own from the role's context (bot.web.app.create_app)
    return WebRole()


# Role name -> what builds it; only the selected roles are built (and their clients).
ROLE_BUILDERS: dict[str, Callable[[Deps], Role]] = {
    "ingest": _ingest,
    "pipeline": _pipeline,
    "outbox": _outbox,
    "sla": _sla,
    "web": _web,
}


def build(settings: Settings, clock: Clock | None = None) -> tuple[Runner, Deps]:
    """Build the runner and its dependencies for the configured roles."""
    logs.configure(
        fmt=settings.log_format, level=settings.log_level, secrets=settings.secret_values()
    )
    deps = Deps(
        settings=settings,
        redis=connect(
            settings.redis_url,
            max_connections=settings.redis_max_connections,
            wait_s=settings.redis_pool_wait_s,
        ),
        keys=Keys(settings.key_prefix),
        clock=clock or SystemClock(),
    )
    roles = [ROLE_BUILDERS[name](deps) for name in ALL_ROLES if name in settings.roles]
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
    log.info("start-up heap frozen", objects=freeze_heap())
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
