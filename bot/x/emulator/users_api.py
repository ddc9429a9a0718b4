"""GET /2/users/me, the user lookups, GET /2/users/:id/mentions, GET /2/users/:id/tweets."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from bot.x.emulator import problems
from bot.x.emulator.auth import principal
from bot.x.emulator.paging import PageSpec, page
from bot.x.emulator.params import ParameterError
from bot.x.emulator.render import FieldError, Fields, user_json
from bot.x.emulator.respond import count_read, json_response
from bot.x.emulator.runtime import RUNTIME
from bot.x.emulator.state import Post, User

MENTIONS = PageSpec(low=5, high=100, default=10)
TIMELINE = PageSpec(low=5, high=100, default=10)
TIMELINE_REACH = 3200  # X serves only a user's newest 3,200 posts
MAX_USERS = 100  # ids or usernames per list lookup
_USER_ID = re.compile(r"^[0-9]{1,19}$")
_USERNAME = re.compile(r"^[A-Za-z0-9_]{1,15}$")


def field_error(host: str, err: FieldError) -> web.Response:
    """Answer an unknown field or expansion as X does (400 invalid-request)."""
    return json_response(problems.bad_parameter(host, err.parameter, err.value, err.message), 400)


def paged_response(request: web.Request, posts: list[Post], spec: PageSpec) -> web.Response:
    """Answer one page of ``posts`` as X does: 400 for bad fields or paging, reads counted."""
    runtime = request.app[RUNTIME]
    host = runtime.config.problem_host
    try:
        body, shown = page(
            posts, dict(request.query), spec, runtime.world, host, now=runtime.clock.time()
        )
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


def _user_fields(request: web.Request) -> Fields | web.Response:
    try:
        return Fields.for_users(dict(request.query))
    except FieldError as err:
        return field_error(request.app[RUNTIME].config.problem_host, err)


def _refs(raw: str, parameter: str, pattern: re.Pattern[str]) -> list[str] | str:
    """Split a list parameter; return X's message instead if it is empty, long or malformed."""
    values = raw.split(",") if raw else []
    bad = next((v for v in values if not pattern.match(v)), None)
    if bad is not None:
        return f"The `{parameter}` query parameter value [{bad}] does not match {pattern.pattern}"
    if not 1 <= len(values) <= MAX_USERS:
        return f"The number of values in the `{parameter}` query parameter list [{len(values)}] is not between 1 and {MAX_USERS}"  # noqa: E501 - X's sentence
    return values


def _lookup(request: web.Request, refs: list[str], parameter: str, *, single: bool) -> web.Response:
    """Answer users found by id or username; the missing ones as ``errors``, with a 200."""
    runtime = request.app[RUNTIME]
    host = runtime.config.problem_host
    fields = _user_fields(request)
    if isinstance(fields, web.Response):
        return fields
    world = runtime.world
    found: list[User] = []
    errors: list[dict[str, Any]] = []
    for ref in refs:
        by_id = parameter.startswith("id")
        user = world.users.get(ref) if by_id else world.by_name.get(ref.lower())
        if user is None:
            errors.append(problems.not_found(host, "user", ref, parameter))
        else:
            found.append(user)
    body: dict[str, Any] = {}
    if found:
        rendered = [user_json(u, fields, world) for u in found]
        body["data"] = rendered[0] if single else rendered
    if errors:
        body["errors"] = errors
    count_read(request, len(found))
    return json_response(body)


def _one(request: web.Request, parameter: str, pattern: re.Pattern[str]) -> web.Response:
    host = request.app[RUNTIME].config.problem_host
    ref = request.match_info[parameter]
    if not pattern.match(ref):
        message = f"The `{parameter}` path parameter value [{ref}] does not match {pattern.pattern}"
        return json_response(problems.bad_parameter(host, parameter, ref, message), 400)
    return _lookup(request, [ref], parameter, single=True)


def _many(request: web.Request, parameter: str, pattern: re.Pattern[str]) -> web.Response:
    host = request.app[RUNTIME].config.problem_host
    raw = request.query.get(parameter, "")
    refs = _refs(raw, parameter, pattern)
    if isinstance(refs, str):
        return json_response(problems.bad_parameter(host, parameter, raw, refs), 400)
    return _lookup(request, refs, parameter, single=False)


async def user_by_id(request: web.Request) -> web.Response:
    """GET /2/users/:id: one user, or a 200 with only ``errors`` if the id names nobody."""
    return _one(request, "id", _USER_ID)


async def user_by_username(request: web.Request) -> web.Response:
    """GET /2/users/by/username/:username (handles match regardless of case)."""
    return _one(request, "username", _USERNAME)


async def users_by_ids(request: web.Request) -> web.Response:
    """GET /2/users?ids=: up to 100 users; unknown ids in a partial ``errors`` array."""
    return _many(request, "ids", _USER_ID)


async def users_by_usernames(request: web.Request) -> web.Response:
    """GET /2/users/by?usernames=: up to 100 users; unknown handles in ``errors``."""
    return _many(request, "usernames", _USERNAME)
