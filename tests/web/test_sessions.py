"""Sessions end: after the idle timeout, and at once when the user is disabled."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.web.conftest import Desk, PageAs, StartDesk, fill_signin, open_page

pytestmark = pytest.mark.browser


async def test_an_idle_session_expires(browser, start_desk: StartDesk) -> None:
    """A session used within the idle timeout lives on; one left idle longer is ended."""
    async with start_desk(web_idle_timeout_s=2.5) as desk:
        account = await desk.add_user("officer")
        page = (await open_page(browser)).page
        await fill_signin(page, desk, account)
        for _ in range(4):  # 4 s of activity in all, longer than the timeout, in short steps
            await asyncio.sleep(1.0)
            await page.goto(f"{desk.base}/queue")
            assert f"{desk.base}/queue" == page.url
        await asyncio.sleep(3.5)
        await page.goto(f"{desk.base}/queue")
        assert f"{desk.base}/signin" == page.url
        assert "idle too long" in await page.inner_text(".notice")


async def test_the_absolute_timeout_ends_an_active_session(browser, start_desk: StartDesk) -> None:
    """Even a busy session ends at the absolute timeout after sign-in."""
    async with start_desk(web_absolute_timeout_s=2.0) as desk:
        account = await desk.add_user("officer")
        page = (await open_page(browser)).page
        before_signin = time.monotonic()
        await fill_signin(page, desk, account)
        served = 0
        for _ in range(12):
            await asyncio.sleep(0.5)
            await page.goto(f"{desk.base}/queue")
            if page.url != f"{desk.base}/queue":
                break
            served += 1
        ended_after = time.monotonic() - before_signin
        assert f"{desk.base}/signin" == page.url
        assert "time limit" in await page.inner_text(".notice")
        assert served >= 1  # it was in use all along, never idle
        assert ended_after >= 2.0  # not before the absolute timeout


async def test_a_disabled_users_open_session_is_refused(page_as: PageAs, desk: Desk) -> None:
    """Disabling a user ends the session they have open: the next request is refused."""
    watched = await page_as("officer")
    page, account = watched.page, watched.account
    assert account is not None
    assert f"{desk.base}/queue" == page.url
    await desk.users.disable(account.name, "admin-test")
    await page.goto(f"{desk.base}/queue")
    assert f"{desk.base}/signin" == page.url
    assert "session has ended" in await page.inner_text(".notice")
    await fill_signin(page, desk, account)
    assert "This account is disabled." == await page.inner_text("#form-error")
    [entry] = [e for e in await desk.audit.recent() if e.what == "user.disable"]
    assert ("admin-test", False, True) == (
        entry.who,
        entry.before["disabled"],
        entry.after["disabled"],
    )
