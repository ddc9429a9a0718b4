"""The live queue: the event stream, its department filter and shutdown, and two officers' pages."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import aiohttp
import pytest

from tests.web.conftest import Desk, PageAs, StartDesk, csrf_of

SCRIPT = "<script>alert('script ran')</script>"
IMG = "<img src=x onerror=alert('img ran')>"


async def next_moves(
    response: aiohttp.ClientResponse, want: int, timeout: float = 5
) -> list[dict[str, Any]]:
    """Read server-sent events until ``want`` ``move`` events came (or the timeout)."""
    moves: list[dict[str, Any]] = []
    event, data = "", ""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            while len(moves) < want:
                line = (await response.content.readline()).decode().rstrip("\r\n")
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    data = line.removeprefix("data: ")
                elif not line and event:
                    if event == "move":
                        moves.append(json.loads(data))
                    event, data = "", ""
    return moves


async def open_stream(
    http: aiohttp.ClientSession, desk: Desk, **headers: str
) -> aiohttp.ClientResponse:
    """``/queue/events``, once it says it is following."""
    response = await http.get(f"{desk.base}/queue/events", headers=headers)
    assert 200 == response.status
    assert response.headers["Content-Type"].startswith("text/event-stream")
    line = await asyncio.wait_for(response.content.readline(), 5)
    assert b"event: ready" in line
    return response


async def blocked_reads(desk: Desk) -> int:
    """Redis clients of this desk's prefix blocked in XREAD (the hub's read)."""
    clients: list[dict[str, Any]] = await desk.redis.client_list()
    return sum(1 for c in clients if c.get("cmd") == "xread" and "b" in c.get("flags", ""))


async def test_the_stream_carries_the_users_departments_only(desk: Desk) -> None:
    """A dgft officer's stream gets dgft's create and another officer's claim, nothing of sez."""
    other = await desk.add_user("officer")
    async with await desk.http_signin(await desk.add_user("officer")) as http:
        stream = await open_stream(http, desk)
        theirs = await desk.add_ticket("@MoCI_Seva SEZ approval pending", dept="sez")
        ours = await desk.add_ticket("@MoCI_Seva IEC stuck")
        async with await desk.http_signin(other) as http2:
            token = csrf_of(await (await http2.get(f"{desk.base}/queue")).text())
            await http2.post(f"{desk.base}/queue/{ours}/claim", data={"_csrf": token})
        moves = await next_moves(stream, 2)
        later = await next_moves(stream, 1, timeout=0.5)
        stream.close()
    assert [
        {"docket": ours, "move": "create", "state": "new", "dept": "dgft", "by": "desk"},
        {"docket": ours, "move": "claim", "state": "claimed", "dept": "dgft", "by": other.name},
    ] == [m | {"by": m["by"] if m["move"] == "claim" else "desk"} for m in moves]
    assert [] == later
    assert all(m["docket"] != theirs for m in moves)


async def test_a_reconnect_replays_from_its_last_event(desk: Desk) -> None:
    """With Last-Event-ID the stream starts after that entry: a move made while away arrives."""
    first = await desk.add_ticket("@MoCI_Seva first")
    [(last_id, _)] = await desk.redis.xrevrange(desk.users.keys.ticket_events, count=1)
    missed = await desk.add_ticket("@MoCI_Seva made while the page was away")
    async with await desk.http_signin(await desk.add_user("officer")) as http:
        stream = await open_stream(http, desk, **{"Last-Event-ID": last_id})
        moves = await next_moves(stream, 1)
        stream.close()
    assert [missed] == [m["docket"] for m in moves]
    assert first != missed


@pytest.mark.slow
async def test_open_streams_do_not_hold_up_shutdown(start_desk: StartDesk) -> None:
    """With two streams open (pings 15 s apart), the web role stops in well under two seconds.

    The two streams share the process's one blocked read of the moves stream.
    """
    running = start_desk()
    desk = await running.__aenter__()
    https = [await desk.http_signin(await desk.add_user("officer")) for _ in range(2)]
    try:
        before = await blocked_reads(desk)
        streams = [await open_stream(http, desk) for http in https]
        async with asyncio.timeout(5):
            while desk.live_streams < 2:
                await asyncio.sleep(0.05)
        assert await blocked_reads(desk) - before <= 1
        started = time.monotonic()
        await running.__aexit__(None, None, None)  # Runner.stop, then wait for the role
        took = time.monotonic() - started
        for stream in streams:  # each ends (EOF) rather than hanging
            await asyncio.wait_for(stream.content.read(), 2)
    finally:
        for http in https:
            await http.close()
    assert took < 2.0, f"shutdown took {took:.2f} s"
    assert all(s.content.at_eof() for s in streams)


async def test_a_closed_browser_ends_its_read(start_desk: StartDesk) -> None:
    """When the client goes away the server ends its stream within a ping or two."""
    async with start_desk(web_live_ping_s=0.3) as desk:
        async with await desk.http_signin(await desk.add_user("officer")) as http:
            stream = await open_stream(http, desk)
            async with asyncio.timeout(5):
                while desk.live_streams < 1:
                    await asyncio.sleep(0.05)
            stream.close()
        async with asyncio.timeout(5):
            while desk.live_streams:
                await asyncio.sleep(0.05)
        assert 0 == desk.live_streams


@pytest.mark.browser
async def test_a_claim_and_a_new_ticket_show_on_another_officers_page(
    page_as: PageAs, desk: Desk
) -> None:
    """B sees A's claim (greyed, no Claim button) and a new ticket appear, without a reload."""
    from playwright.async_api import expect

    docket = await desk.add_ticket("@MoCI_Seva my IEC is stuck")
    a, b = await page_as("officer"), await page_as("officer")
    for watched in (a, b):
        await watched.page.goto(f"{desk.base}/queue")
        await expect(watched.page.locator("#live-status")).to_have_text("live", timeout=5000)
    await b.page.evaluate("window.sevaNoReload = 1")
    row = b.page.locator(f"#ticket-{docket}")
    await expect(row.locator("button", has_text="Claim")).to_have_count(1)
    await a.page.click(f"#ticket-{docket} button:has-text('Claim')")
    assert a.account is not None
    await expect(row.locator(".claimed-by")).to_have_text(
        f"claimed by {a.account.name}", timeout=5000
    )
    await expect(row.locator("button")).to_have_count(0)
    await expect(row).to_have_class("sla-ok level-0 taken")
    fresh = await desk.add_ticket("@MoCI_Seva a new complaint")
    await expect(b.page.locator(f"#ticket-{fresh}")).to_be_visible(timeout=5000)
    assert 1 == await b.page.evaluate("window.sevaNoReload")  # the same document throughout
    assert [] == b.console_errors


@pytest.mark.browser
async def test_a_row_fetched_live_is_inert(page_as: PageAs, desk: Desk) -> None:
    """A ticket with markup that arrives live shows its text as text; no script or image runs."""
    from playwright.async_api import expect

    watched = await page_as("officer")
    page = watched.page
    await page.goto(f"{desk.base}/queue")
    await expect(page.locator("#live-status")).to_have_text("live", timeout=5000)
    text = f"@MoCI_Seva my IEC is stuck {SCRIPT} {IMG}"
    docket = await desk.add_ticket(text, handle="x<b>y</b>")
    await expect(page.locator(f"#ticket-{docket}")).to_be_visible(timeout=5000)
    await page.wait_for_timeout(300)  # give an onerror handler its chance to run
    assert [] == watched.dialogs
    assert text == await page.inner_text(f"#ticket-{docket} td.text")
    assert "@x<b>y</b>" in await page.inner_text(f"#ticket-{docket}")
    assert 0 == await page.locator("table.tickets img, table.tickets b, tbody script").count()


async def test_a_stream_outlives_its_session_checks(start_desk: StartDesk) -> None:
    """A signed-in stream rechecks its session every ping and keeps carrying moves after."""
    async with start_desk(web_live_ping_s=0.3) as desk:
        async with await desk.http_signin(await desk.add_user("officer")) as http:
            stream = await open_stream(http, desk)
            await asyncio.sleep(1.2)  # four session checks
            docket = await desk.add_ticket("@MoCI_Seva IEC stuck")
            moves = await next_moves(stream, 1, timeout=3)
            stream.close()
        assert [docket] == [m["docket"] for m in moves]
