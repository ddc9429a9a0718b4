"""Sessions end: after the idle timeout, and at once when the user is disabled."""

from __future__ import annotations

import asyncio

import pytest

from tests.web.conftest import Desk, PageAs, StartDesk, fill_signin, open_page

pytestmark = pytest.mark.browser


async def test_an_idle_session_expires(browser, start_desk: StartDesk) -> None:
    """A session used within the idle timeout lives on; one left idle longer is ended."""
    async with start_desk(web_idle_timeout_s=1.5) as desk:
        account = await desk.add_user("officer")
        page = (await open_page(browser)).page
        await fill_signin(page, desk, account)
        for _ in range(3):  # 3 s of activity in all, each step within the timeout
            await asyncio.sleep(1.0)
            await page.goto(f"{desk.base}/queue")
            assert f"{desk.base}/queue" == page.url
        await asyncio.sleep(2.0)
        await page.goto(f"{desk.base}/queue")
        assert f"{desk.base}/signin" == page.url
        assert "idle too long" in await page.inner_text(".notice")


async def test_the_absolute_timeout_ends_an_active_session(browser, start_desk: StartDesk) -> None:
    """Even a busy session ends at the absolute timeout after sign-in."""
    async with start_desk(web_absolute_timeout_s=2.0) as desk:
        account = await desk.add_user("officer")
        page = (await open_page(browser)).page
        await fill_signin(page, desk, account)
        served = 0
        for _ in range(8):
            await asyncio.sleep(0.5)
            await page.goto(f"{desk.base}/queue")
            if page.url != f"{desk.base}/queue":
                break
            served += 1
        assert f"{desk.base}/signin" == page.url
        assert "time limit" in await page.inner_text(".notice")
        assert 3 <= served <= 4  # about 2 s of 0.5 s steps, then ended


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
