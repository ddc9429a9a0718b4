"""An officer answers a ticket from the browser, and the answer reaches X once.

The daemon runs the web and outbox roles, built by the composition root, against the X
emulator over HTTP and the test's redis-server; the officer drives headless Chromium.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from playwright.async_api import expect

from bot.clock import SystemClock
from bot.kb.source import FileKB
from bot.tickets.store import TicketStore
from bot.tickets.storm import Storms
from bot.tickets.workflow import Workflow
from tests.conftest import ROOT
from tests.e2e.test_desk import Desk as Daemon
from tests.web.conftest import Desk, csrf_of, fill_signin, open_page, screenshot
from tests.web.test_xss import IMG, SCRIPT

pytestmark = pytest.mark.browser

LONG = (
    "Your IEC application was approved today after the bank details were checked again. "
    "The certificate can be downloaded from the DGFT portal under My IEC, and the same page "
    "lists every later change. If the portal shows an older status, sign out, clear the "
    "browser cache and sign in again; the record itself is already updated on our side and "
    "nothing more is needed from you."
)
SHORT = "Your IEC application was approved today; download the certificate from the DGFT portal."


async def citizen_ticket(
    daemon: Daemon, desk: Desk, text: str, *, reply_allowed: bool = True, author: str = "asha"
) -> tuple[str, str]:
    """A citizen's post on the emulator and its ticket in dgft; returns (post id, docket)."""
    await daemon.emu.control.create_user(author)
    published = await daemon.emu.control.publish(author, text)
    [post] = await daemon.x.get_posts([str(published["id"])])
    kb = FileKB(ROOT / "faq_kb", ROOT / "responses")
    store = TicketStore(desk.redis, daemon.keys, SystemClock(), kb, daemon.settings)
    ticket = await store.create(
        post, "dgft", reason="complaint", reply_allowed=reply_allowed, nlu={"intent": "grievance"}
    )
    return str(published["id"]), ticket.docket


async def test_an_officer_answers_from_the_browser_and_the_reply_is_posted_once(
    browser: Any, daemon_desk: tuple[Daemon, Desk]
) -> None:
    """Claim, a too-long answer previewed as two posts, shortened, sent: the reply is on X
    under the citizen's post with the docket, and the editor shows "posted" with its link."""
    daemon, desk = daemon_desk
    post_id, docket = await citizen_ticket(daemon, desk, "@MoCI_Seva my IEC is stuck for weeks")
    watched = await open_page(browser)
    await fill_signin(watched.page, desk, await desk.add_user("officer"))
    page = watched.page
    await page.goto(f"{desk.base}/queue")
    await screenshot(page, "queue")
    await page.click(f"#ticket-{docket} a")
    await screenshot(page, "ticket")
    await page.click("#claim")
    await page.wait_for_selector("#reply-form")

    await page.fill("#answer_en", LONG)
    await page.wait_for_selector("#draft-en .part:nth-child(3)")  # heading + two parts
    heading = await page.inner_text("#draft-en h3")
    assert "2 posts" in heading, heading
    await screenshot(page, "reply-editor")
    counts = [await c.inner_text() for c in await page.query_selector_all("#draft-en .count")]
    assert 2 == len(counts), counts
    assert all(int(c.split(" / ")[0]) <= 280 for c in counts), counts

    await page.fill("#answer_en", SHORT)
    await expect(page.locator("#draft-en .part")).to_have_count(1)  # the CSP allows no eval
    preview = await page.inner_text("#draft-en .part pre")
    await page.dblclick("#send")  # a double click sends once
    await page.wait_for_selector(".delivery-posted a", timeout=30_000)
    link = await page.get_attribute(".delivery-posted a", "href")

    replies = await daemon.emu.control.posts(in_reply_to=post_id)
    assert 1 == len(replies), replies
    assert preview == replies[0]["text"]  # the preview was exactly what was posted
    assert docket in replies[0]["text"]
    assert link == f"https://x.com/i/web/status/{replies[0]['id']}"
    await asyncio.sleep(1.5)  # a second post would have gone out by now
    assert 1 == len(await daemon.emu.control.posts(in_reply_to=post_id))
    assert [] == watched.dialogs
    await screenshot(page, "posted")
    head = await open_page(browser)
    await fill_signin(head.page, desk, await desk.add_user("head"))
    await head.page.goto(f"{desk.base}/dept")
    assert "past the SLA" in await head.page.inner_text("#breaches")
    await screenshot(head.page, "head")


async def test_a_hashtag_only_ticket_offers_x_and_replied_by_hand_and_posts_nothing(
    browser: Any, daemon_desk: tuple[Daemon, Desk]
) -> None:
    """A post X lets us not answer through the API: no editor, an open-on-X link, and
    "replied by hand" closes it; nothing is posted through the API."""
    daemon, desk = daemon_desk
    post_id, docket = await citizen_ticket(
        daemon, desk, "#MoCISeva IEC portal is down again", reply_allowed=False
    )
    watched = await open_page(browser)
    await fill_signin(watched.page, desk, await desk.add_user("officer"))
    page = watched.page
    await page.goto(f"{desk.base}/ticket/{docket}")
    await page.click("#claim")
    assert 0 == await page.locator("#reply-form").count()
    assert post_id in (await page.get_attribute("#open-on-x", "href") or "")
    await page.click("#replied-by-hand")
    await page.wait_for_load_state()
    assert "closed" in await page.inner_text("#state")
    assert "recorded as replied by hand" in await page.inner_text(".notice")
    await asyncio.sleep(1.0)
    assert [] == await daemon.emu.control.posts(in_reply_to=post_id)


async def test_another_departments_ticket_by_url_is_403(desk: Desk) -> None:
    """An officer of dgft opening, previewing or claiming a ticket of another department
    by its URL is refused with 403, and the ticket is not touched."""
    docket = await desk.add_ticket("@MoCI_Seva my FDI approval is pending", dept="dpiit")
    http = await desk.http_signin(await desk.add_user("officer"))
    async with http:
        page = await (await http.get(f"{desk.base}/ticket/{docket}")).text()
        assert 403 == (await http.get(f"{desk.base}/ticket/{docket}")).status, page
        token = await _token(http, desk)
        for action in ("preview", "claim", "reply", "reveal"):
            async with http.post(
                f"{desk.base}/ticket/{docket}/{action}",
                data={"_csrf": token, "answer_en": "hello"},
                allow_redirects=False,
            ) as response:
                assert 403 == response.status, action
    assert "new" == await desk.redis.hget(desk.users.keys.ticket(docket), "state")


async def _token(http: aiohttp.ClientSession, desk: Desk) -> str:
    return csrf_of(await (await http.get(f"{desk.base}/queue")).text())


async def test_markup_in_a_post_renders_inert_on_the_ticket_page(browser: Any, desk: Desk) -> None:
    """A post with <script> and <img onerror> shows as text on its ticket page; nothing runs."""
    text = f"@MoCI_Seva IEC stuck {SCRIPT} {IMG}"
    docket = await desk.add_ticket(text, handle="x<b>y</b>")
    watched = await open_page(browser)
    await fill_signin(watched.page, desk, await desk.add_user("officer"))
    page = watched.page
    await page.goto(f"{desk.base}/ticket/{docket}")
    await page.wait_for_timeout(300)  # give an onerror handler its chance to run
    assert [] == watched.dialogs
    assert text == await page.inner_text("#post-text")
    assert 0 == await page.locator("main img, main b, main script").count()


async def test_personal_data_is_masked_until_revealed_and_the_reveal_is_audited(
    desk: Desk,
) -> None:
    """A phone number in the post is masked on the page; revealing it is recorded."""
    docket = await desk.add_ticket("@MoCI_Seva call me on 9876543210 about my IEC")
    officer = await desk.add_user("officer")
    http = await desk.http_signin(officer)
    async with http:
        page = await (await http.get(f"{desk.base}/ticket/{docket}")).text()
        assert "9876543210" not in page
        token = await _token(http, desk)
        async with http.post(
            f"{desk.base}/ticket/{docket}/reveal", headers={"X-CSRF-Token": token}
        ) as response:
            assert 200 == response.status
            assert "9876543210" in await response.text()
    entries = await desk.audit.recent(10)
    assert any(e.what == "ticket.reveal_pii" and e.target == docket for e in entries), entries


async def test_a_reply_held_by_the_rate_limit_shows_waiting_with_its_reason_then_posted(
    browser: Any, daemon_desk: tuple[Daemon, Desk]
) -> None:
    """X answers the reply 429 once: the editor shows "waiting" and why, then "posted"."""
    daemon, desk = daemon_desk
    post_id, docket = await citizen_ticket(daemon, desk, "@MoCI_Seva my IEC is stuck for weeks")
    await daemon.emu.control.set_config(window_s=6.0)  # the refused window ends in seconds
    await daemon.emu.control.fault("post_tweets", "429", count=1)
    watched = await open_page(browser)
    await fill_signin(watched.page, desk, await desk.add_user("officer"))
    page = watched.page
    await page.goto(f"{desk.base}/ticket/{docket}")
    await page.click("#claim")
    await page.fill("#answer_en", SHORT)
    await page.wait_for_selector("#draft-en .part")
    await page.click("#send")
    await page.wait_for_selector(".delivery-waiting", timeout=20_000)
    assert "X rate limit" in await page.inner_text(".delivery-waiting")
    await page.wait_for_selector(".delivery-posted a", timeout=30_000)
    assert 1 == len(await daemon.emu.control.posts(in_reply_to=post_id))


async def test_answering_a_storm_master_from_the_desk_reaches_every_member(
    browser: Any, daemon_desk: tuple[Daemon, Desk]
) -> None:
    """A master in English with a member in Hindi: the editor has a box for each language,
    and each author gets the answer in theirs, on the emulator."""
    daemon, desk = daemon_desk
    master_post, master = await citizen_ticket(daemon, desk, "@MoCI_Seva DGFT portal is down")
    await daemon.emu.control.create_user("ravi")
    published = await daemon.emu.control.publish("ravi", "@MoCI_Seva डीजीएफटी पोर्टल बंद है")
    [post] = await daemon.x.get_posts([str(published["id"])])
    kb = FileKB(ROOT / "faq_kb", ROOT / "responses")
    clock = SystemClock()
    store = TicketStore(desk.redis, daemon.keys, clock, kb, daemon.settings)
    member = await store.create(
        post, "dgft", reason="complaint", reply_allowed=True, nlu={"lang": "hi"}
    )
    storms = Storms(desk.redis, daemon.keys, clock, store, daemon.settings)
    await Workflow(desk.redis, daemon.keys, clock, store, storms).merge(
        member.docket, master, "head"
    )

    watched = await open_page(browser)
    await fill_signin(watched.page, desk, await desk.add_user("officer"))
    page = watched.page
    await page.goto(f"{desk.base}/ticket/{master}")
    assert "1 members, 0 answered" in await page.inner_text(".storm h2")
    await page.click("#claim")
    await page.fill("#answer_en", "The DGFT portal is working again since 14:00.")
    await page.fill("#answer_hi", "डीजीएफटी पोर्टल 14:00 से फिर चल रहा है।")
    await page.wait_for_selector("#draft-hi .part")
    await page.click("#send")
    await page.wait_for_selector(".delivery-posted a", timeout=30_000)
    async with asyncio.timeout(30):
        while not await daemon.emu.control.posts(in_reply_to=str(published["id"])):
            await asyncio.sleep(0.2)
    [to_master] = await daemon.emu.control.posts(in_reply_to=master_post)
    [to_member] = await daemon.emu.control.posts(in_reply_to=str(published["id"]))
    assert "working again" in to_master["text"]
    assert "फिर चल रहा है" in to_member["text"]
    assert member.docket in to_member["text"]


async def test_a_similar_answered_ticket_is_reused_in_one_click_with_a_snippet(
    browser: Any, daemon_desk: tuple[Daemon, Desk]
) -> None:
    """A ticket like one answered earlier shows that answer; "Use this answer" fills the
    editor, a snippet appends to it, and what is sent is the preview; an unlike one shows none."""
    daemon, desk = daemon_desk
    _first_post, first = await citizen_ticket(
        daemon, desk, "@MoCI_Seva my IEC application is stuck at bank account validation"
    )
    post_id, second = await citizen_ticket(
        daemon, desk, "@MoCI_Seva IEC application stuck at the bank validation step for days",
        author="ravi",
    )  # fmt: skip
    _, unlike = await citizen_ticket(
        daemon, desk, "@MoCI_Seva thank you for the SEZ seminar", author="kavya"
    )
    watched = await open_page(browser)
    await fill_signin(watched.page, desk, await desk.add_user("officer"))
    page = watched.page
    await page.goto(f"{desk.base}/ticket/{first}")
    await page.click("#claim")
    await page.fill("#answer_en", SHORT)
    await expect(page.locator("#draft-en .part")).to_have_count(1)
    await page.click("#send")
    await page.wait_for_selector(".delivery-posted a", timeout=30_000)

    await page.goto(f"{desk.base}/ticket/{unlike}")
    assert 0 == await page.locator("#answered").count()
    await page.goto(f"{desk.base}/ticket/{second}")
    await page.click("#claim")
    found = page.locator(f"#answered-{first}")
    await expect(found).to_have_count(1)
    assert SHORT in await found.inner_text()
    await found.locator("a.reuse").click()
    await expect(page.locator("#answer_en")).to_have_value(SHORT)
    await page.select_option("select.snippet[data-for=answer_en]", label="sorry delay")
    await expect(page.locator("#answer_en")).to_have_value(
        f"{SHORT} We are sorry this has taken so long."
    )
    await expect(page.locator("#draft-en .part pre")).to_contain_text("sorry this has taken")
    await screenshot(page, "similar-answered")
    preview = await page.inner_text("#draft-en .part pre")
    await page.click("#send")
    await page.wait_for_selector(".delivery-posted a", timeout=30_000)
    [reply] = await daemon.emu.control.posts(in_reply_to=post_id)
    assert preview == reply["text"]
    assert [] == watched.dialogs
