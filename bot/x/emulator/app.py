"""The composition root: ``create_app(config)`` builds the emulator's aiohttp application."""

from __future__ import annotations

from aiohttp import web

from bot.clock import Clock
from bot.x.emulator import control_api, stream_api, tweets_api, users_api
from bot.x.emulator.auth import AuthKind
from bot.x.emulator.config import EmulatorConfig
from bot.x.emulator.gate import ENDPOINT, Endpoint, Handler, gate
from bot.x.emulator.params import accepted
from bot.x.emulator.runtime import RUNTIME, Runtime

# (method, path, handler, endpoint name, accepted auth). Search and stream come before
# /2/tweets/{id} only for readability: the id pattern takes digits alone.
ROUTES: tuple[tuple[str, str, Handler, str, AuthKind], ...] = (
    ("GET", "/2/users/me", users_api.me, "me", "user"),
    ("GET", r"/2/users/{id:\d+}/mentions", users_api.mentions, "mentions", "either"),
    ("GET", r"/2/users/{id:\d+}/tweets", users_api.timeline, "timeline", "either"),
    ("GET", r"/2/users/{id:\d+}", users_api.user_by_id, "users", "either"),
    ("GET", "/2/users/by/username/{username}", users_api.user_by_username, "users", "either"),
    ("GET", "/2/users", users_api.users_by_ids, "users", "either"),
    ("GET", "/2/users/by", users_api.users_by_usernames, "users", "either"),
    ("POST", "/2/tweets", tweets_api.create, "post_tweets", "user"),
    ("GET", "/2/tweets", tweets_api.lookup_many, "lookup", "either"),
    ("GET", "/2/tweets/search/recent", tweets_api.search_recent, "search", "either"),
    ("GET", "/2/tweets/search/stream", stream_api.stream, "stream", "app"),
    ("GET", "/2/tweets/search/stream/rules", stream_api.get_rules, "rules", "app"),
    ("POST", "/2/tweets/search/stream/rules", stream_api.post_rules, "rules", "app"),
    ("GET", r"/2/tweets/{id:\d+}", tweets_api.lookup_one, "lookup", "either"),
    ("DELETE", r"/2/tweets/{id:\d+}", tweets_api.delete, "delete", "user"),
)


def create_app(
    config: EmulatorConfig | None = None, *, clock: Clock | None = None
) -> web.Application:
    """Build the emulator: X's endpoints behind the gate, and the control API."""
    app = web.Application(middlewares=[control_api.control_gate, gate])
    app[RUNTIME] = Runtime(config or EmulatorConfig(), clock)
    endpoints: dict[tuple[str, str], Endpoint] = {}
    for method, path, handler, name, auth in ROUTES:
        route = app.router.add_route(method, path, handler)
        canonical = route.resource.canonical if route.resource else path
        params = accepted(method, canonical)
        if params is None:
            raise RuntimeError(f"no query-parameter list for {method} {canonical}")
        endpoints[(method, canonical)] = Endpoint(name, auth, params)
    app[ENDPOINT] = endpoints
    control_api.add_routes(app)
    return app
