"""``TweepyXClient``: the ``XClient`` port served by tweepy 4.17's async clients.

Authentication is OAuth 2.0 only. The app bearer (``SEVA_X_BEARER_TOKEN``) reads: mentions,
search, lookups, stream rules and the stream. The ministry account's OAuth 2.0 user-context
access token (``SEVA_X_USER_ACCESS_TOKEN``) acts as the account: ``me``, posting and reading
its own posts. OAuth 1.0a is deliberately unsupported: tweepy signs the
``https://api.twitter.com`` URL, so the signature breaks as soon as the base URL points
anywhere else (``api.x.com``, the emulator; see ``bot.x.host``). Each token stands in for the
other when only one is configured, which is enough for the emulator.

tweepy's ``wait_on_rate_limit`` is never used (it hot-loops without a reset header and sleeps
for days on a usage cap). Reads are retried a few times on network and 5xx errors with X's
backoff; posts are never re-sent here, because only the outbox can know whether a lost
answer means a lost post.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import tweepy
from tweepy.asynchronous import AsyncClient, AsyncStreamingClient

from bot import logs
from bot.clock import Clock
from bot.errors import RateLimitedError
from bot.settings import Settings
from bot.x import host, parse
from bot.x.backoff import XBackoffs, retry_delay
from bot.x.errors_map import map_error
from bot.x.models import Page, Post, PostedReply, Source, StreamEvents, StreamRule
from bot.x.stream import StreamRunner

log = logs.get(__name__)

# X's own bounds for max_results on each endpoint.
_MENTIONS_RESULTS = (5, 100)
_SEARCH_RESULTS = (10, 100)
_LOOKUP_BATCH = 100


class TweepyXClient:
    """The daemon's X client over real HTTP, to X or to the emulator."""

    def __init__(self, settings: Settings, clock: Clock, *, user_token: str | None = None) -> None:
        """``user_token``: post as another account (a department handle), not the desk's."""
        self._settings = settings
        self._clock = clock
        app = _secret(settings.x_bearer_token) or _secret(settings.x_user_access_token)
        user = user_token or _secret(settings.x_user_access_token) or app
        self._app_token = app
        self._session: aiohttp.ClientSession | None = None
        # return_type=dict: parse.py owns the mapping from X's JSON to Seva's types.
        self._app = AsyncClient(bearer_token=app, return_type=dict)
        self._user = AsyncClient(bearer_token=user, return_type=dict)
        # Stream rules live on tweepy's streaming client; only its REST half is used here.
        self._rules = AsyncStreamingClient(app, return_type=dict)
        self._me: tuple[str, str] | None = None

    # --- plumbing -----------------------------------------------------------------------

    def _rest_session(self) -> aiohttp.ClientSession:
        """The one aiohttp session, built lazily inside the running loop."""
        if self._session is None or self._session.closed:
            self._session = host.session_for(
                self._settings.x_base_url, total_timeout_s=self._settings.x_request_timeout_s
            )
            for client in (self._app, self._user, self._rules):
                client.session = self._session
        return self._session

    async def _call(
        self, call: Callable[[], Awaitable[Any]], *, endpoint: str, read: bool = True
    ) -> dict[str, Any]:
        """Run one tweepy call, mapping failures; retry reads on network and 5xx errors."""
        self._rest_session()
        backoffs = XBackoffs.from_settings(self._settings)
        retries = self._settings.x_read_retries if read else 0
        for attempt in range(retries + 1):
            try:
                body: dict[str, Any] = await call()
            except tweepy.HTTPException as exc:
                error = map_error(exc, body=await _problem_body(exc.response))
                cause: BaseException = exc
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                error = map_error(exc)
                cause = exc
            else:
                return body
            # Rate limits go back to the caller at once: it knows better whether to wait.
            delay = retry_delay(error, backoffs, self._clock.now()) if error.retryable else None
            if attempt >= retries or delay is None or isinstance(error, RateLimitedError):
                raise error from cause
            log.info("x.retry", endpoint=endpoint, error=type(error).__name__, delay_s=delay)
            await self._clock.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    # --- the XClient port ---------------------------------------------------------------

    async def me(self) -> tuple[str, str]:
        """Return the authenticated account's (id, username)."""
        if self._me is None:
            body = await self._call(lambda: self._user.get_me(user_auth=False), endpoint="me")
            self._me = (str(body["data"]["id"]), str(body["data"]["username"]))
        return self._me

    async def mentions(
        self,
        user_id: str,
        *,
        since_id: str | None = None,
        pagination_token: str | None = None,
        max_results: int = 100,
    ) -> Page:
        """Return one page of the account's mentions, newest first."""
        body = await self._call(
            lambda: self._app.get_users_mentions(
                user_id,
                since_id=since_id,
                pagination_token=pagination_token,
                max_results=_clamp(max_results, _MENTIONS_RESULTS),
                **_read_fields(),
            ),
            endpoint="mentions",
        )
        return parse.page(body, Source.MENTIONS)

    async def search_recent(
        self,
        query: str,
        *,
        since_id: str | None = None,
        next_token: str | None = None,
        max_results: int = 100,
    ) -> Page:
        """Return one page of recent search results, newest first."""
        body = await self._call(
            lambda: self._app.search_recent_tweets(
                query,
                since_id=since_id,
                next_token=next_token,
                max_results=_clamp(max_results, _SEARCH_RESULTS),
                **_read_fields(),
            ),
            endpoint="search",
        )
        return parse.page(body, Source.SEARCH)

    async def get_posts(self, ids: list[str]) -> list[Post]:
        """Look posts up by id; missing or deleted ids are simply absent."""
        posts: list[Post] = []
        for start in range(0, len(ids), _LOOKUP_BATCH):
            batch = ids[start : start + _LOOKUP_BATCH]
            body = await self._call(
                lambda batch=batch: self._app.get_tweets(batch, **_read_fields()),  # type: ignore[misc]
                endpoint="lookup",
            )
            posts += parse.page(body, Source.SEARCH).posts
        return posts

    async def create_reply(self, text: str, in_reply_to: str | None) -> PostedReply:
        """Create a post (a reply when ``in_reply_to`` is given); never retried here."""
        body = await self._call(
            lambda: self._user.create_tweet(
                text=text, in_reply_to_tweet_id=in_reply_to, user_auth=False
            ),
            endpoint="post_tweets",
            read=False,
        )
        return parse.posted_reply(body)

    async def own_posts(
        self, *, since_id: str | None = None, pagination_token: str | None = None
    ) -> Page:
        """Return one page (up to 100) of the account's own posts, newest first."""
        account_id = self._settings.account_user_id or (await self.me())[0]
        body = await self._call(
            lambda: self._user.get_users_tweets(
                account_id,
                since_id=since_id,
                pagination_token=pagination_token,
                max_results=100,
                user_auth=False,
                **_read_fields(),
            ),
            endpoint="user_tweets",
        )
        return parse.page(body, Source.SEARCH)

    async def find_reply(self, in_reply_to: str, text: str) -> PostedReply | None:
        """Find the account's own reply to ``in_reply_to`` with exactly ``text``, if any.

        A reply is always newer than its target, so the account's posts are read since the
        target's id, page by page (``SEVA_X_RECONCILE_MAX_PAGES``): under heavy traffic the
        reply may lie hundreds of posts back, and the newest 100 alone would miss it.
        """
        wanted = _comparable(text)
        token: str | None = None
        for _ in range(self._settings.x_reconcile_max_pages):
            page = await self.own_posts(since_id=in_reply_to, pagination_token=token)
            for item in page.posts:
                if item.in_reply_to_id == in_reply_to and _comparable(item.text) == wanted:
                    return PostedReply(id=item.id, text=item.text, edit_history_tweet_ids=[item.id])
            if not page.next_token:
                return None
            token = page.next_token
        log.warning("reconcile gave up: more own posts since the target than it reads")
        return None

    async def get_rules(self) -> list[StreamRule]:
        """Return the filtered-stream rules."""
        body = await self._call(self._rules.get_rules, endpoint="rules")
        return parse.rules(body)

    async def add_rules(
        self, rules: list[StreamRule], *, dry_run: bool = False
    ) -> list[StreamRule]:
        """Add rules and return them with ids; a rule X already has keeps its id."""
        if not rules:
            return []
        add = [tweepy.StreamRule(value=r.value, tag=r.tag or None) for r in rules]
        body = await self._call(
            lambda: self._rules.add_rules(add, dry_run=_flag(dry_run)), endpoint="rules", read=False
        )
        added = parse.rules(body)
        for problem in body.get("errors") or ():
            # DuplicateRule is success for us (the rule is there) and carries the rule's id.
            if str(problem.get("type", "")).endswith("/duplicate-rules") and problem.get("id"):
                tag = next((r.tag for r in rules if r.value == problem.get("value")), "")
                added.append(StreamRule(str(problem["value"]), tag, str(problem["id"])))
            else:
                raise map_error(status=400, body=problem)
        return added

    async def delete_rules(self, ids: list[str], *, dry_run: bool = False) -> None:
        """Delete rules by id (nothing to do for no ids)."""
        if not ids:
            return
        await self._call(
            lambda: self._rules.delete_rules(ids, dry_run=_flag(dry_run)),
            endpoint="rules",
            read=False,
        )

    async def stream(self, events: StreamEvents, stop: Any) -> None:
        """Hold the filtered stream until ``stop`` is set (see ``bot.x.stream``)."""
        runner = StreamRunner(self._settings, self._clock, self._rest_session, self._app_token)
        await runner.run(events, stop)

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


def _secret(value: Any) -> str:
    return "" if value is None else str(value.get_secret_value())


def _clamp(value: int, bounds: tuple[int, int]) -> int:
    return max(bounds[0], min(bounds[1], value))


def _flag(value: bool) -> str | None:
    # aiohttp refuses bool query values; X wants the literal "true", and omitting means false.
    return "true" if value else None


def _read_fields() -> dict[str, list[str]]:
    return {
        "expansions": list(parse.EXPANSIONS),
        "tweet_fields": list(parse.TWEET_FIELDS),
        "user_fields": list(parse.USER_FIELDS),
    }


def _comparable(text: str) -> str:
    # X's v2 text escapes &, < and > as HTML entities, and may normalise Unicode.
    return unicodedata.normalize("NFC", html.unescape(text)).strip()


async def _problem_body(response: aiohttp.ClientResponse) -> Any:
    """The body tweepy already read, as JSON when it is JSON, else as text."""
    try:
        return await response.json(content_type=None)
    except (TimeoutError, ValueError, aiohttp.ClientError):
        try:
            return await response.text()
        except (TimeoutError, aiohttp.ClientError, UnicodeDecodeError):
            return None
