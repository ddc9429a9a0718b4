"""The filtered stream: tweepy parses the lines, the adapter owns every reconnect.

tweepy's ``AsyncBaseStream._connect`` loops forever and sleeps between attempts for times it
hard-codes (5 s for HTTP errors, 60 s for 429), and it reports a failed connect to its hooks
with the status code only, so a 429 ``TooManyConnections`` cannot be told from a rate limit.
``OneShotStream`` therefore replaces ``_connect`` with a single attempt on the configured
host that raises a mapped ``XError`` when it ends; ``StreamRunner`` reconnects with the
settings-driven ``XBackoffs`` and tells ingest about every drop so it can backfill.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from tweepy.asynchronous import AsyncStreamingClient

from bot import logs
from bot.clock import Clock
from bot.errors import TransientNetworkError, XError
from bot.settings import Settings
from bot.x import host, parse
from bot.x.backoff import XBackoffs, retry_delay
from bot.x.errors_map import map_error
from bot.x.models import Post, Source, StreamEvents

log = logs.get(__name__)

OnPost = Callable[[Post], Awaitable[None]]


class HandlerError(Exception):
    """The caller's ``on_post`` failed; the connection is dropped and ingest backfills."""


class OneShotStream(AsyncStreamingClient):  # type: ignore[misc]  # tweepy is untyped
    """tweepy's streaming client, connecting once to ``base_url`` and never sleeping.

    Parsing stays tweepy's (``on_data`` builds the ``StreamResponse``); the loop, the
    sleeps and the hard-coded host are replaced. Every way the attempt can end raises:
    an ``XError`` for X's answers, in-stream error lines and a closed connection, an
    aiohttp error or timeout for the network (the runner maps those), ``HandlerError``
    when ``on_post`` fails.
    """

    def __init__(
        self,
        bearer_token: str,
        *,
        base_url: str,
        session: aiohttp.ClientSession,
        read_timeout_s: float,
        on_post: OnPost,
        on_connected: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(bearer_token, return_type=dict, max_retries=0)
        self.session = session
        self._base_url = base_url
        self._read_timeout_s = read_timeout_s
        self._on_post = on_post
        self._on_connected = on_connected
        self.connected = False

    async def _connect(
        self, method: str, endpoint: str, params: dict[str, Any] | None = None, **_: Any
    ) -> None:
        """Connect once; read lines until X or the network ends the connection."""
        url = host.stream_url(self._base_url, endpoint)
        headers = {"Authorization": f"Bearer {self.bearer_token}", "User-Agent": self.user_agent}
        # sock_read is the keep-alive watchdog: X sends a bare \r\n at least every 20 s.
        timeout = aiohttp.ClientTimeout(total=None, sock_read=self._read_timeout_s)
        async with self.session.request(
            method, url, params=params, headers=headers, timeout=timeout
        ) as resp:
            if resp.status != 200:  # noqa: PLR2004  # the stream's only success status
                raise map_error(status=resp.status, headers=resp.headers, body=await resp.read())
            self.connected = True
            await self.on_connect()
            async for raw in resp.content:
                line = raw.strip()
                if not line:
                    await self.on_keep_alive()
                    continue
                try:
                    await self.on_data(line)
                except (ValueError, KeyError, TypeError) as exc:
                    # One garbled line is not worth a reconnect (and a backfill).
                    log.warning("x.stream.bad_line", error=f"{type(exc).__name__}: {exc}")
        raise TransientNetworkError("stream closed by X")

    async def on_connect(self) -> None:
        """Log the connection (tweepy's default logs through stdlib logging)."""
        log.info("x.stream.connected")
        if self._on_connected is not None:
            await self._on_connected()

    async def on_keep_alive(self) -> None:
        """Keep-alives only reset the read timeout; nothing to do."""

    async def on_errors(self, errors: list[dict[str, Any]]) -> None:
        """Errors are handled with the whole line in ``on_response``."""

    async def on_response(self, response: Any) -> None:
        """Deliver a matched post, or end the attempt on an in-stream error line."""
        if response.data is None:
            if response.errors:
                # operational-disconnect and friends: X closes the connection after them.
                raise map_error(body={"errors": response.errors})
            return
        includes = {
            "users": [u.data for u in response.includes.get("users", ())],
            "tweets": [t.data for t in response.includes.get("tweets", ())],
        }
        post = parse.post(
            response.data.data,
            parse.users_by_id(includes),
            Source.STREAM,
            [rule.tag for rule in response.matching_rules],
            authors=parse.authors_by_post(includes),
        )
        try:
            await self._on_post(post)
        except Exception as exc:
            raise HandlerError(f"{type(exc).__name__}: {exc}") from exc


class StreamRunner:
    """Holds the stream until ``stop`` is set, reconnecting with the adapter's backoff."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        session: Callable[[], aiohttp.ClientSession],
        bearer_token: str,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._session = session
        self._bearer = bearer_token
        self.attempts = 0  # connects tried, for tests and metrics

    async def run(self, events: StreamEvents, stop: asyncio.Event) -> None:
        """Connect, deliver, and after every drop call ``on_disconnect`` and back off.

        Returns when ``stop`` is set. Raises the ``XError`` of a failure that waiting does
        not cure (bad credentials, usage cap, credits): those need a human.
        """
        backoffs = XBackoffs.from_settings(self._settings)
        while not stop.is_set():
            client = OneShotStream(
                self._bearer,
                base_url=self._settings.x_base_url,
                session=self._session(),
                read_timeout_s=self._settings.x_stream_read_timeout_s,
                on_post=events.on_post,
                on_connected=events.on_connect,
            )
            self.attempts += 1
            error = await self._attempt(client, stop)
            if error is None:
                return
            if client.connected:
                backoffs.reset()  # a drop after a good connection starts the schedules over
            if isinstance(error, HandlerError):
                delay: float | None = backoffs.http.next()
                reason = f"handler failed: {error}"
            else:
                xerr = map_error(error)
                delay = retry_delay(xerr, backoffs, self._clock.now())
                reason = f"{type(xerr).__name__}: {xerr}"
            log.warning("x.stream.disconnected", reason=reason, retry_in_s=delay)
            await events.on_disconnect(reason)
            if delay is None:
                raise map_error(error) from error
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)

    async def _attempt(self, client: OneShotStream, stop: asyncio.Event) -> BaseException | None:
        """Run one connection until it fails (return why) or ``stop`` is set (``None``)."""
        task = client.filter(
            expansions=list(parse.EXPANSIONS),
            tweet_fields=list(parse.TWEET_FIELDS),
            user_fields=list(parse.USER_FIELDS),
        )
        stopping = asyncio.ensure_future(stop.wait())
        try:
            done, _ = await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pending in (task, stopping):
                pending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(task, stopping, return_exceptions=True)
        if task not in done:
            return None  # stop was set while connected: not a drop
        exc = task.exception()
        if exc is None:  # _connect always raises; a bare return is a closed stream too
            return TransientNetworkError("stream ended")
        if isinstance(exc, XError | HandlerError | aiohttp.ClientError | TimeoutError | OSError):
            return exc
        raise exc
