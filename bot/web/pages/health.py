"""``/healthz``, ``/readyz``, ``/metrics``: for load balancers, probes and Prometheus."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.health import check
from bot.users.model import Role
from bot.web.context import KEYS, METRICS, REDIS, SETTINGS, current_user


async def healthz(_request: web.Request) -> web.Response:
    """The process is alive and its event loop answers."""
    return web.json_response({"ok": True})


async def readyz(request: web.Request) -> web.Response:
    """Redis answers and every role beats; the details (roles, alarms) only for an admin."""
    app = request.app
    health = await check(app[REDIS], app[KEYS], list(app[SETTINGS].roles))
    status = 200 if health.ok else 503
    user = current_user(request)
    if user is not None and user.role is Role.ADMIN:
        return web.json_response(health.to_json(), status=status)
    return web.json_response({"ok": health.ok}, status=status)


async def metrics(request: web.Request) -> web.Response:
    """Prometheus metrics of the whole desk, read from Redis now (``bot.metrics``)."""
    body = await request.app[METRICS].render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
