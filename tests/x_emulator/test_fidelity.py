"""Where the emulator used to part from X: times, unknown parameters, escaping, surrogates."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.clock import FakeClock
from bot.x.emulator import EmulatorConfig, RunningEmulator, running_emulator
from bot.x.emulator.control import EmulatorControlError
from bot.x.emulator.state import iso
from tests.x_emulator.conftest import APP, XApi
from tests.x_emulator.test_stream import RULES, next_line, open_stream

SEARCH = "/2/tweets/search/recent"
DAY = 86_400.0


@pytest.fixture
def clock() -> FakeClock:
    """A clock the test moves by hand (post times and "now" both follow it)."""
    return FakeClock()


@pytest.fixture
async def clocked(clock: FakeClock) -> AsyncIterator[RunningEmulator]:
    """An emulator on the fake clock, so posts are seconds apart without sleeping."""
    async with running_emulator(EmulatorConfig(keepalive_s=0.5), clock=clock) as emu:
        yield emu


@pytest.fixture
async def capi(clocked: RunningEmulator) -> AsyncIterator[XApi]:
    """A raw client of the clocked emulator."""
    async with aiohttp.ClientSession() as session:
        yield XApi(clocked.base_url, session)


async def _three_posts(emu: RunningEmulator, clock: FakeClock) -> tuple[list[str], float]:
    """Publish mentions at t0, t0+10 s and t0+20 s; return their ids (oldest first) and t0."""
    await emu.control.create_user("asha")
    t0 = clock.time()
    ids = []
    for n in range(3):
        ids.append((await emu.control.publish("asha", f"@MoCI_Seva question {n}"))["id"])
        clock.advance(10)
    return ids, t0


def _ids(body: dict[str, Any]) -> list[str]:
    return [p["id"] for p in body.get("data", [])]


def _named(body: dict[str, Any]) -> list[str]:
    return [name for err in body["errors"] for name in err.get("parameters", {})]


async def test_start_time_is_inclusive_and_end_time_exclusive(
    clocked: RunningEmulator, capi: XApi, clock: FakeClock
) -> None:
    """Mentions and recent search keep posts with start_time <= created_at < end_time."""
    ids, t0 = await _three_posts(clocked, clock)
    window = {"start_time": iso(t0 + 10), "end_time": iso(t0 + 20)}
    uid = clocked.ministry["id"]
    mentions = await capi.get(f"/2/users/{uid}/mentions", APP, **window)
    search = await capi.get(SEARCH, APP, query="@MoCI_Seva", **window)
    only_start = await capi.get(f"/2/users/{uid}/mentions", APP, start_time=iso(t0 + 10))
    only_end = await capi.get(SEARCH, APP, query="@MoCI_Seva", end_time=iso(t0 + 10))
    assert ([ids[1]], [ids[1]]) == (_ids(mentions.body), _ids(search.body))
    assert ([ids[2], ids[1]], [ids[0]]) == (_ids(only_start.body), _ids(only_end.body))


@pytest.mark.parametrize(
    "bad", ["yesterday", "2026-12-01", "2026-12-01T10:00:00", "2026-13-01T00:00:00Z"]
)
async def test_malformed_time_is_a_400_naming_the_parameter(
    emulator: RunningEmulator, api: XApi, bad: str
) -> None:
    """A start_time or end_time that is not an RFC 3339 date-time is X's invalid-request."""
    uid = emulator.ministry["id"]
    start = await api.get(f"/2/users/{uid}/mentions", APP, start_time=bad)
    end = await api.get(SEARCH, APP, query="x", end_time=bad)
    assert (400, 400) == (start.status, end.status)
    assert (["start_time"], ["end_time"]) == (_named(start.body), _named(end.body))
    assert start.body["type"].endswith("/2/problems/invalid-request")


async def test_recent_search_refuses_a_start_time_older_than_seven_days(
    clocked: RunningEmulator, capi: XApi, clock: FakeClock
) -> None:
    """Search's start_time "must be within the last 7 days"; mentions take an older one."""
    now = clock.time()
    too_old = await capi.get(SEARCH, APP, query="x", start_time=iso(now - 7 * DAY - 60))
    recent = await capi.get(SEARCH, APP, query="x", start_time=iso(now - 6 * DAY))
    uid = clocked.ministry["id"]
    mentions = await capi.get(f"/2/users/{uid}/mentions", APP, start_time=iso(now - 30 * DAY))
    assert (400, 200, 200) == (too_old.status, recent.status, mentions.status)
    assert ["start_time"] == _named(too_old.body)
    assert "must be on or after" in too_old.body["errors"][0]["message"]


async def test_search_takes_at_most_one_of_start_time_and_since_id(
    clocked: RunningEmulator, capi: XApi, clock: FakeClock
) -> None:
    """As the spec says for recent search, start_time and since_id together are a 400."""
    both = await capi.get(SEARCH, APP, query="x", start_time=iso(clock.time()), since_id="1")
    assert 400 == both.status


async def test_unknown_query_parameter_is_a_400_naming_it(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """mentions, search, lookup and users/me refuse a parameter X does not declare."""
    uid = emulator.ministry["id"]
    replies = [
        await api.get(f"/2/users/{uid}/mentions", APP, count="5"),
        await api.get(SEARCH, APP, query="x", page="2"),
        await api.get("/2/tweets", APP, ids="1", tweet_mode="extended"),
        await api.get("/2/users/me", user_token, include_entities="true"),
    ]
    assert [400] * 4 == [r.status for r in replies]
    assert [["count"], ["page"], ["tweet_mode"], ["include_entities"]] == [
        _named(r.body) for r in replies
    ]
    assert "is not one of" in replies[0].body["errors"][0]["message"]


async def test_tweet_fields_and_post_fields_are_both_taken(
    emulator: RunningEmulator, api: XApi
) -> None:
    """The spec's post.fields and the tweet.fields tweepy sends both select fields."""
    await emulator.control.create_user("asha")
    post = await emulator.control.publish("asha", "@MoCI_Seva hello")
    old = await api.get(f"/2/tweets/{post['id']}", APP, **{"tweet.fields": "lang"})
    new = await api.get(f"/2/tweets/{post['id']}", APP, **{"post.fields": "lang"})
    assert ("en", "en") == (old.body["data"]["lang"], new.body["data"]["lang"])


ESCAPED = "@MoCI_Seva fees &amp; forms: is &lt;IEC&gt; &gt; GST? &amp;amp; stays"
RAW = "@MoCI_Seva fees & forms: is <IEC> > GST? &amp; stays"


async def test_text_is_html_escaped_in_every_read(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """Timelines, lookup, search, the stream and POST's answer escape &, < and >; X stores raw."""
    await api.post(RULES, APP, {"add": [{"value": "@MoCI_Seva"}]})
    asha = await emulator.control.create_user("asha")
    uid = emulator.ministry["id"]
    async with open_stream(emulator) as response:
        post = await emulator.control.publish("asha", RAW)
        line = await next_line(response)
        while line == b"\r\n":
            line = await next_line(response)
    reads = [
        (await api.get(f"/2/users/{uid}/mentions", APP)).body["data"][0],
        (await api.get(f"/2/users/{asha['id']}/tweets", APP)).body["data"][0],
        (await api.get(f"/2/tweets/{post['id']}", APP)).body["data"],
        (await api.get("/2/tweets", APP, ids=post["id"])).body["data"][0],
        (await api.get(SEARCH, APP, query="GST")).body["data"][0],
        json.loads(line)["data"],
    ]
    created = await api.post(
        "/2/tweets",
        user_token,
        {"text": "Fees & forms <Ref A1>", "reply": {"in_reply_to_tweet_id": post["id"]}},
    )
    assert [ESCAPED] * 6 == [r["text"] for r in reads]
    assert "Fees &amp; forms &lt;Ref A1&gt;" == created.body["data"]["text"]
    stored = {p["id"]: p["text"] for p in await emulator.control.posts()}
    assert (RAW, "Fees & forms <Ref A1>") == (
        stored[post["id"]],
        stored[created.body["data"]["id"]],
    )


async def test_lone_surrogate_is_refused_and_not_stored(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """POST /2/tweets and the control API's publish refuse "\\ud800" text and store nothing."""
    await emulator.control.create_user("asha")
    refused = await api.post("/2/tweets", user_token, {"text": "@asha hi \ud800 there"})
    with pytest.raises(EmulatorControlError, match="400"):
        await emulator.control.publish("asha", "@MoCI_Seva bad \ud800")
    mentions = await api.get(f"/2/users/{emulator.ministry['id']}/mentions", APP)
    assert 400 == refused.status
    assert ["text"] == _named(refused.body)
    assert ([], 200) == (await emulator.control.posts(), mentions.status)


async def test_one_bad_stored_post_never_takes_mentions_or_the_stream_down(
    emulator: RunningEmulator, api: XApi
) -> None:
    """A stored post whose text cannot be encoded is written safely; later posts still flow."""
    await api.post(RULES, APP, {"add": [{"value": "@MoCI_Seva"}]})
    await emulator.control.create_user("asha")
    first = await emulator.control.publish("asha", "@MoCI_Seva first")
    world = emulator.runtime.world
    bad = dataclasses.replace(world.posts[first["id"]], text="@MoCI_Seva \ud800 odd")
    world.posts[first["id"]] = bad  # as if an older emulator had stored it
    async with open_stream(emulator) as response:
        assert emulator.runtime.stream is not None
        emulator.runtime.stream.queue.put_nowait(bad)
        good = await emulator.control.publish("asha", "@MoCI_Seva second")
        lines: list[dict[str, Any]] = []
        while len(lines) < 2:
            line = await next_line(response)
            if line != b"\r\n":
                lines.append(json.loads(line)["data"])
        await asyncio.sleep(0)
    mentions = await api.get(f"/2/users/{emulator.ministry['id']}/mentions", APP)
    assert 200 == mentions.status
    assert [good["id"], first["id"]] == _ids(mentions.body)
    assert "@MoCI_Seva \ufffd odd" == mentions.body["data"][1]["text"]
    assert [first["id"], good["id"]] == [item["id"] for item in lines]
