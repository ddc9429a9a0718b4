"""The README's walkthrough, done as a newcomer would: `seva demo`, then the browser.

The demo prints the desk's URL, the demo officer's password and the storms it grouped;
the newcomer signs in as that officer, opens the storm's master from the queue, claims
it, writes the answer in each language box and sends it. Every author of the storm is
then answered (the page counts the members answered). The demo stops on Ctrl-C.
"""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from typing import Any

import pytest
from playwright.async_api import expect

from tests.conftest import ROOT, RedisServer
from tests.web.conftest import open_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ANSWERS = {
    "en": "The DGFT portal is working again; please file your IEC update now.",
    "hi": "डीजीएफ़टी पोर्टल फिर से चल रहा है; कृपया अब अपना IEC अपडेट दर्ज करें।",
    "hinglish": "DGFT portal phir se chal raha hai; kripya ab apna IEC update file karein.",
}
READY = "the desk keeps running"


async def _read_until(proc: asyncio.subprocess.Process, marker: str, timeout: float) -> str:
    """The demo's output up to the line holding ``marker``."""
    assert proc.stdout is not None
    out: list[str] = []
    async with asyncio.timeout(timeout):
        while True:
            line = (await proc.stdout.readline()).decode()
            if not line:
                pytest.fail("the demo ended early:\n" + "".join(out))
            out.append(line)
            if marker in line:
                return "".join(out)


async def test_a_newcomer_answers_the_demos_storm_from_the_browser(
    browser: Any, redis_server: RedisServer
) -> None:
    """Sign in with the printed password, answer the printed storm in three languages:
    every member is answered, and the demo then stops cleanly on Ctrl-C."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "demo", "--redis-url", redis_server.url,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        out = await _read_until(proc, READY, 240)
        base = re.search(r"web desk at (http://127\.0\.0\.1:\d+)/", out)
        password = re.search(r"officer\s+meera\s+password (\S+)", out)
        storm = re.search(r"storm (\S+): (\d+) more authors", out)
        assert base is not None, out
        assert password is not None, out
        assert storm is not None, out
        master, members = storm.group(1), int(storm.group(2))
        watched = await open_page(browser)
        page = watched.page
        await page.goto(f"{base.group(1)}/signin")
        await page.fill("#name", "meera")
        await page.fill("#password", password.group(1))
        await page.click("form.signin button[type=submit]")
        await page.wait_for_url("**/queue")
        await page.click(f"#ticket-{master} a")
        await page.click("#claim")
        for lang, text in ANSWERS.items():
            await page.fill(f"#answer_{lang}", text)
        await expect(page.locator("#preview .part")).to_have_count(len(ANSWERS))
        await page.click("#send")
        await page.wait_for_selector(".delivery-posted a", timeout=60_000)
        wanted = f"Storm: {members} members, {members} answered"
        async with asyncio.timeout(60):
            while wanted not in await page.inner_text("section.storm h2"):
                await asyncio.sleep(1)
                await page.reload()
        await screenshot(page, "demo-storm-answered")
        assert [] == watched.dialogs
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        rest = (await asyncio.wait_for(proc.communicate(), 60))[0].decode()
    assert 0 == proc.returncode, rest
    assert "==> stopped" in rest
