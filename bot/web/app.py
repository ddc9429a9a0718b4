"""The web role's aiohttp application: /healthz, /readyz, /metrics (dashboards come later)."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.health import check
from bot.keys import Keys
from bot.settings import Settings
from bot.store import Redis

REDIS_KEY = web.AppKey("redis", Redis)
KEYS_KEY = web.AppKey("keys", Keys)
SETTINGS_KEY = web.AppKey("settings", Settings)


async def healthz(_request: web.Request) -> web.Response:
    """The process is alive and its event loop answers."""
    return web.json_response({"ok": True})


async def readyz(request: web.Request) -> web.Response:
    """Redis is reachable and every configured role is beating."""
    app = request.app
    health = await check(app[REDIS_KEY], app[KEYS_KEY], list(app[SETTINGS_KEY].roles))
    return web.json_response(health.to_json(), status=200 if health.ok else 503)


async def metrics(_request: web.Request) -> web.Response:
    """Prometheus metrics of this process."""
    body = generate_latest()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def create_app(settings: Settings, redis: Redis, keys: Keys) -> web.Application:
    """Build the application; later issues add the dashboard's routes here."""
    app = web.Application()
    app[SETTINGS_KEY] = settings
    app[REDIS_KEY] = redis
    app[KEYS_KEY] = keys
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app
