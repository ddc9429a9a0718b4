"""POST /2/tweets: auth, the reply restriction, duplicates and the 280 weighted limit."""

from __future__ import annotations

import pytest

from bot.x.emulator import RunningEmulator
from tests.x_emulator.conftest import APP, XApi

REPLY_NOT_ALLOWED = (
    "Reply to this conversation is not allowed because you have not been mentioned or "
    "otherwise engaged by the author of the post you are replying to."
)


async def _reply(api: XApi, token: str, text: str, parent: str | None = None) -> tuple[int, dict]:
    body: dict = {"text": text}
    if parent:
        body["reply"] = {"in_reply_to_tweet_id": parent}
    reply = await api.post("/2/tweets", token, body)
    return reply.status, reply.body


@pytest.mark.parametrize("token", [None, "wrong"])
async def test_missing_or_wrong_token_is_401(api: XApi, token: str | None) -> None:
    """No token or an unknown one gets X's 401 problem, with rate headers."""
    reply = await api.post("/2/tweets", token, {"text": "hi"})
    assert (
        401,
        {"title": "Unauthorized", "detail": "Unauthorized", "type": "about:blank", "status": 401},
    ) == (reply.status, reply.body)
    assert "x-rate-limit-reset" in reply.headers


async def test_app_bearer_cannot_post(api: XApi) -> None:
    """Posting needs user context: the app bearer gets 403 unsupported-authentication."""
    reply = await api.post("/2/tweets", APP, {"text": "hi"})
    assert (403, True) == (reply.status, reply.body["type"].endswith("/unsupported-authentication"))


async def test_user_token_cannot_open_stream(api: XApi, user_token: str) -> None:
    """The stream and rules need the app bearer."""
    reply = await api.get("/2/tweets/search/stream/rules", user_token)
    assert 403 == reply.status


async def test_created_post_shape(api: XApi, user_token: str) -> None:
    """201 with data {id, text, edit_history_tweet_ids}; the id is 19 digits."""
    status, body = await _reply(api, user_token, "Office hours: 10-5. Ref Q1")
    post_id = body["data"]["id"]
    assert (
        201,
        {
            "data": {
                "id": post_id,
                "text": "Office hours: 10-5. Ref Q1",
                "edit_history_tweet_ids": [post_id],
            }
        },
    ) == (status, body)
    assert (19, True) == (len(post_id), post_id.isdigit())


@pytest.mark.parametrize(
    ("text", "summoned"),
    [
        ("@MoCI_Seva how do I get an IEC?", True),
        ("@moci_seva case does not matter", True),
        ("#mociseva how do I get an IEC?", False),
        ("IEC question for the ministry", False),
    ],
)
async def test_reply_restriction(
    emulator: RunningEmulator, api: XApi, user_token: str, text: str, summoned: bool
) -> None:
    """A reply is allowed only to a post that @mentions the account (hashtag alone: 403)."""
    await emulator.control.create_user("asha")
    parent = await emulator.control.publish("asha", text)
    status, body = await _reply(api, user_token, "Here is how. Ref R1", parent["id"])
    if summoned:
        assert 201 == status
    else:
        assert (403, REPLY_NOT_ALLOWED, "about:blank") == (status, body["detail"], body["type"])


async def test_reply_restriction_allows_quotes_of_own_post_and_own_threads(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """Quoting the account's post summons it; replying within one's own thread is fine."""
    await emulator.control.create_user("asha")
    own = await emulator.control.publish("MoCI_Seva", "New IEC rules from 1 April")
    quote = await emulator.control.publish("asha", "What about old codes?", quote_of=own["id"])
    assert 201 == (await _reply(api, user_token, "They stay valid. Ref Q2", quote["id"]))[0]
    assert 201 == (await _reply(api, user_token, "Part 2 of the rules. Ref T1", own["id"]))[0]


async def test_enterprise_is_exempt_from_the_reply_restriction(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """With reply_restriction off (Enterprise), a hashtag-only post can be answered."""
    await emulator.control.create_user("asha")
    parent = await emulator.control.publish("asha", "#mociseva where is my refund?")
    await emulator.control.set_config(reply_restriction=False)
    assert 201 == (await _reply(api, user_token, "Checking. Ref E1", parent["id"]))[0]


async def test_reply_to_missing_post_is_403(api: XApi, user_token: str) -> None:
    """Replying to an id that does not exist is refused."""
    status, _ = await _reply(api, user_token, "hello", "1234567890123456789")
    assert 403 == status


async def test_duplicate_text_same_author_is_403_other_author_fine(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """The same account posting identical text gets 403 duplicate; another account may."""
    other = await emulator.control.create_user("dgft_help")
    first = await _reply(api, user_token, "Please DM your IEC number.")
    again = await _reply(api, user_token, "Please DM your IEC number.")
    elsewhere = await _reply(api, other["user_token"], "Please DM your IEC number.")
    assert (201, 403, 201) == (first[0], again[0], elsewhere[0])
    assert {
        "detail": "You are not allowed to create a Tweet with duplicate content.",
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
    } == again[1]


async def test_duplicate_window_expires(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """After duplicate_window_s the same text may be posted again."""
    await emulator.control.set_config(duplicate_window_s=0.0)
    first = await _reply(api, user_token, "Same text")
    again = await _reply(api, user_token, "Same text")
    assert (201, 201) == (first[0], again[0])


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("a" * 280, 201),
        ("a" * 281, 400),
        ("क" * 280, 201),  # Devanagari counts 1 per code point
        ("क" * 281, 400),
        ("🙏" * 140, 201),  # emoji count 2
        ("🙏" * 141, 400),
        (
            "x " * 128 + "https://pgportal.gov.in/Status/some/very/long/path/that/is/long",
            201,
        ),  # URL = 23
        ("x" * 257 + " https://pgportal.gov.in", 400),
    ],
)
async def test_weighted_length_limit(api: XApi, user_token: str, text: str, status: int) -> None:
    """Over 280 weighted characters is a 400 (Devanagari 1, emoji 2, any URL 23)."""
    got, body = await _reply(api, user_token, text)
    assert status == got
    if status == 400:
        assert body["type"].endswith("/invalid-request")


async def test_unknown_body_field_is_400(api: XApi, user_token: str) -> None:
    """The create body allows only X's fields (additionalProperties false in the spec)."""
    reply = await api.post("/2/tweets", user_token, {"text": "hi", "colour": "red"})
    assert 400 == reply.status


async def test_delete_own_post(api: XApi, user_token: str) -> None:
    """DELETE /2/tweets/:id removes the account's own post."""
    _, body = await _reply(api, user_token, "oops")
    reply = await api.call("DELETE", f"/2/tweets/{body['data']['id']}", user_token)
    gone = await api.get(f"/2/tweets/{body['data']['id']}", APP)
    assert ({"data": {"deleted": True}}, False) == (reply.body, "data" in gone.body)
