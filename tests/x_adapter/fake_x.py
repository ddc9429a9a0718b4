"""A tiny scripted X over real HTTP, for adapter unit tests that must not wait for the emulator.

It answers with bodies shaped like X's (some taken from tweepy's recorded cassettes), records
every request it saw, and lets a test queue one-off answers per path or script the stream.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Canned:
    """One scripted answer."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def response(self) -> web.Response:
        text = self.body if isinstance(self.body, str) else json.dumps(self.body)
        return web.Response(
            status=self.status, text=text, headers=self.headers, content_type=self.content_type
        )


@dataclass
class StreamScript:
    """What one stream connection does: lines to send, then close (or hold until cancelled)."""

    lines: list[str] = field(default_factory=list)
    hold: bool = False
    silent: bool = False  # hold without keep-alives (the read timeout must fire)
    status: int = 200
    body: Any = None


@dataclass
class Seen:
    """A request the fake received."""

    method: str
    path: str
    host: str
    query: dict[str, str]
    authorization: str
    json: Any


class FakeX:
    """State and handlers of the fake."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.queued: dict[str, deque[Canned]] = defaultdict(deque)
        self.mention_pages: dict[str | None, dict[str, Any]] = {}
        self.streams: deque[StreamScript] = deque()
        self.stream_connects: list[float] = []
        self.base_url = ""

    def queue(self, path: str, canned: Canned, times: int = 1) -> None:
        """Answer the next ``times`` requests to ``path`` with ``canned``."""
        self.queued[path].extend([canned] * times)

    async def _record(self, request: web.Request) -> Canned | None:
        body = await request.json() if request.can_read_body else None
        self.seen.append(
            Seen(
                request.method,
                request.path,
                request.host,
                dict(request.query),
                request.headers.get("Authorization", ""),
                body,
            )
        )
        queue = self.queued.get(request.path)
        return queue.popleft() if queue else None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        canned = await self._record(request)
        if canned is not None:
            return canned.response()
        path = request.path
        if path == "/2/users/me":
            return web.json_response(
                {"data": {"id": "42", "name": "Seva", "username": "MoCI_Seva"}}
            )
        if path.endswith("/mentions"):
            return web.json_response(self.mention_pages[request.query.get("pagination_token")])
        if path == "/2/tweets" and request.method == "POST":
            data = self.seen[-1].json
            return web.json_response(
                {"data": {"id": "900", "text": data["text"], "edit_history_tweet_ids": ["900"]}},
                status=201,
            )
        if path == "/2/tweets/search/stream":
            return await self._stream(request)
        return web.json_response({"title": "Not Found Error", "status": 404}, status=404)

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        self.stream_connects.append(asyncio.get_running_loop().time())
        script = self.streams.popleft() if self.streams else StreamScript(hold=True)
        if script.status != 200:
            return Canned(script.status, script.body).response()
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        await resp.prepare(request)
        try:
            for line in script.lines:
                await resp.write(line.encode() + b"\r\n")
            while script.hold:
                await asyncio.sleep(0.05)
                if not script.silent:
                    await resp.write(b"\r\n")
        except ConnectionError:
            pass  # the client went away (a timeout, a stop): nothing to tell it
        return resp


@asynccontextmanager
async def running_fake() -> AsyncIterator[FakeX]:
    """Serve a ``FakeX`` on a free loopback port."""
    fake = FakeX()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.base_url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()
