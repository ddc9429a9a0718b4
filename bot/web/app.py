"""The web role's aiohttp application: the desk's pages, sign-in, health and metrics.

Built once per role from the composition root's clients. Middlewares, outermost first:
the 503 page when Redis is down, the session (aiohttp-session, in Redis), then the access
check against the one route table. Security headers go on every response.
"""

from __future__ import annotations

import asyncio

import aiohttp_jinja2
import aiohttp_session
import jinja2
import structlog
from aiohttp import web

from bot.audit import AuditLog
from bot.clock import Clock, SystemClock
from bot.decision import Thresholds
from bot.kb.source import RedisKB
from bot.keys import Keys
from bot.metrics import Metrics
from bot.net import free_port
from bot.nlu.project import default_project
from bot.nlu.publish import Publisher
from bot.nlu.publish_job import PublishJobs
from bot.pipeline.effects import DeskEffects
from bot.pipeline.triage import Triage
from bot.settings import Settings
from bot.store import Redis
from bot.tickets.store import TicketStore
from bot.tickets.storm import Storms
from bot.tickets.triage import TriageInbox
from bot.tickets.workflow import Workflow
from bot.users.signin import SignIn
from bot.users.store import UserStore
from bot.web.access import ROUTE_TABLE, access_middleware
from bot.web.context import (
    AUDIT,
    CLOCK,
    KEYS,
    METRICS,
    PUBLISH,
    REDIS,
    SETTINGS,
    SIGNIN,
    TICKETS,
    USERS,
    WORKFLOW,
)
from bot.web.faults import unavailable_middleware
from bot.web.headers import add_security_headers
from bot.web.live_hub import MoveHub
from bot.web.pages.live import HUB, LIVE_STOP, stop_streams
from bot.web.pages.triage import TRIAGE
from bot.web.routes import ROUTES
from bot.web.sessions import RedisSessionStorage

log = structlog.get_logger("web")

MAX_BODY = 64 * 1024  # forms are small; a bigger body is refused (413) before parsing


def _publishes(
    settings: Settings, redis: Redis, keys: Keys, clock: Clock, audit: AuditLog
) -> PublishJobs:
    """The console's publish jobs, each with a publisher built as `seva nlu publish` builds it."""
    project = default_project(settings.nlu_dir, settings.rasa_venv)
    token = settings.rasa_token.get_secret_value() if settings.rasa_token else None

    def publisher() -> Publisher:
        return Publisher(
            redis, keys, project, thresholds=Thresholds.from_settings(settings),
            docket_prefix=settings.docket_prefix, token=token,
            follow_s=2 * settings.nlu_urls_refresh_s + 1.0, log_dir=settings.nlu_dir / "models",
            progress=lambda line: log.info("publish", line=line),
        )  # fmt: skip

    return PublishJobs(redis, keys, clock, publisher=publisher, port=free_port, audit=audit)


def create_app(
    settings: Settings, redis: Redis, keys: Keys, clock: Clock | None = None
) -> web.Application:
    """Build the application from the process's settings and clients."""
    clock = clock or SystemClock()
    app = web.Application(client_max_size=MAX_BODY, middlewares=[unavailable_middleware])
    app[SETTINGS], app[REDIS], app[KEYS], app[CLOCK] = settings, redis, keys, clock
    users = UserStore(redis, keys, clock, settings)
    tickets = TicketStore(redis, keys, clock, RedisKB(redis, keys), settings)
    app[USERS], app[SIGNIN], app[AUDIT] = users, SignIn(users), AuditLog(redis, keys, clock)
    storms = Storms(redis, keys, clock, tickets, settings)  # SEVA_STORM_* as configured
    flow = Workflow(redis, keys, clock, tickets, storms)
    app[TICKETS], app[WORKFLOW] = tickets, flow
    effects = DeskEffects(
        redis, keys, tickets, storms.composer,
        status_interval_h=settings.followup_status_interval_h, clock=clock,
    )  # fmt: skip
    app[TRIAGE] = Triage(TriageInbox(redis, keys, clock), effects, tickets, flow)
    app[METRICS] = Metrics(redis, keys, clock, settings=settings)  # the process's one registry
    app[PUBLISH] = _publishes(settings, redis, keys, clock, app[AUDIT])
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=True,  # every value is text; nothing a user typed becomes markup
        undefined=jinja2.StrictUndefined,
    )
    aiohttp_session.setup(app, RedisSessionStorage(redis, keys, settings))
    app.middlewares.append(access_middleware)
    table = {}
    for route in ROUTES:
        resource = app.router.add_resource(route.path)
        resource.add_route(route.method, route.handler)
        table[route.method, resource.canonical] = route
    app[ROUTE_TABLE] = table
    app.on_response_prepare.append(add_security_headers)
    # Open event streams end as the role shuts down, not after aiohttp's handler timeout.
    app[LIVE_STOP] = asyncio.Event()
    app[HUB] = MoveHub(redis, keys)
    app.on_shutdown.append(stop_streams)
    return app
