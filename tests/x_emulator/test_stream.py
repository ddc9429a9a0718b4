"""The filtered stream and its rules: delivery, keep-alives, one connection, disconnects."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest

from bot.x.emulator import RunningEmulator
from tests.x_emulator.conftest import APP, XApi

RULES = "/2/tweets/search/stream/rules"
AUTH = {"Authorization": f"Bearer {APP}"}


@asynccontextmanager
async def open_stream(
    emulator: RunningEmulator, **params: str
) -> AsyncIterator[aiohttp.ClientResponse]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            emulator.base_url + "/2/tweets/search/stream", headers=AUTH, params=params
        ) as response,
    ):
        yield response


async def next_line(response: aiohttp.ClientResponse, timeout: float = 3.0) -> bytes:
    return await asyncio.wait_for(response.content.readline(), timeout)


async def test_matching_post_arrives_with_rules_and_tag(
    emulator: RunningEmulator, api: XApi
) -> None:
    """A matching post arrives as {data, includes, matching_rules}; a missing tag is ""."""
    added = await api.post(
        RULES, APP, {"add": [{"value": "@MoCI_Seva"}, {"value": "#mociseva", "tag": "hashtag"}]}
    )
    ids = [r["id"] for r in added.body["data"]]
    await emulator.control.create_user("asha")
    async with open_stream(emulator, expansions="author_id") as response:
        await emulator.control.publish("asha", "nothing to see")
        post = await emulator.control.publish("asha", "@MoCI_Seva help #mociseva")
        line = await next_line(response)
        while line == b"\r\n":
            line = await next_line(response)
    item = json.loads(line)
    assert line.endswith(b"\r\n")
    assert (post["id"], [post["id"]]) == (
        item["data"]["id"],
        item["data"]["edit_history_tweet_ids"],
    )
    assert [{"id": ids[0], "tag": ""}, {"id": ids[1], "tag": "hashtag"}] == item["matching_rules"]
    assert "asha" == item["includes"]["users"][0]["username"]


async def test_keepalive_is_a_bare_crlf(emulator: RunningEmulator) -> None:
    """With nothing to send, the stream writes a bare CRLF every keepalive_s."""
    async with open_stream(emulator) as response:
        lines = [await next_line(response, 2.0) for _ in range(2)]
    assert [b"\r\n", b"\r\n"] == lines


async def test_second_connection_gets_429_too_many_connections(
    emulator: RunningEmulator, api: XApi
) -> None:
    """X allows one stream connection per app; the second gets 429 TooManyConnections."""
    async with open_stream(emulator) as first:
        second = await api.get("/2/tweets/search/stream", APP)
        assert 200 == first.status
    assert (429, "TooManyConnections", True) == (
        second.status,
        second.body["connection_issue"],
        second.body["type"].endswith("/streaming-connection"),
    )


async def test_reconnect_after_close_is_allowed(emulator: RunningEmulator) -> None:
    """Once the client has closed its connection, a new one is accepted."""
    async with open_stream(emulator) as first:
        assert 200 == first.status
    await asyncio.sleep(0.1)
    async with open_stream(emulator) as again:
        assert 200 == again.status


async def test_operational_disconnect_sends_errors_line_then_closes(
    emulator: RunningEmulator,
) -> None:
    """operational_disconnect writes X's in-stream errors line, then ends the stream."""
    async with open_stream(emulator) as response:
        await emulator.control.fault("stream", "operational_disconnect")
        line = await next_line(response)
        while line == b"\r\n":
            line = await next_line(response)
        rest = await asyncio.wait_for(response.content.read(), 3.0)
    error = json.loads(line)["errors"][0]
    assert (True, b"") == (error["type"].endswith("/operational-disconnect"), rest)


async def test_drop_stream_cuts_the_connection(emulator: RunningEmulator) -> None:
    """drop_stream closes the open connection mid-stream (the client sees a payload error)."""
    async with open_stream(emulator) as response:
        await emulator.control.fault("stream", "drop_stream")
        with pytest.raises(aiohttp.ClientPayloadError):
            await asyncio.wait_for(response.content.read(), 3.0)


async def test_stream_fault_armed_before_connecting_hits_next_connection(
    emulator: RunningEmulator,
) -> None:
    """A stream fault armed with no connection open applies to the next one."""
    await emulator.control.fault("stream", "operational_disconnect")
    async with open_stream(emulator) as response:
        line = await next_line(response)
    assert "errors" in json.loads(line)


async def test_add_list_delete_rules_with_summary(api: XApi) -> None:
    """Rules add with ids and summary counts, list back, and delete by id."""
    added = await api.post(RULES, APP, {"add": [{"value": "iec", "tag": "t"}]})
    rule = added.body["data"][0]
    listed = await api.get(RULES, APP)
    deleted = await api.post(RULES, APP, {"delete": {"ids": [rule["id"]]}})
    empty = await api.get(RULES, APP)
    assert {"created": 1, "not_created": 0, "valid": 1, "invalid": 0} == added.body["meta"][
        "summary"
    ]
    assert [{"id": rule["id"], "value": "iec", "tag": "t"}] == listed.body["data"]
    assert {"deleted": 1, "not_deleted": 0} == deleted.body["meta"]["summary"]
    assert (0, False) == (empty.body["meta"]["result_count"], "data" in empty.body)


async def test_duplicate_rule_is_reported_as_x_does(api: XApi) -> None:
    """Adding an existing value: 200 with a DuplicateRule error naming the existing id."""
    first = await api.post(RULES, APP, {"add": [{"value": "@MoCI_Seva"}]})
    again = await api.post(RULES, APP, {"add": [{"value": "@MoCI_Seva"}]})
    assert 200 == again.status
    assert [
        {
            "value": "@MoCI_Seva",
            "id": first.body["data"][0]["id"],
            "title": "DuplicateRule",
            "type": "https://api.x.com/2/problems/duplicate-rules",
        }
    ] == again.body["errors"]
    assert {"created": 0, "not_created": 1, "valid": 0, "invalid": 1} == again.body["meta"][
        "summary"
    ]


async def test_dry_run_validates_without_changing(api: XApi) -> None:
    """dry_run=true answers as if adding (or deleting) but changes nothing."""
    dry = await api.post(
        RULES, APP, {"add": [{"value": "iec"}, {"value": "lang:hi"}]}, dry_run="true"
    )
    listed = await api.get(RULES, APP)
    assert (1, 1) == (
        dry.body["meta"]["summary"]["created"],
        dry.body["meta"]["summary"]["invalid"],
    )
    assert "UnprocessableEntity" == dry.body["errors"][0]["title"]
    assert 0 == listed.body["meta"]["result_count"]


async def test_rules_body_needs_add_or_delete(api: XApi) -> None:
    """A body with neither add nor delete is a 400 invalid-request."""
    reply = await api.post(RULES, APP, {})
    assert 400 == reply.status
