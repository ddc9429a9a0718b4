"""``/queue/events``: the ticket moves of the user's departments, as server-sent events.

Every transition announces itself on ``Keys.ticket_events`` in the same Lua call that
makes it (``bot.tickets.transitions.announce_lua``), so following that stream misses no
move. The stream is read with XREAD BLOCK from the browser's ``Last-Event-ID`` (a
reconnect replays what it missed, as far as the capped stream reaches back) or from its
newest entry; entries of other departments are dropped here, before anything is sent.
The page (``static/queue-live.js``) fetches the changed row from ``/queue/row/{docket}``,
which checks access again: an event carries no citizen text.

A stream ends when the client goes away (a failed write, or the ping finding the socket
closed), when the web role shuts down (``stop_streams`` on the app's shutdown, which runs
before aiohttp waits for open handlers, so an open stream never holds the shutdown up by
more than one scheduling round), or when its user's session no longer holds (signed out,
disabled, changed, or past the absolute timeout), rechecked every ping interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from typing import Any

from aiohttp import web
from aiohttp_session import get_session
from aiohttp_sse import EventSourceResponse, sse_response

from bot.store import REDIS_DOWN
from bot.users.model import Role, User
from bot.web.context import CLOCK, KEYS, REDIS, SETTINGS, USERS, signed_in
from bot.web.sessions import S

LIVE_STOP = web.AppKey("live_stop", asyncio.Event)  # set once: the role is shutting down
_STREAM_ID = re.compile(r"\d{1,20}-\d{1,20}")
BATCH = 100  # entries per read: a reconnect after a long gap replays in steps
RETRY_MS = 3000  # how soon a browser reconnects after the stream ends
LAST_EVENT_ID = "Last-Event-ID"
FIELDS = ("docket", "move", "state", "dept", "by")


async def stop_streams(app: web.Application) -> None:
    """End every open stream (``on_shutdown``)."""
    app[LIVE_STOP].set()


def sees(user: User, dept: str) -> bool:
    """Whether ``user`` works on ``dept`` (an admin works on every department)."""
    return user.role is Role.ADMIN or dept in user.depts


async def _start_id(request: web.Request, last_event_id: str | None) -> str:
    """Where to read from: after the browser's last event, else after the newest entry.

    ``$`` is resolved to an id once, so no entry falls between two reads.
    """
    if last_event_id and _STREAM_ID.fullmatch(last_event_id):
        return last_event_id
    newest: Any = await request.app[REDIS].xrevrange(request.app[KEYS].ticket_events, count=1)
    return str(newest[0][0]) if newest else "0-0"


async def _read(request: web.Request, after: str, block_s: float) -> list[tuple[str, Any]]:
    """Entries after ``after``, waiting up to ``block_s``; none once the role stops."""
    redis, key = request.app[REDIS], request.app[KEYS].ticket_events
    read = asyncio.ensure_future(
        redis.xread({key: after}, count=BATCH, block=max(1, int(block_s * 1000)))
    )
    stopping = asyncio.ensure_future(request.app[LIVE_STOP].wait())
    try:
        await asyncio.wait({read, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not read.done():
            read.cancel()  # redis-py drops the connection of a cancelled command
            with contextlib.suppress(asyncio.CancelledError):
                await read
    if read.cancelled():
        return []
    answer: Any = read.result()
    return [(str(i), f) for _stream, entries in answer or [] for i, f in entries]


async def _still_signed_in(request: web.Request, user: User) -> bool:
    """Whether the session that opened the stream still holds (see the module docstring)."""
    session = await get_session(request)
    app = request.app
    if session.identity is None or not await app[REDIS].exists(
        app[KEYS].session(str(session.identity))
    ):
        return False
    signed_at = float(session.get(S.signed_in_at, 0))
    if app[CLOCK].time() - signed_at > app[SETTINGS].web_absolute_timeout_s:
        return False
    now = await app[USERS].get(user.name)
    return now is not None and not now.disabled and now.generation == user.generation


async def _follow(request: web.Request, sse: EventSourceResponse, user: User, after: str) -> None:
    ping_s = request.app[SETTINGS].web_live_ping_s
    stop, clock = request.app[LIVE_STOP], request.app[CLOCK]
    await sse.send("live", event="ready", retry=RETRY_MS)  # also flushes the headers
    checked = clock.time()
    while not stop.is_set() and sse.is_connected():
        for entry_id, fields in await _read(request, after, ping_s):
            after = entry_id
            if sees(user, str(fields.get("dept", ""))):
                move = {name: str(fields.get(name, "")) for name in FIELDS}
                await sse.send(json.dumps(move), id=entry_id, event="move")
        if clock.time() - checked >= ping_s:
            checked = clock.time()
            if not await _still_signed_in(request, user):
                return


async def events(request: web.Request) -> web.StreamResponse:
    """Follow the ticket moves of the user's departments until the client or the role stops."""
    user = signed_in(request)
    ping_s = request.app[SETTINGS].web_live_ping_s
    # Read before the headers go out: Redis down here is still the plain 503 page.
    after = await _start_id(request, request.headers.get(LAST_EVENT_ID))
    async with sse_response(request, ping_interval=ping_s) as sse:
        # The browser went away mid-write, or Redis did: end the stream; the browser
        # reconnects after RETRY_MS, from its last event, and gets the 503 while Redis is down.
        with contextlib.suppress(*REDIS_DOWN):
            await _follow(request, sse, user, after)
    return sse
