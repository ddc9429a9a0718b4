"""GET /2/users/me, GET /2/users/:id/mentions, GET /2/users/:id/tweets."""

from __future__ import annotations

from aiohttp import web

from bot.x.emulator import problems
from bot.x.emulator.auth import principal
from bot.x.emulator.paging import PageSpec, ParameterError, page
from bot.x.emulator.render import FieldError, Fields, user_json
from bot.x.emulator.respond import count_read, json_response
from bot.x.emulator.runtime import RUNTIME
from bot.x.emulator.state import Post

MENTIONS = PageSpec(low=5, high=100, default=10)
TIMELINE = PageSpec(low=5, high=100, default=10)
TIMELINE_REACH = 3200  # X serves only a user's newest 3,200 posts


def field_error(host: str, err: FieldError) -> web.Response:
    """Answer an unknown field or expansion as X does (400 invalid-request)."""
    return json_response(problems.bad_parameter(host, err.parameter, err.value, err.message), 400)


def paged_response(request: web.Request, posts: list[Post], spec: PageSpec) -> web.Response:
    """Answer one page of ``posts`` as X does: 400 for bad fields or paging, reads counted."""
    runtime = request.app[RUNTIME]
    host = runtime.config.problem_host
    try:
        body, shown = page(posts, dict(request.query), spec, runtime.world, host)
    except FieldError as err:
        return field_error(host, err)
    except ParameterError as err:
        return json_response(err.body, 400)
    count_read(request, shown)
    return json_response(body)


async def me(request: web.Request) -> web.Response:
    """Return the authenticated user."""
    runtime = request.app[RUNTIME]
    user = principal(request).user
    assert user is not None  # the gate lets only user context through
    try:
        fields = Fields.for_users(dict(request.query))
    except FieldError as err:
        return field_error(runtime.config.problem_host, err)
    return json_response({"data": user_json(user, fields, runtime.world)})


def _unknown_user(host: str, user_id: str) -> web.Response:
    # X answers 200 with only an ``errors`` array for an id that names nobody.
    return json_response({"errors": [problems.not_found(host, "user", user_id, "id")]})


async def mentions(request: web.Request) -> web.Response:
    """Return a page of the user's mentions (only the newest ``mentions_reach`` reachable)."""
    runtime = request.app[RUNTIME]
    host = runtime.config.problem_host
    user = runtime.world.users.get(request.match_info["id"])
    if user is None:
        return _unknown_user(host, request.match_info["id"])
    reachable = runtime.world.mentions_of(user)[: runtime.config.mentions_reach]
    return paged_response(request, reachable, MENTIONS)


async def timeline(request: web.Request) -> web.Response:
    """Return a page of the user's own posts (used to reconcile an interrupted reply)."""
    runtime = request.app[RUNTIME]
    host = runtime.config.problem_host
    user = runtime.world.users.get(request.match_info["id"])
    if user is None:
        return _unknown_user(host, request.match_info["id"])
    exclude = set(request.query.get("exclude", "").split(","))
    posts = [
        p
        for p in runtime.world.newest_first()
        if p.author_id == user.id
        and not ("retweets" in exclude and p.ref("retweeted"))
        and not ("replies" in exclude and p.ref("replied_to"))
    ][:TIMELINE_REACH]
    return paged_response(request, posts, TIMELINE)
