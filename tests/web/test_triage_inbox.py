"""The triage inbox in the browser: convert, answer, dismiss in bulk, on the X emulator.

The web and outbox roles run against the emulator over HTTP; posts are put in the inbox
as the pipeline leaves them (``TriageInbox.add``), then an officer works them in Chromium.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import expect

from bot.clock import SystemClock
from bot.tickets.triage import TriageInbox
from bot.users.model import Role
from tests.e2e.test_desk import Desk as Daemon
from tests.web.conftest import Account, Desk, csrf_of, fill_signin, open_page, screenshot
from tests.web.test_xss import SCRIPT

pytestmark = pytest.mark.browser


async def _triaged(daemon: Daemon, desk: Desk, author: str, text: str) -> str:
    """A citizen's post on the emulator, kept in triage; its post id."""
    await daemon.emu.control.create_user(author)
    published = await daemon.emu.control.publish(author, text)
    [post] = await daemon.x.get_posts([str(published["id"])])
    inbox = TriageInbox(desk.redis, daemon.keys, SystemClock())
    assert await inbox.add(post, "no grievance, no confident answer: greet (0.41)", "dgft", {})
    return post.id


async def test_an_officer_converts_answers_and_dismisses_from_the_inbox(
    browser: Any, daemon_desk: tuple[Daemon, Desk]
) -> None:
    """Converting posts the acknowledgement once, timed from the post (no new clock);
    answering posts the answer and no acknowledgement; two posts go in one dismissal;
    citizen markup stays text; a viewer gets 403."""
    daemon, desk = daemon_desk
    convert = await _triaged(daemon, desk, "asha", "@MoCI_Seva the IEC portal logs me out")
    answer = await _triaged(daemon, desk, "ravi", "@MoCI_Seva who signs the IEC form?")
    chatter = [
        await _triaged(daemon, desk, "kavya", f"@MoCI_Seva {SCRIPT}"),
        await _triaged(daemon, desk, "dev", "@MoCI_Seva 🙏🙏🙏"),
    ]
    watched = await open_page(browser)
    await fill_signin(watched.page, desk, await desk.add_user("officer"))
    page = watched.page
    await page.goto(f"{desk.base}/triage")
    await expect(page.locator("table.triage tbody tr")).to_have_count(4)
    assert SCRIPT in await page.inner_text(f"#post-{chatter[0]} td.citizen")  # shown as text
    await screenshot(page, "triage")

    await page.click(f"#post-{convert} button.convert")
    await page.wait_for_url("**/ticket/**")
    docket = page.url.rsplit("/", 1)[1]
    [ack] = [p async for p in _replies(daemon, convert)]
    assert docket in ack["text"]
    ticket = await desk.redis.hgetall(desk.users.keys.ticket(docket))
    [post] = await daemon.x.get_posts([convert])
    assert post.created_at is not None
    due = datetime.fromisoformat(ticket["due_at"])
    assert abs(due - (post.created_at + timedelta(hours=48))) < timedelta(seconds=2)
    assert datetime.fromisoformat(ticket["created_at"]) == post.created_at.astimezone(UTC)

    await page.goto(f"{desk.base}/triage")
    await page.fill(f"#post-{answer} input[name=answer]", "The exporter signs it online.")
    await page.click(f"#post-{answer} button.answer")
    await page.wait_for_url("**/ticket/**")
    [reply] = [p async for p in _replies(daemon, answer)]
    assert reply["text"].startswith("The exporter signs it online.")

    await page.goto(f"{desk.base}/triage")
    for post_id in chatter:
        await page.check(f"#post-{post_id} input[type=checkbox]")
    await page.click("#dismiss-selected")
    await expect(page.locator("#triage-empty")).to_have_count(1)
    assert "dismissed: 2" in await page.inner_text("#triage-counts")
    assert "converted: 1" in await page.inner_text("#triage-counts")
    assert "answered: 1" in await page.inner_text("#triage-counts")
    for post_id in chatter:
        assert [] == await daemon.emu.control.posts(in_reply_to=post_id)
    assert [] == watched.dialogs

    viewer = await desk.http_signin(await desk.add_user("viewer"))
    async with viewer, viewer.get(f"{desk.base}/triage", allow_redirects=False) as r:
        assert 403 == r.status


async def _replies(daemon: Daemon, post_id: str) -> Any:
    """The desk's replies under a post, once there is one (and a moment for a second)."""
    for _ in range(150):
        if await daemon.emu.control.posts(in_reply_to=post_id):
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)
    for found in await daemon.emu.control.posts(in_reply_to=post_id):
        yield found


async def test_another_departments_post_is_403_and_a_second_convert_is_told(desk: Desk) -> None:
    """An officer of another department cannot convert or dismiss a dgft post (403, the
    post stays); two converts of one post make one ticket, and the second is told."""
    await desk.import_kb()
    post = await desk.add_triaged("@MoCI_Seva the IEC portal logs me out")
    await desk.users.add("sezofficer", "officer", ["sez"], "x" * 16, None, "test")
    sez = await desk.http_signin(Account("sezofficer", Role.OFFICER, "x" * 16))
    async with sez:
        token = csrf_of(await (await sez.get(f"{desk.base}/triage")).text())
        form = {"_csrf": token, "post": post}
        convert = await sez.post(f"{desk.base}/triage/{post}/convert", data=form)
        dismiss = await sez.post(f"{desk.base}/triage/dismiss", data=form)
        listed = await (await sez.get(f"{desk.base}/triage")).text()
    assert (403, 403) == (convert.status, dismiss.status)
    assert post not in listed
    officer = await desk.http_signin(await desk.add_user("officer"))
    async with officer:
        token = csrf_of(await (await officer.get(f"{desk.base}/triage")).text())
        url = f"{desk.base}/triage/{post}/convert"
        first = await officer.post(url, data={"_csrf": token}, allow_redirects=False)
        second = await officer.post(url, data={"_csrf": token})
        told = await second.text()
    assert 303 == first.status
    assert "/ticket/" in first.headers["Location"]
    assert "not in triage any more" in told
    inbox = TriageInbox(desk.redis, desk.users.keys, SystemClock())
    assert {"converted": 1, "waiting": 0} == {
        k: v for k, v in (await inbox.counts()).items() if k in {"converted", "waiting"}
    }
