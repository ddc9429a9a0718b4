"""TweepyXClient over real HTTP against a small scripted X (unit level; no emulator needed)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.clock import SystemClock
from bot.errors import (
    RateLimitedError,
    ServerError,
    TooManyConnectionsError,
    UnauthorizedError,
)
from bot.settings import Settings, load_settings
from bot.x.adapter import TweepyXClient
from bot.x.models import Post, PostedReply, Source
from tests.x_adapter.fake_x import Canned, FakeX, StreamScript, running_fake

FAST = {
    "x_backoff_network_step_s": 0.02,
    "x_backoff_network_max_s": 0.1,
    "x_backoff_http_initial_s": 0.05,
    "x_backoff_http_max_s": 0.2,
    "x_backoff_429_initial_s": 0.1,
    "x_backoff_429_max_s": 0.4,
    "x_stream_read_timeout_s": 0.5,
    "x_stream_keepalive_s": 0.2,
    "x_request_timeout_s": 5.0,
}


def fast_settings(base_url: str, **extra: Any) -> Settings:
    """Settings with test-scaled backoffs, pointing at ``base_url``."""
    values: dict[str, Any] = {
        "x_base_url": base_url,
        "x_bearer_token": "app-bearer",
        "x_user_access_token": "user-token",
        **FAST,
    }
    return load_settings(**(values | extra))


@pytest.fixture
async def fake() -> AsyncIterator[FakeX]:
    async with running_fake() as server:
        yield server


@pytest.fixture
async def client(fake: FakeX) -> AsyncIterator[TweepyXClient]:
    x = TweepyXClient(fast_settings(fake.base_url), SystemClock())
    yield x
    await x.close()


def stream_line(post_id: str, text: str, tag: str = "handle") -> str:
    return json.dumps(
        {
            "data": {
                "id": post_id,
                "text": text,
                "author_id": "7",
                "edit_history_tweet_ids": [post_id],
            },
            "includes": {"users": [{"id": "7", "username": "asha_exports", "name": "Asha"}]},
            "matching_rules": [{"id": "1", "tag": tag}],
        }
    )


OPERATIONAL_DISCONNECT = json.dumps(
    {
        "errors": [
            {
                "title": "operational-disconnect",
                "disconnect_type": "OperationalDisconnect",
                "detail": "This stream has been disconnected for operational reasons.",
                "type": "https://api.twitter.com/2/problems/operational-disconnect",
            }
        ]
    }
)


class Recorder:
    """StreamEvents that remember what happened and can stop after enough posts."""

    def __init__(self, stop: asyncio.Event, stop_after_posts: int) -> None:
        self.posts: list[Post] = []
        self.disconnects: list[str] = []
        self._stop = stop
        self._n = stop_after_posts

    async def on_post(self, post: Post) -> None:
        self.posts.append(post)
        if len(self.posts) >= self._n:
            self._stop.set()

    async def on_connect(self) -> None:
        self.connects = getattr(self, "connects", 0) + 1

    async def on_disconnect(self, reason: str) -> None:
        self.disconnects.append(reason)


async def run_stream(client: TweepyXClient, posts: int, timeout: float = 10) -> Recorder:
    stop = asyncio.Event()
    events = Recorder(stop, posts)
    await asyncio.wait_for(client.stream(events, stop), timeout)
    return events


async def test_me_and_posting_use_the_user_token(client: TweepyXClient, fake: FakeX) -> None:
    """me() and create_reply() act as the account; the reply body names its parent."""
    me = await client.me()
    posted = await client.create_reply("Hello MOCI-2026-000001", "123")
    assert ("42", "MoCI_Seva") == me
    assert PostedReply("900", "Hello MOCI-2026-000001", ["900"]) == posted
    post_seen = fake.seen[-1]
    assert {
        "text": "Hello MOCI-2026-000001",
        "reply": {"in_reply_to_tweet_id": "123"},
    } == post_seen.json
    assert ["Bearer user-token", "Bearer user-token"] == [s.authorization for s in fake.seen]


async def test_mentions_walk_pages_with_the_app_bearer(client: TweepyXClient, fake: FakeX) -> None:
    """mentions() asks for the fields Post needs and follows next_token page by page."""
    fake.mention_pages[None] = {
        "data": [{"id": "3", "text": "@moci_seva hi", "author_id": "7"}],
        "includes": {"users": [{"id": "7", "username": "asha_exports"}]},
        "meta": {"result_count": 1, "newest_id": "3", "oldest_id": "3", "next_token": "p2"},
    }
    fake.mention_pages["p2"] = {"meta": {"result_count": 0}}
    first = await client.mentions("42", since_id="1", max_results=500)
    second = await client.mentions("42", since_id="1", pagination_token=first.next_token)
    assert (["3"], "asha_exports", Source.MENTIONS) == (
        [p.id for p in first.posts],
        first.posts[0].author_handle,
        first.posts[0].source,
    )
    assert ([], None) == (second.posts, second.next_token)
    query = fake.seen[0].query
    assert {
        "since_id": "1",
        "max_results": "100",  # clamped to X's bound
        "expansions": "author_id,referenced_tweets.id",
        "tweet.fields": "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,lang,entities",
        "user.fields": "username",
    } == query
    assert "Bearer app-bearer" == fake.seen[0].authorization


async def test_reads_retry_server_errors_but_posts_do_not(
    client: TweepyXClient, fake: FakeX
) -> None:
    """A 503 on a read is retried with the HTTP backoff; a 503 on a post is raised once."""
    fake.queue("/2/users/me", Canned(503, "<html>503</html>", content_type="text/html"))
    me = await client.me()
    fake.queue("/2/tweets", Canned(503, {"title": "Service Unavailable"}))
    with pytest.raises(ServerError):
        await client.create_reply("text", None)
    paths = [(s.method, s.path) for s in fake.seen]
    assert ("42", [("GET", "/2/users/me")] * 2 + [("POST", "/2/tweets")]) == (me[0], paths)


async def test_rate_limits_go_straight_back_to_the_caller(
    client: TweepyXClient, fake: FakeX
) -> None:
    """A 429 on a read is not slept on inside the adapter: the caller gets reset_at."""
    fake.queue(
        "/2/users/me",
        Canned(429, {"title": "Too Many Requests"}, headers={"x-rate-limit-reset": "1790000900"}),
    )
    with pytest.raises(RateLimitedError) as caught:
        await client.me()
    assert (1, 1790000900) == (len(fake.seen), int(caught.value.reset_at.timestamp()))  # type: ignore[union-attr]


async def test_stream_delivers_posts_with_rule_tags(client: TweepyXClient, fake: FakeX) -> None:
    """Matched posts arrive through on_post with their rule tags; keep-alives are skipped."""
    fake.streams.append(
        StreamScript(
            lines=[
                "",
                stream_line("10", "@MoCI_Seva hi"),
                "",
                stream_line("11", "#mociseva q", "tag"),
            ],
            hold=True,
        )
    )
    events = await run_stream(client, posts=2)
    assert [("10", ("handle",), "asha_exports"), ("11", ("tag",), "asha_exports")] == [
        (p.id, p.matching_rules, p.author_handle) for p in events.posts
    ]
    assert [] == events.disconnects
    assert "author_id,referenced_tweets.id" == fake.seen[0].query["expansions"]


async def test_stream_survives_close_and_operational_disconnect(
    client: TweepyXClient, fake: FakeX
) -> None:
    """A closed connection and an in-stream error line each call on_disconnect, then reconnect."""
    fake.streams.extend(
        [
            StreamScript(lines=[stream_line("10", "a")]),  # closes after one post
            StreamScript(lines=[stream_line("11", "b"), OPERATIONAL_DISCONNECT], hold=True),
            StreamScript(lines=[stream_line("12", "c")], hold=True),
        ]
    )
    events = await run_stream(client, posts=3)
    assert ["10", "11", "12"] == [p.id for p in events.posts]
    assert 2 == len(events.disconnects)
    assert "closed" in events.disconnects[0]
    assert "operational-disconnect" in events.disconnects[1]


async def test_stream_read_timeout_is_a_disconnect(fake: FakeX) -> None:
    """A connection that goes silent past the read timeout is dropped and reopened."""
    fake.streams.extend(
        [
            StreamScript(hold=True, silent=True),
            StreamScript(lines=[stream_line("20", "x")], hold=True),
        ]
    )
    x = TweepyXClient(fast_settings(fake.base_url, x_stream_read_timeout_s=0.3), SystemClock())
    try:
        events = await run_stream(x, posts=1)
    finally:
        await x.close()
    assert (["20"], 1) == ([p.id for p in events.posts], len(events.disconnects))
    assert "TransientNetworkError" in events.disconnects[0]


async def test_stream_503_reconnects_on_our_backoff_not_tweepys(
    client: TweepyXClient, fake: FakeX
) -> None:
    """With test-scaled settings, a 503 on connect is retried within a second, not tweepy's 5 s."""
    fake.streams.extend(
        [
            StreamScript(status=503, body={"title": "Service Unavailable"}),
            StreamScript(lines=[stream_line("30", "y")], hold=True),
        ]
    )
    events = await run_stream(client, posts=1)
    gap = fake.stream_connects[1] - fake.stream_connects[0]
    assert (["30"], 1) == ([p.id for p in events.posts], len(events.disconnects))
    assert gap < 1.0, gap


async def test_stream_second_connection_backs_off_on_429(
    client: TweepyXClient, fake: FakeX
) -> None:
    """TooManyConnections is reported as a disconnect and retried on the 429 schedule."""
    fake.streams.extend(
        [
            StreamScript(
                status=429,
                body={
                    "title": "ConnectionException",
                    "connection_issue": "TooManyConnections",
                    "type": "https://api.x.com/2/problems/streaming-connection",
                },
            ),
            StreamScript(lines=[stream_line("40", "z")], hold=True),
        ]
    )
    events = await run_stream(client, posts=1)
    assert TooManyConnectionsError.__name__ in events.disconnects[0]
    assert fake.stream_connects[1] - fake.stream_connects[0] >= 0.1  # the scaled 429 floor


async def test_stream_gives_up_on_bad_credentials(client: TweepyXClient, fake: FakeX) -> None:
    """A 401 on connect is told to on_disconnect and raised: waiting will not fix a token."""
    fake.streams.append(StreamScript(status=401, body={"title": "Unauthorized", "status": 401}))
    stop = asyncio.Event()
    events = Recorder(stop, 1)
    with pytest.raises(UnauthorizedError):
        await asyncio.wait_for(client.stream(events, stop), 5)
    assert 1 == len(events.disconnects)


async def test_stream_stops_promptly_when_asked(client: TweepyXClient, fake: FakeX) -> None:
    """Setting stop ends stream() without a disconnect callback."""
    fake.streams.append(StreamScript(hold=True))
    stop = asyncio.Event()
    events = Recorder(stop, 99)
    task = asyncio.create_task(client.stream(events, stop))
    while not fake.stream_connects:
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 2)
    assert [] == events.disconnects


async def test_a_garbled_line_is_skipped_not_fatal(client: TweepyXClient, fake: FakeX) -> None:
    """A line without a rule tag (tweepy's KeyError) or bad JSON is skipped; the stream goes on."""
    untagged = json.dumps(
        {
            "data": {"id": "50", "text": "t", "edit_history_tweet_ids": ["50"]},
            "matching_rules": [{"id": "1"}],
        }
    )
    fake.streams.append(
        StreamScript(lines=[untagged, "{not json", stream_line("51", "ok")], hold=True)
    )
    events = await run_stream(client, posts=1)
    assert (["51"], []) == ([p.id for p in events.posts], events.disconnects)


class FailingOnce(Recorder):
    """on_post fails the first time (say Redis blinked), then records."""

    failed = False

    async def on_post(self, post: Post) -> None:
        if not self.failed:
            self.failed = True
            raise ConnectionError("redis went away")
        await super().on_post(post)


async def test_a_failing_handler_drops_and_reconnects(client: TweepyXClient, fake: FakeX) -> None:
    """If on_post raises, the connection is dropped, on_disconnect lets ingest backfill, and it reconnects."""
    fake.streams.extend(
        [
            StreamScript(lines=[stream_line("60", "a")], hold=True),
            StreamScript(lines=[stream_line("61", "b")], hold=True),
        ]
    )
    stop = asyncio.Event()
    events = FailingOnce(stop, 1)
    await asyncio.wait_for(client.stream(events, stop), 5)
    assert ["61"] == [p.id for p in events.posts]
    assert ["handler failed: ConnectionError: redis went away"] == events.disconnects
