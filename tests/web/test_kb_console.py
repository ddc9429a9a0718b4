"""The admin's knowledge-base console in headless Chromium: an edit reaches the next citizen
without retraining, a stale save is refused with the diff, a rollback keeps both versions,
the review queue is counted, non-admins are kept out, and KB markup stays text."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import expect

from bot.audit import AuditLog
from bot.clock import SystemClock
from bot.kb.source import RedisKB
from bot.users.model import Role
from bot.users.store import UserStore
from tests.conftest import RasaServer, RedisServer
from tests.e2e.test_desk import Desk as Daemon
from tests.e2e.test_desk import running_desk
from tests.web.conftest import Desk, PageAs, csrf_of, fill_signin, open_page, screenshot

NEW_ANSWER = (
    "To get an IEC, register on dgft.gov.in, choose Apply for IEC, fill in the form and "
    "sign it. The e-IEC arrives online. (Edited in the console.)"
)


async def _edit_answer(page: Any, base: str, text: str) -> None:
    await page.goto(f"{base}/kb/faq/iec-apply")
    await page.fill("#answer_en", text)
    await page.click("#save")
    await page.wait_for_load_state()


@contextlib.asynccontextmanager
async def _whole_desk(  # the web role with the pipeline and outbox, on the emulator
    rasa: RasaServer, redis_server: RedisServer, key_prefix: str
) -> AsyncIterator[tuple[Daemon, Desk]]:
    fast = {"argon2_time_cost": 1, "argon2_memory_kib": 1024, "argon2_parallelism": 1}
    async with running_desk(rasa, redis_server, key_prefix, "web,pipeline,outbox", **fast) as d:
        while not d.web.port:
            await asyncio.sleep(0.05)
        clock = SystemClock()
        desk = Desk(
            settings=d.settings, base=f"http://127.0.0.1:{d.web.port}", redis=d.redis,
            users=UserStore(d.redis, d.keys, clock, d.settings), audit=AuditLog(d.redis, d.keys, clock),
        )  # fmt: skip
        yield d, desk


@pytest.mark.slow
async def test_an_edited_answer_reaches_the_next_citizen_without_retraining(
    browser: Any, rasa: RasaServer, redis_server: RedisServer, key_prefix: str
) -> None:
    """The admin changes the IEC answer in the browser; the next citizen who asks how to
    apply gets the new text from the same model."""
    async with _whole_desk(rasa, redis_server, key_prefix) as (daemon, desk):
        first = await daemon.post("before_edit", "@MoCI_Seva how do I apply for IEC?")
        assert "Edited in the console" not in " ".join(await daemon.thread(first))
        admin = await desk.add_user(Role.ADMIN)
        watched = await open_page(browser)
        await fill_signin(watched.page, desk, admin)
        await _edit_answer(watched.page, desk.base, NEW_ANSWER)
        assert "Saved faq iec-apply" in await watched.page.inner_text(".notice")
        post = await daemon.post("after_edit", "@MoCI_Seva how do I apply for IEC?")
        decision = await daemon.decision(post)
        assert decision["decision"]["faq_id"] == "iec-apply"
        assert "Edited in the console" in " ".join(await daemon.thread(post))


@pytest.mark.slow
async def test_two_admins_rollback_history_and_the_review_queue(
    desk: Desk, page_as: PageAs, browser: Any
) -> None:
    """Two contexts open one entry; the second save is refused with the diff and nothing of
    the first is lost; a rollback restores the old answer and the history names all three
    authors; the front page counts the review queue."""
    await desk.import_kb()
    live = RedisKB(desk.redis, desk.users.keys)
    original = (await live.load()).faq("iec-apply").answer.en  # type: ignore[union-attr]
    asha = await page_as(Role.ADMIN, name="asha")
    ravi = await page_as(Role.ADMIN, name="ravi")
    for who in (asha, ravi):
        await who.page.goto(f"{desk.base}/kb/faq/iec-apply")
    await asha.page.fill("#answer_en", NEW_ANSWER)
    await asha.page.click("#save")
    await asha.page.wait_for_load_state()
    await ravi.page.fill("#answer_en", "Ravi's different answer, on dgft.gov.in.")
    await ravi.page.click("#save")
    await ravi.page.wait_for_load_state()
    assert "was changed by asha since you opened it" in await ravi.page.inner_text("main")
    conflict = await ravi.page.inner_text("#conflict")
    assert "Edited in the console" in conflict
    assert await ravi.page.input_value("#answer_en") == "Ravi's different answer, on dgft.gov.in."
    assert (await live.load()).faq("iec-apply").answer.en == NEW_ANSWER  # type: ignore[union-attr]

    page = asha.page
    await page.goto(f"{desk.base}/kb/faq/iec-apply")
    await screenshot(page, "kb-entry")
    older = page.locator("tr.version").nth(1)
    await older.locator("form.rollback button").click()
    await page.wait_for_load_state()
    assert "is as it was at version" in await page.inner_text(".notice")
    assert (await live.load()).faq("iec-apply").answer.en == original  # type: ignore[union-attr]
    authors = await page.locator("tr.version td.who").all_inner_texts()
    assert authors[:3] == ["asha", "asha", "test"]  # rollback, edit, the import
    await page.locator("tr.version").nth(1).locator("a").click()  # diff with the live one
    await page.wait_for_load_state()
    await screenshot(page, "kb-diff")
    assert "Edited in the console" in await page.inner_text("#diff")
    versions = await page.locator("select[name=a] option").evaluate_all(
        "os => os.map(o => o.value)"
    )
    await page.select_option("select[name=a]", versions[-1])  # the import
    await page.select_option("select[name=b]", versions[0])  # the rollback
    await page.click("#choose-versions button")
    await page.wait_for_load_state()
    assert "The two versions are the same." in await page.inner_text("main")  # rolled back

    await page.goto(f"{desk.base}/kb")
    await screenshot(page, "kb-console")
    shown = {
        (await li.locator(".name").inner_text()): int(await li.locator(".n").inner_text())
        for li in await page.locator("li.concern").all()
    }
    assert set(shown) == {
        "unverified",
        "review overdue",
        "contact without evidence",
        "unsupported claim",
    }
    await page.goto(f"{desk.base}/kb/review")
    await screenshot(page, "kb-review")
    assert await page.locator("#review tbody tr").count() >= max(shown.values())


@pytest.mark.slow
async def test_a_viewer_gets_403_on_every_kb_action_and_an_officer_sees_no_console(
    desk: Desk, page_as: PageAs
) -> None:
    """Every /kb route, publishing among them, answers 403 to a viewer and an officer;
    neither has a KB link."""
    await desk.import_kb()
    paths = [
        ("GET", "/kb"), ("GET", "/kb/review"), ("GET", "/kb/new"), ("POST", "/kb/new"),
        ("GET", "/kb/faq/iec-apply"), ("POST", "/kb/faq/iec-apply"),
        ("POST", "/kb/faq/iec-apply/rollback"), ("POST", "/kb/faq/iec-apply/verify"),
        ("GET", "/kb/template/en/ack"), ("POST", "/kb/template/en/ack"),
        ("POST", "/kb/publish"), ("GET", "/kb/publish/anyjob"),
        ("GET", "/kb/publish/anyjob/events"),
    ]  # fmt: skip
    for role in (Role.VIEWER, Role.OFFICER):
        account = await desk.add_user(role)
        async with await desk.http_signin(account) as http:
            token = csrf_of(await (await http.get(f"{desk.base}/signin")).text())
            for method, path in paths:
                async with http.request(
                    method, desk.base + path, data={"_csrf": token} if method == "POST" else None,
                    allow_redirects=False,
                ) as r:  # fmt: skip
                    assert r.status == 403, (role, method, path)
        page = (await page_as(role)).page
        await page.goto(f"{desk.base}/")
        assert await page.locator("a[href='/kb']").count() == 0


@pytest.mark.slow
async def test_markup_in_kb_text_is_shown_as_text(desk: Desk, page_as: PageAs) -> None:
    """An answer and a template holding markup are shown as text in the console and in the
    template's rendered sample; the page runs no script of theirs."""
    await desk.import_kb()
    admin = await page_as(Role.ADMIN)
    page = admin.page
    hostile = 'IEC on dgft.gov.in <script>alert("kb")</script><img src=x onerror=alert(1)>'
    await _edit_answer(page, desk.base, hostile)
    await page.goto(f"{desk.base}/kb/faq/iec-apply")
    assert await page.input_value("#answer_en") == hostile
    assert await page.locator("img[src=x], main script").count() == 0
    live = RedisKB(desk.redis, desk.users.keys)
    greeting = (await live.load()).templates["en/greeting"]
    await page.goto(f"{desk.base}/kb/template/en/greeting")
    await page.fill("#source-text", "<b>Hello</b> {{ '<i>x</i>' }}")
    await page.click("#preview")
    await page.wait_for_load_state()
    assert "<b>Hello</b>" in await page.inner_text("#sample")
    assert (await live.load()).templates["en/greeting"] == greeting  # a preview saves nothing
    await page.click("#save")
    await page.wait_for_load_state()
    assert (await live.load()).templates["en/greeting"] == "<b>Hello</b> {{ '<i>x</i>' }}"
    sample = await page.inner_text("#sample")
    assert "<b>Hello</b>" in sample
    assert await page.locator("#sample b, #sample i").count() == 0
    assert admin.dialogs == []


SENTENCE = "Apply for IEC online on the DGFT portal with your PAN."


async def _verify(page: Any, source: str, evidence: str) -> None:
    await page.fill("#verify-source", source)
    await page.fill("#verify-evidence", evidence)
    await page.click("form.verify button")
    await page.wait_for_load_state()


@pytest.mark.slow
async def test_mark_verified_needs_an_official_page_and_its_sentence(
    desk: Desk, page_as: PageAs
) -> None:
    """A third-party source or a missing sentence is refused; an official page with its
    sentence makes the entry verified by the signed-in admin, today."""
    await desk.import_kb()
    admin = await page_as(Role.ADMIN, name="meera")
    page = admin.page
    live = RedisKB(desk.redis, desk.users.keys)
    await page.goto(f"{desk.base}/kb/faq/iec-apply")
    await _verify(page, "https://lawyersadda.in/iec", SENTENCE)
    assert "official domain" in await page.inner_text(".notice")
    await _verify(page, "https://www.dgft.gov.in/CP/?opt=iec", "")
    assert "paste the sentence" in await page.inner_text(".notice")
    assert not (await live.load()).faq("iec-apply").verified  # type: ignore[union-attr]
    await _verify(page, "https://www.dgft.gov.in/CP/?opt=iec", SENTENCE)
    entry = (await live.load()).faq("iec-apply")
    assert entry is not None
    assert entry.verified
    assert entry.reviewed_by == "meera"
    assert entry.evidence == SENTENCE
    assert (await page.inner_text("#verified")).strip() == "yes"


@pytest.mark.slow
async def test_a_new_faq_entry_is_added_with_its_examples(desk: Desk, page_as: PageAs) -> None:
    """A bad id is named beside its field and nothing is saved; a complete entry (examples
    in three languages, answers, source) is added, unverified, by the admin."""
    await desk.import_kb()
    admin = await page_as(Role.ADMIN, name="sunita")
    page = admin.page
    live = RedisKB(desk.redis, desk.users.keys)
    await page.goto(f"{desk.base}/kb/new")
    await page.fill("#id", "Not Kebab")
    await page.click("form.kb-edit button[type=submit]")
    await page.wait_for_load_state()
    assert await page.locator(".problem[data-field=id]").count() >= 1
    before = await live.version()
    await page.fill("#id", "epcg-scheme")
    await page.fill("#topic", "The EPCG scheme")
    await page.select_option("#department", "dgft")
    examples = {
        "en": [f"what is the EPCG scheme, question {n}" for n in range(8)],
        "hi": [f"ईपीसीजी योजना क्या है, प्रश्न {n}" for n in range(8)],
        "hinglish": [f"EPCG scheme kya hai, sawaal {n}" for n in range(8)],
    }
    for lang, lines in examples.items():
        await page.fill(f"#examples_{lang}", "\n".join(lines))
    await page.fill("#answer_en", "EPCG lets exporters import capital goods; see dgft.gov.in.")
    await page.fill("#answer_hi", "ईपीसीजी से निर्यातक पूंजीगत माल आयात करते हैं; dgft.gov.in देखें।")
    await page.fill(
        "#answer_hinglish",
        "EPCG se exporters capital goods import karte hain; dgft.gov.in dekhein.",
    )
    await page.fill("#source", "https://www.dgft.gov.in/CP/")
    await page.click("form.kb-edit button[type=submit]")
    await page.wait_for_load_state()
    assert await page.locator(".problem").all_inner_texts() == []
    assert page.url == f"{desk.base}/kb/faq/epcg-scheme"
    entry = (await live.load()).faq("epcg-scheme")
    assert entry is not None
    assert entry.examples.hi == examples["hi"]
    assert not entry.verified
    assert entry.reviewed_by == "sunita"
    assert await live.version() == before + 1


@pytest.mark.slow
async def test_markup_in_a_snippet_stays_text_in_the_reply_preview(
    desk: Desk, page_as: PageAs
) -> None:
    """An admin saves a snippet holding markup; an officer inserts it into a reply: the
    editor and its preview show the markup as text, and nothing of it runs."""
    await desk.import_kb()
    admin = await page_as(Role.ADMIN)
    hostile = "<b>Sorry</b> for the wait <img src=x onerror=alert(this)>"
    await admin.page.goto(f"{desk.base}/kb/template/en/snippet-sorry-delay")
    await admin.page.fill("#source-text", hostile)
    await admin.page.click("#save")
    await admin.page.wait_for_load_state()
    assert await admin.page.locator(".problem").all_inner_texts() == []
    docket = await desk.add_ticket("@MoCI_Seva my IEC is stuck")
    officer = await page_as(Role.OFFICER)
    page = officer.page
    await page.goto(f"{desk.base}/ticket/{docket}")
    await page.click("#claim")
    await page.select_option("select.snippet[data-for=answer_en]", label="sorry delay")
    await expect(page.locator("#draft-en .part pre")).to_contain_text("<b>Sorry</b>")
    assert hostile in await page.input_value("#answer_en")
    assert await page.locator("#draft-en img, #draft-en b").count() == 0
    assert officer.dialogs == []
    assert admin.dialogs == []
