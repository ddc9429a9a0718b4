"""tweepy's own AsyncClient, unmodified, against the emulator (its host rewritten by a session)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import requests
import tweepy
import tweepy.asynchronous
from aiohttp import ClientRequest
from yarl import URL

from bot.x.emulator import RunningEmulator


def _session_for(base_url: str) -> aiohttp.ClientSession:
    """An aiohttp session that sends tweepy's https://api.twitter.com requests to base_url."""
    base = URL(base_url)

    class Rewriting(ClientRequest):
        def __init__(self, method: str, url: URL, *args: Any, **kwargs: Any) -> None:
            if url.host == "api.twitter.com":
                url = base.with_path(url.path).with_query(url.query)
            super().__init__(method, url, *args, **kwargs)

    return aiohttp.ClientSession(request_class=Rewriting)


async def test_tweepy_async_client_works_unmodified(emulator: RunningEmulator) -> None:
    """get_me, get_users_mentions and create_tweet (a reply) work through tweepy."""
    await emulator.control.create_user("asha")
    asked = await emulator.control.publish("asha", "@MoCI_Seva how do I get an IEC?")
    client = tweepy.asynchronous.AsyncClient(bearer_token=emulator.ministry["user_token"])
    client.session = _session_for(emulator.base_url)
    try:
        me = await client.get_me(user_auth=False)
        mentions = await client.get_users_mentions(
            me.data.id, user_auth=False, expansions="author_id", tweet_fields=["created_at"]
        )
        created = await client.create_tweet(
            text="Apply on the DGFT portal. Ref MOCI-1",
            in_reply_to_tweet_id=asked["id"],
            user_auth=False,
        )
    finally:
        await client.session.close()
    assert ("MoCI_Seva", [asked["id"]], "asha") == (
        me.data.username,
        [str(t.id) for t in mentions.data],
        mentions.includes["users"][0].username,
    )
    assert [created.data["id"]] == created.data["edit_history_tweet_ids"]


class _RewritingSession(requests.Session):
    """A requests session that sends tweepy's https://api.twitter.com calls to ``base_url``."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        url = str(url).replace("https://api.twitter.com", self.base_url, 1)
        return super().request(method, url, *args, **kwargs)


def _sync_calls(base_url: str, user_token: str, asked_id: str, since: str) -> dict[str, Any]:
    """Call each endpoint the fixes changed, with tweepy's synchronous Client."""
    client = tweepy.Client(bearer_token=user_token)
    client.session = _RewritingSession(base_url)
    me = client.get_me(user_auth=False).data
    out: dict[str, Any] = {
        "mentions": client.get_users_mentions(me.id, start_time=since, user_auth=False),
        "search": client.search_recent_tweets("GST", start_time=since, user_auth=False),
        "lookup": client.get_tweet(asked_id, user_auth=False),
        "by_id": client.get_user(id=me.id, user_auth=False),
        "by_name": client.get_user(username="asha", user_auth=False),
        "by_ids": client.get_users(ids=[me.id, 1], user_auth=False),
        "by_names": client.get_users(usernames=["asha", "MoCI_Seva"], user_auth=False),
        "created": client.create_tweet(
            text="Fees & forms, ref <A1>", in_reply_to_tweet_id=asked_id, user_auth=False
        ),
    }
    try:
        client.get_users_mentions(me.id, start_time="last week", user_auth=False)
    except tweepy.BadRequest as err:
        out["bad_time"] = err.api_errors
    return out


async def test_tweepy_sync_client_on_the_changed_endpoints(emulator: RunningEmulator) -> None:
    """tweepy's sync Client: times, escaped text, the four user lookups and a malformed time."""
    await emulator.control.create_user("asha")
    asked = await emulator.control.publish("asha", "@MoCI_Seva GST & <IEC>?")
    since = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    got = await asyncio.to_thread(
        _sync_calls, emulator.base_url, emulator.ministry["user_token"], asked["id"], since
    )
    escaped = "@MoCI_Seva GST &amp; &lt;IEC&gt;?"
    assert [escaped] * 3 == [
        got["mentions"].data[0].text,
        got["search"].data[0].text,
        got["lookup"].data.text,
    ]
    assert ("MoCI_Seva", "asha") == (got["by_id"].data.username, got["by_name"].data.username)
    assert ["MoCI_Seva"] == [u.username for u in got["by_ids"].data]
    assert ["1"] == [e["value"] for e in got["by_ids"].errors]
    assert ["asha", "MoCI_Seva"] == [u.username for u in got["by_names"].data]
    assert "Fees &amp; forms, ref &lt;A1&gt;" == got["created"].data["text"]
    assert ["start_time"] == [name for e in got["bad_time"] for name in e["parameters"]]
