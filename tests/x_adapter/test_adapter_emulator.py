"""TweepyXClient against the X emulator over real HTTP: the port, the faults and the stream."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.clock import SystemClock
from bot.errors import (
    CreditsDepletedError,
    DuplicateContentError,
    RateLimitedError,
    ReplyNotAllowedError,
    ServerError,
    TransientNetworkError,
    UnauthorizedError,
    UsageCappedError,
    XError,
)
from bot.settings import Settings
from bot.x.adapter import TweepyXClient
from bot.x.emulator.config import EmulatorConfig
from bot.x.emulator.server import RunningEmulator, running_emulator
from bot.x.models import Post, StreamRule
from tests.x_adapter.test_adapter_fake import fast_settings

Call = Callable[[TweepyXClient, str], Awaitable[Any]]


@pytest.fixture
async def emu() -> AsyncIterator[RunningEmulator]:
    """An emulator with keep-alives every 100 ms, so the 0.5 s read timeout never fires."""
    async with running_emulator(config=EmulatorConfig(keepalive_s=0.1), port=0) as running:
        yield running


def emu_settings(emu: RunningEmulator, **extra: Any) -> Settings:
    """Test-scaled settings with the emulator's app bearer and the ministry's user token."""
    tokens = {
        "x_bearer_token": emu.config.app_bearer,
        "x_user_access_token": emu.ministry["user_token"],
    }
    return fast_settings(emu.base_url, **(tokens | extra))


@pytest.fixture
async def x(emu: RunningEmulator) -> AsyncIterator[TweepyXClient]:
    client = TweepyXClient(emu_settings(emu), SystemClock())
    yield client
    await client.close()


class Events:
    """StreamEvents that record and can wait for posts."""

    def __init__(self) -> None:
        self.posts: list[Post] = []
        self.disconnects: list[str] = []
        self.changed = asyncio.Event()

    async def on_post(self, post: Post) -> None:
        self.posts.append(post)
        self.changed.set()

    async def on_connect(self) -> None:
        self.connects = getattr(self, "connects", 0) + 1

    async def on_disconnect(self, reason: str) -> None:
        self.disconnects.append(reason)
        self.changed.set()

    async def until(self, check: Callable[[], bool], timeout: float = 5) -> None:
        async def loop() -> None:
            while not check():
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(loop(), timeout)


async def stream_connects(emu: RunningEmulator) -> int:
    calls = await emu.control.calls()
    return int(calls["api"].get("stream", 0))


async def wait_connected(emu: RunningEmulator, n: int, timeout: float = 5) -> None:
    """Wait until the emulator has seen ``n`` stream connects and holds one open."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stream = emu.runtime.stream
        if await stream_connects(emu) >= n and stream is not None and not stream.gone():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"stream connect {n} not seen")


async def test_me_and_mentions_pages(x: TweepyXClient, emu: RunningEmulator) -> None:
    """me() names the ministry; mentions page by next_token into Pages, newest first."""
    await emu.control.create_user("asha")
    published = [await emu.control.publish("asha", f"@MoCI_Seva question {i}") for i in range(7)]
    me = await x.me()
    first = await x.mentions(me[0], max_results=5)
    second = await x.mentions(me[0], max_results=5, pagination_token=first.next_token)
    ids = [p["id"] for p in reversed(published)]
    assert (emu.ministry["id"], "MoCI_Seva") == me
    assert (ids[:5], ids[5:]) == ([p.id for p in first.posts], [p.id for p in second.posts])
    assert (ids[0], ids[4], 5, None) == (
        first.newest_id,
        first.oldest_id,
        first.result_count,
        second.next_token,
    )
    assert {("asha", ("moci_seva",))} == {
        (p.author_handle, p.mentions) for p in first.posts + second.posts
    }


async def test_mentions_since_id_and_empty_page(x: TweepyXClient, emu: RunningEmulator) -> None:
    """since_id bounds the page; nothing newer is an empty Page, not an error."""
    await emu.control.create_user("ravi")
    old = await emu.control.publish("ravi", "@MoCI_Seva old")
    new = await emu.control.publish("ravi", "@MoCI_Seva new")
    page = await x.mentions(emu.ministry["id"], since_id=old["id"])
    empty = await x.mentions(emu.ministry["id"], since_id=new["id"])
    assert ([new["id"]], [], 0) == ([p.id for p in page.posts], empty.posts, empty.result_count)


async def test_reply_lookup_and_find_reply(x: TweepyXClient, emu: RunningEmulator) -> None:
    """create_reply answers a PostedReply with edit history; get_posts and find_reply see it."""
    await emu.control.create_user("asha")
    question = await emu.control.publish("asha", "@MoCI_Seva how do I get an IEC?")
    posted = await x.create_reply("Apply on dgft.gov.in & ref MOCI-2026-000001", question["id"])
    found = await x.get_posts([question["id"], posted.id, "1"])
    on_x = await emu.control.posts(in_reply_to=question["id"])
    assert [posted.id] == posted.edit_history_tweet_ids
    assert [posted.id] == [p["id"] for p in on_x]
    assert [question["id"], posted.id] == [p.id for p in found]
    assert (("replied_to", question["id"]),) == found[1].referenced
    assert posted == await x.find_reply(question["id"], posted.text)
    assert await x.find_reply(question["id"], "some other text") is None


async def test_duplicate_and_refused_replies(x: TweepyXClient, emu: RunningEmulator) -> None:
    """Posting the same text twice is DuplicateContent; replying to a hashtag-only post is refused."""
    await emu.control.create_user("asha")
    summoned = await emu.control.publish("asha", "@MoCI_Seva hello")
    hashtag_only = await emu.control.publish("asha", "help please #mociseva")
    await x.create_reply("Thanks MOCI-2026-000002", summoned["id"])
    with pytest.raises(DuplicateContentError):
        await x.create_reply("Thanks MOCI-2026-000002", summoned["id"])
    with pytest.raises(ReplyNotAllowedError):
        await x.create_reply("Answer MOCI-2026-000003", hashtag_only["id"])


async def test_rules_add_dry_run_and_delete(x: TweepyXClient) -> None:
    """dry_run validates without changing the rules; add and delete do change them."""
    dry = await x.add_rules([StreamRule("#mociseva", "hashtag")], dry_run=True)
    assert [] == await x.get_rules()
    added = await x.add_rules(
        [StreamRule("#mociseva", "hashtag"), StreamRule("@MoCI_Seva", "handle")]
    )
    await x.delete_rules([r.id for r in added if r.id], dry_run=True)
    kept = await x.get_rules()
    await x.delete_rules([added[0].id or ""])
    left = await x.get_rules()
    assert [("#mociseva", "hashtag")] == [(r.value, r.tag) for r in dry]
    assert sorted((r.value, r.tag, r.id) for r in added) == sorted(
        (r.value, r.tag, r.id) for r in kept
    )
    assert [added[1]] == left


async def test_search_recent_finds_hashtag_posts(x: TweepyXClient, emu: RunningEmulator) -> None:
    """search_recent returns posts for the hashtag query, parsed with their tags."""
    await emu.control.create_user("meena")
    post = await emu.control.publish("meena", "where is my refund #MoCISeva")
    await emu.control.publish("meena", "unrelated")
    page = await x.search_recent("#mociseva")
    assert [(post["id"], ("mociseva",))] == [(p.id, p.hashtags) for p in page.posts]


async def _me(x: TweepyXClient, _: str) -> Any:
    return await x.me()


async def _mentions(x: TweepyXClient, user_id: str) -> Any:
    return await x.mentions(user_id)


async def _post(x: TweepyXClient, _: str) -> Any:
    return await x.create_reply(f"text {time.monotonic_ns()}", None)


async def _rules(x: TweepyXClient, _: str) -> Any:
    return await x.get_rules()


async def _search(x: TweepyXClient, _: str) -> Any:
    return await x.search_recent("#mociseva")


async def _lookup(x: TweepyXClient, _: str) -> Any:
    return await x.get_posts(["1"])


FAULTS: list[tuple[str, str, Call, type[XError]]] = [
    ("me", "429", _me, RateLimitedError),
    ("mentions", "usage_capped", _mentions, UsageCappedError),
    ("search", "usage_capped", _search, UsageCappedError),
    ("post_tweets", "402", _post, CreditsDepletedError),
    ("me", "401", _me, UnauthorizedError),
    ("rules", "401", _rules, UnauthorizedError),
    ("post_tweets", "503", _post, ServerError),
    ("post_tweets", "503html", _post, ServerError),
    ("mentions", "503html", _mentions, ServerError),
    ("lookup", "503", _lookup, ServerError),
    ("me", "slow", _me, TransientNetworkError),
    ("post_tweets", "delay", _post, TransientNetworkError),
]


@pytest.mark.parametrize(
    ("endpoint", "kind", "call", "expected"), FAULTS, ids=[f"{e}-{k}" for e, k, _, _ in FAULTS]
)
async def test_each_fault_surfaces_as_its_error(
    emu: RunningEmulator, endpoint: str, kind: str, call: Call, expected: type[XError]
) -> None:
    """Every emulator fault reaches the caller as the bot.errors class that means it."""
    x = TweepyXClient(emu_settings(emu, x_read_retries=0, x_request_timeout_s=0.5), SystemClock())
    await emu.control.fault(endpoint, kind, delay_s=1.5 if kind in {"slow", "delay"} else 0.0)
    try:
        with pytest.raises(expected):
            await call(x, emu.ministry["id"])
    finally:
        await x.close()


async def test_reads_ride_out_a_short_outage(x: TweepyXClient, emu: RunningEmulator) -> None:
    """Two 503s on mentions are retried with the scaled HTTP backoff; the third try succeeds."""
    await emu.control.fault("mentions", "503", count=2)
    page = await x.mentions(emu.ministry["id"])
    assert (0, 3) == (page.result_count, (await emu.control.calls())["api"]["mentions"])


async def test_rate_limit_exhaustion_carries_reset(x: TweepyXClient, emu: RunningEmulator) -> None:
    """A real exhausted window (not a fault) is RateLimitedError with the reset from the header."""
    await emu.control.set_config(limits={"mentions": {"app": 1}})
    await x.mentions(emu.ministry["id"])
    with pytest.raises(RateLimitedError) as caught:
        await x.mentions(emu.ministry["id"])
    reset_at = caught.value.reset_at
    assert reset_at is not None
    assert 0 < reset_at.timestamp() - time.time() <= 901


async def test_stream_delivers_and_survives_drops(x: TweepyXClient, emu: RunningEmulator) -> None:
    """Posts arrive with rule tags; drop_stream and operational_disconnect each reconnect and report."""
    await x.add_rules([StreamRule("@MoCI_Seva", "handle"), StreamRule("#mociseva", "")])
    await emu.control.create_user("asha")
    events, stop = Events(), asyncio.Event()
    task = asyncio.create_task(x.stream(events, stop))
    try:
        await wait_connected(emu, 1)
        one = await emu.control.publish("asha", "@MoCI_Seva first")
        await events.until(lambda: len(events.posts) == 1)
        await emu.control.fault("stream", "drop_stream")
        await events.until(lambda: len(events.disconnects) == 1)
        await wait_connected(emu, 2)
        two = await emu.control.publish("asha", "second #mociseva")
        await events.until(lambda: len(events.posts) == 2)
        await emu.control.fault("stream", "operational_disconnect")
        await events.until(lambda: len(events.disconnects) == 2)
        await wait_connected(emu, 3)
        three = await emu.control.publish("asha", "@MoCI_Seva third")
        await events.until(lambda: len(events.posts) == 3)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    assert [(one["id"], ("handle",)), (two["id"], ("",)), (three["id"], ("handle",))] == [
        (p.id, p.matching_rules) for p in events.posts
    ]
    assert "operational-disconnect" in events.disconnects[1]
    assert 2 == len(events.disconnects)


async def test_second_stream_gets_too_many_connections(
    x: TweepyXClient, emu: RunningEmulator
) -> None:
    """While one stream is open, a second connection is told TooManyConnections (and backs off)."""
    other = TweepyXClient(emu_settings(emu), SystemClock())
    first, second, stop = Events(), Events(), asyncio.Event()
    tasks = [asyncio.create_task(x.stream(first, stop))]
    try:
        await wait_connected(emu, 1)
        tasks.append(asyncio.create_task(other.stream(second, stop)))
        await second.until(lambda: len(second.disconnects) >= 1)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 5)
        await other.close()
    assert "TooManyConnectionsError" in second.disconnects[0]
    assert [] == first.disconnects


async def test_stream_503_reconnects_within_a_second(
    x: TweepyXClient, emu: RunningEmulator
) -> None:
    """tweepy's own 5 s sleep is not used: with scaled settings a 503 on connect retries fast."""
    await emu.control.fault("stream", "503")
    events, stop = Events(), asyncio.Event()
    started = time.monotonic()
    task = asyncio.create_task(x.stream(events, stop))
    try:
        await wait_connected(emu, 2)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    assert 1 == len(events.disconnects)
    assert "ServerError" in events.disconnects[0]
    assert elapsed < 1.0, elapsed


async def test_adapter_never_touches_the_control_api(
    x: TweepyXClient, emu: RunningEmulator
) -> None:
    """Only the test steers the emulator: a full round of adapter calls adds no control call."""
    await emu.control.create_user("asha")
    post = await emu.control.publish("asha", "@MoCI_Seva hi #mociseva")
    before = await emu.control.calls()
    me = await x.me()
    await x.mentions(me[0])
    await x.search_recent("#mociseva")
    await x.get_posts([post["id"]])
    await x.create_reply("Hello MOCI-2026-000009", post["id"])
    added = await x.add_rules([StreamRule("#mociseva", "t")])
    await x.delete_rules([r.id or "" for r in added])
    stop = asyncio.Event()
    task = asyncio.create_task(x.stream(Events(), stop))
    # Watched in-process: asking the control API would count as a control call.
    while emu.runtime.stream is None or emu.runtime.stream.gone():
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, 5)
    after = await emu.control.calls()
    assert 1 == after["control"] - before["control"]  # the second calls() itself
    assert 1 == after["api"]["stream"] - before["api"].get("stream", 0)


async def test_usage_cap_inside_the_stream_stops_it(x: TweepyXClient, emu: RunningEmulator) -> None:
    """An in-stream usage-capped line is reported, then raised: reconnecting cannot cure it."""
    await x.add_rules([StreamRule("@MoCI_Seva", "handle")])
    await emu.control.create_user("asha")
    events, stop = Events(), asyncio.Event()
    task = asyncio.create_task(x.stream(events, stop))
    await wait_connected(emu, 1)
    await emu.control.set_config(monthly_read_cap=0)
    await emu.control.publish("asha", "@MoCI_Seva over the cap")
    with pytest.raises(UsageCappedError):
        await asyncio.wait_for(task, 5)
    assert (1, []) == (len(events.disconnects), events.posts)


async def test_citizen_text_reaches_the_desk_as_written(
    x: TweepyXClient, emu: RunningEmulator
) -> None:
    """X escapes &, < and > on the wire; mentions, lookup and the reply answer come back raw."""
    written = "@MoCI_Seva GST & IEC: is <5 lakh> &amp; exempt? 2 > 1"
    await emu.control.create_user("asha")
    asked = await emu.control.publish("asha", written)
    page = await x.mentions(emu.ministry["id"])
    looked_up = await x.get_posts([asked["id"]])
    posted = await x.create_reply("Yes & no <see MOCI-2026-000009>", asked["id"])
    assert [written, written] == [page.posts[0].text, looked_up[0].text]
    assert "Yes & no <see MOCI-2026-000009>" == posted.text
    assert posted == await x.find_reply(asked["id"], posted.text)
