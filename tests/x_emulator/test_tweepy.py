"""tweepy's own AsyncClient, unmodified, against the emulator (its host rewritten by a session)."""

from __future__ import annotations

from typing import Any

import aiohttp
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
