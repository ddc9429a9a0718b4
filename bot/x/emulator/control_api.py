"""The control API under ``/_emulator/``: tests and the demo's crowd steer the emulator here.

It takes the admin token, and its calls are counted apart from X's endpoints, so a test can
prove the daemon never touches it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.x.emulator.auth import bearer
from bot.x.emulator.faults import STREAM_FAULTS, Fault
from bot.x.emulator.respond import json_response
from bot.x.emulator.runtime import RUNTIME
from bot.x.emulator.state import WorldError

PREFIX = "/_emulator/"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str) -> web.Response:
    return json_response({"error": message}, status)


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.text() or "{}")
    except ValueError as err:
        raise web.HTTPBadRequest(text="body is not JSON") from err
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return body


@web.middleware
async def control_gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count control calls and require the admin token."""
    if not request.path.startswith(PREFIX):
        return await handler(request)
    runtime = request.app[RUNTIME]
    runtime.control_calls += 1
    if bearer(request) != runtime.config.admin_token:
        return _error(401, "the control API needs Authorization: Bearer <admin token>")
    try:
        return await handler(request)
    except WorldError as err:
        return _error(404 if str(err).startswith("no such") else 409, str(err))
    except (ValueError, TypeError, KeyError) as err:
        return _error(400, str(err))


async def create_user(request: web.Request) -> web.Response:
    """Create an account; answer its id, username, name and user token."""
    body = await _json(request)
    user = request.app[RUNTIME].world.add_user(str(body["username"]), body.get("name"))
    return json_response(user.public(), 201)


async def publish(request: web.Request) -> web.Response:
    """Publish a post as any user, as if typed in X's app (no API restrictions apply)."""
    runtime = request.app[RUNTIME]
    body = await _json(request)
    author = runtime.world.find_user(str(body["author"]))
    post = runtime.world.create_post(
        author,
        str(body.get("text", "")),
        in_reply_to=body.get("in_reply_to"),
        quote_of=body.get("quote_of"),
        retweet_of=body.get("retweet_of"),
        lang=body.get("lang"),
    )
    return json_response(post.full(runtime.world), 201)


async def list_posts(request: web.Request) -> web.Response:
    """List posts, oldest first, optionally by author (id or handle) or parent post."""
    runtime = request.app[RUNTIME]
    world = runtime.world
    author = request.query.get("author")
    author_id = world.find_user(author).id if author else None
    parent = request.query.get("in_reply_to")
    posts = [
        p.full(world)
        for p in reversed(world.newest_first())
        if (author_id is None or p.author_id == author_id)
        and (parent is None or p.ref("replied_to") == parent)
    ]
    return json_response({"data": posts})


async def arm_fault(request: web.Request) -> web.Response:
    """Arm a fault for the next ``count`` requests of an endpoint."""
    runtime = request.app[RUNTIME]
    body = await _json(request)
    fault = Fault(
        endpoint=str(body.get("endpoint", "*")),
        kind=str(body["kind"]),
        count=int(body.get("count", 1)),
        delay_s=float(body.get("delay_s", 0.0)),
    )
    runtime.faults.arm(fault)
    if fault.kind in STREAM_FAULTS and runtime.stream is not None:
        runtime.stream.queue.put_nowait("wake")  # act on the open connection now
    return json_response({"armed": fault.__dict__}, 201)


async def reset(request: web.Request) -> web.Response:
    """Forget everything except the config; the ministry keeps its token, gets a new id."""
    runtime = request.app[RUNTIME]
    runtime.reset()
    return json_response({"ministry": runtime.ministry_info()})


async def calls(request: web.Request) -> web.Response:
    """Return how many control calls (this one included) and X API calls were made."""
    runtime = request.app[RUNTIME]
    return json_response({"control": runtime.control_calls, "api": dict(runtime.api_calls)})


async def bill(request: web.Request) -> web.Response:
    """Return the app's bill: posts (plain, with URL, summoned replies) and reads."""
    return json_response(request.app[RUNTIME].bill.to_dict())


async def set_config(request: web.Request) -> web.Response:
    """Change config fields at run time; answer the whole config."""
    runtime = request.app[RUNTIME]
    runtime.config.update(await _json(request))
    return json_response(runtime.config.to_dict())


async def ministry(request: web.Request) -> web.Response:
    """Return the ministry account's id, username and token."""
    return json_response(request.app[RUNTIME].ministry_info())


def add_routes(app: web.Application) -> None:
    """Register the control routes."""
    app.router.add_post(PREFIX + "users", create_user)
    app.router.add_post(PREFIX + "posts", publish)
    app.router.add_get(PREFIX + "posts", list_posts)
    app.router.add_post(PREFIX + "faults", arm_fault)
    app.router.add_post(PREFIX + "reset", reset)
    app.router.add_get(PREFIX + "calls", calls)
    app.router.add_get(PREFIX + "bill", bill)
    app.router.add_post(PREFIX + "config", set_config)
    app.router.add_get(PREFIX + "ministry", ministry)
