"""``/queue/events``: the ticket moves of the user's departments, as server-sent events.

Every transition announces itself on ``Keys.ticket_events`` in the same Lua call that
makes it (``bot.tickets.transitions.announce_lua``), so following that stream misses no
move. One reader per process follows it (``bot.web.live_hub``) and feeds every open
stream; a browser reconnecting with ``Last-Event-ID`` first gets what it missed, read
back from Redis (as far as the capped stream reaches back). Entries of other departments
are dropped here, before anything is sent.
The page (``static/queue-live.js``) fetches the changed row from ``/queue/row/{docket}``,
which checks access again: an event carries no citizen text.

A stream ends when the client goes away (a failed write, or the ping finding the socket
closed), when it falls too far behind (the hub cuts it off; it reconnects and replays),
when the web role shuts down (``stop_streams`` on the app's shutdown, which runs
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
from bot.web.live_hub import Entry, MoveHub, Subscriber
from bot.web.sessions import S

LIVE_STOP = web.AppKey("live_stop", asyncio.Event)  # set once: the role is shutting down
HUB = web.AppKey("live_hub", MoveHub)  # the process's one reader of the moves stream
STREAM_ID = re.compile(r"\d{1,20}-\d{1,20}")  # a Redis stream entry id
RETRY_MS = 3000  # how soon a browser reconnects after the stream ends
LAST_EVENT_ID = "Last-Event-ID"
FIELDS = ("docket", "move", "state", "dept", "by")


async def stop_streams(app: web.Application) -> None:
    """End every open stream and the hub's reader (``on_shutdown``)."""
    app[LIVE_STOP].set()
    await app[HUB].stop()


def sees(user: User, dept: str) -> bool:
    """Whether ``user`` works on ``dept`` (an admin works on every department)."""
    return user.role is Role.ADMIN or dept in user.depts


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


async def _follow(
    request: web.Request, sse: EventSourceResponse, user: User, sub: Subscriber, missed: list[Entry]
) -> None:
    ping_s = request.app[SETTINGS].web_live_ping_s
    stop, clock = request.app[LIVE_STOP], request.app[CLOCK]
    await sse.send("live", event="ready", retry=RETRY_MS)  # also flushes the headers
    for entry_id, fields in missed:
        await _send(sse, user, entry_id, fields)
    checked = clock.time()
    while not stop.is_set() and sse.is_connected() and not sub.cut.is_set():
        entry = await _next(sub, ping_s)
        if entry is not None:
            await _send(sse, user, *entry)
        if clock.time() - checked >= ping_s:
            checked = clock.time()
            if not await _still_signed_in(request, user):
                return


async def _next(sub: Subscriber, wait_s: float) -> Entry | None:
    """The subscriber's next entry, or None after ``wait_s`` or once it is cut off."""
    if not sub.queue.empty():
        return sub.queue.get_nowait()
    got = asyncio.ensure_future(sub.queue.get())
    cut = asyncio.ensure_future(sub.cut.wait())
    try:
        await asyncio.wait({got, cut}, timeout=wait_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        cut.cancel()
        if not got.done():
            got.cancel()
    return got.result() if got.done() and not got.cancelled() else None


async def _send(sse: EventSourceResponse, user: User, entry_id: str, fields: Any) -> None:
    if sees(user, str(fields.get("dept", ""))):
        move = {name: str(fields.get(name, "")) for name in FIELDS}
        await sse.send(json.dumps(move), id=entry_id, event="move")


async def events(request: web.Request) -> web.StreamResponse:
    """Follow the ticket moves of the user's departments until the client or the role stops."""
    user = signed_in(request)
    ping_s = request.app[SETTINGS].web_live_ping_s
    hub = request.app[HUB]
    last = request.headers.get(LAST_EVENT_ID) or ""
    # Redis down before the headers go out is still the plain 503 page.
    async with hub.subscribe() as (sub, since):
        missed = await hub.replay(last, since) if STREAM_ID.fullmatch(last) else []
        async with sse_response(request, ping_interval=ping_s) as sse:
            # The browser went away mid-write: end the stream (it reconnects after RETRY_MS
            # from its last event, and replays what it missed).
            with contextlib.suppress(*REDIS_DOWN):
                await _follow(request, sse, user, sub, missed)
    return sse
