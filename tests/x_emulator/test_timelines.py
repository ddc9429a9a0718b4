"""Mentions, search and lookup: paging, the 800-mention reach, bounds and the empty page."""

from __future__ import annotations

import pytest

from bot.x.emulator import EmulatorConfig, RunningEmulator, running_emulator
from tests.x_emulator.conftest import APP, XApi


async def _mentions(emulator: RunningEmulator, n: int, author: str = "asha") -> list[str]:
    await emulator.control.create_user(author)
    return [(await emulator.control.publish(author, f"@MoCI_Seva q{i}"))["id"] for i in range(n)]


async def test_pagination_walks_all_mentions_newest_first(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """next_token pages through every mention, newest first, and the last page has none."""
    ids = await _mentions(emulator, 12)
    path = f"/2/users/{emulator.ministry['id']}/mentions"
    seen: list[str] = []
    params: dict[str, str] = {"max_results": "5"}
    pages = 0
    while True:
        reply = await api.get(path, user_token, **params)
        pages += 1
        seen += [p["id"] for p in reply.body["data"]]
        meta = reply.body["meta"]
        assert (reply.body["data"][0]["id"], reply.body["data"][-1]["id"]) == (
            meta["newest_id"],
            meta["oldest_id"],
        )
        if "next_token" not in meta:
            break
        params["pagination_token"] = meta["next_token"]
    assert (list(reversed(ids)), 3) == (seen, pages)


async def test_since_id_returns_only_newer_and_empty_page_has_only_meta(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """since_id cuts older posts; nothing new is exactly {"meta": {"result_count": 0}}."""
    ids = await _mentions(emulator, 4)
    path = f"/2/users/{emulator.ministry['id']}/mentions"
    newer = await api.get(path, user_token, since_id=ids[1])
    empty = await api.get(path, user_token, since_id=ids[-1])
    assert [ids[3], ids[2]] == [p["id"] for p in newer.body["data"]]
    assert {"meta": {"result_count": 0}} == empty.body


async def test_until_id_returns_only_older(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """until_id keeps posts strictly older than the given id."""
    ids = await _mentions(emulator, 3)
    reply = await api.get(
        f"/2/users/{emulator.ministry['id']}/mentions", user_token, until_id=ids[2]
    )
    assert [ids[1], ids[0]] == [p["id"] for p in reply.body["data"]]


@pytest.mark.parametrize(
    ("value", "status"), [("4", 400), ("5", 200), ("100", 200), ("101", 400), ("x", 400)]
)
async def test_mentions_max_results_bounds(
    emulator: RunningEmulator, api: XApi, user_token: str, value: str, status: int
) -> None:
    """max_results must lie in 5..100 for mentions, else X's 400 body names the value."""
    reply = await api.get(
        f"/2/users/{emulator.ministry['id']}/mentions", user_token, max_results=value
    )
    assert status == reply.status
    if status == 400:
        assert [
            {
                "parameters": {"max_results": [value]},
                "message": f"The `max_results` query parameter value [{value}] is not between 5 and 100",
            }
        ] == reply.body["errors"]


@pytest.mark.parametrize(("value", "status"), [("9", 400), ("10", 200), ("100", 200), ("101", 400)])
async def test_search_max_results_bounds(api: XApi, value: str, status: int) -> None:
    """Recent search takes max_results 10..100."""
    reply = await api.get("/2/tweets/search/recent", APP, query="iec", max_results=value)
    assert status == reply.status


async def test_only_the_newest_800_mentions_are_reachable(api: XApi) -> None:
    """Paging stops after the reach (800 on X; 30 here to stay fast), never older posts."""
    async with running_emulator(EmulatorConfig(mentions_reach=30)) as emu:
        ids = await _mentions(emu, 40)
        path = f"/2/users/{emu.ministry['id']}/mentions"
        seen: list[str] = []
        params = {"max_results": "100"}
        api.base_url = emu.base_url
        reply = await api.get(path, emu.ministry["user_token"], **params)
        seen += [p["id"] for p in reply.body["data"]]
        oldest = await api.get(path, emu.ministry["user_token"], until_id=ids[10])
    assert (list(reversed(ids[10:])), "next_token" in reply.body["meta"]) == (seen, False)
    assert {"meta": {"result_count": 0}} == oldest.body


async def test_default_reach_is_800(emulator: RunningEmulator) -> None:
    """The default configuration reaches 800 mentions, as X documents."""
    assert 800 == emulator.config.mentions_reach


async def test_mentions_expansions_and_fields(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """expansions=author_id fills includes.users; tweet.fields adds what X derives."""
    asha = await emulator.control.create_user("asha")
    root = await emulator.control.publish("MoCI_Seva", "Welcome to the desk")
    reply = await emulator.control.publish(
        "asha", "@MoCI_Seva where is my IEC? #mociseva https://dgft.gov.in", in_reply_to=root["id"]
    )
    body = (
        await api.get(
            f"/2/users/{emulator.ministry['id']}/mentions",
            user_token,
            expansions="author_id",
            **{
                "tweet.fields": "created_at,author_id,conversation_id,in_reply_to_user_id,"
                "referenced_tweets,lang,entities"
            },
        )
    ).body
    post = body["data"][0]
    assert [{"id": asha["id"], "name": "asha", "username": "asha"}] == body["includes"]["users"]
    assert (reply["id"], asha["id"], root["id"], emulator.ministry["id"], "en") == (
        post["id"],
        post["author_id"],
        post["conversation_id"],
        post["in_reply_to_user_id"],
        post["lang"],
    )
    assert [{"type": "replied_to", "id": root["id"]}] == post["referenced_tweets"]
    assert [
        {"start": 0, "end": 10, "username": "MoCI_Seva", "id": emulator.ministry["id"]}
    ] == post["entities"]["mentions"]
    assert [{"start": 28, "end": 37, "tag": "mociseva"}] == post["entities"]["hashtags"]
    assert "https://dgft.gov.in" == post["entities"]["urls"][0]["expanded_url"]
    assert post["created_at"].endswith("Z")


async def test_unknown_field_is_a_400(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """An unknown tweet.fields value is refused with invalid-request, as X does."""
    reply = await api.get(
        f"/2/users/{emulator.ministry['id']}/mentions", user_token, **{"tweet.fields": "bogus"}
    )
    assert (400, "bogus") == (
        reply.status,
        reply.body["errors"][0]["parameters"]["tweet.fields"][0],
    )


async def test_bad_pagination_token_is_a_400(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """A token the emulator never issued is refused."""
    reply = await api.get(
        f"/2/users/{emulator.ministry['id']}/mentions", user_token, pagination_token="nonsense"
    )
    assert 400 == reply.status


async def test_lookup_returns_found_posts_and_errors_for_missing(
    emulator: RunningEmulator, api: XApi
) -> None:
    """GET /2/tweets?ids= answers 200 with data for known ids and errors for unknown ones."""
    await emulator.control.create_user("asha")
    post = await emulator.control.publish("asha", "hello")
    reply = await api.get("/2/tweets", APP, ids=f"{post['id']},123")
    assert ([post["id"]], ["123"]) == (
        [p["id"] for p in reply.body["data"]],
        [e["resource_id"] for e in reply.body["errors"]],
    )


async def test_search_uses_the_rule_language(emulator: RunningEmulator, api: XApi) -> None:
    """Recent search matches with the same operators as stream rules."""
    await emulator.control.create_user("asha")
    hit = await emulator.control.publish("asha", "@MoCI_Seva IEC status please")
    await emulator.control.publish("asha", "IEC status please")
    await emulator.control.publish("asha", "x", retweet_of=hit["id"])
    reply = await api.get("/2/tweets/search/recent", APP, query="@moci_seva iec -is:retweet")
    assert [hit["id"]] == [p["id"] for p in reply.body["data"]]


async def test_user_timeline_lists_own_posts(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """GET /2/users/:id/tweets lists the account's own posts (for reply reconciliation)."""
    await emulator.control.create_user("asha")
    parent = await emulator.control.publish("asha", "@MoCI_Seva help")
    created = await api.post(
        "/2/tweets",
        user_token,
        {"text": "Done. Ref 1", "reply": {"in_reply_to_tweet_id": parent["id"]}},
    )
    reply = await api.get(
        f"/2/users/{emulator.ministry['id']}/tweets",
        user_token,
        **{"tweet.fields": "referenced_tweets"},
    )
    post = reply.body["data"][0]
    assert (created.body["data"]["id"], [{"type": "replied_to", "id": parent["id"]}]) == (
        post["id"],
        post["referenced_tweets"],
    )
