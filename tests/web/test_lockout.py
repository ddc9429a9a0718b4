"""Throttling: six wrong passwords lock an account for the configured time, audited."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.web.conftest import StartDesk, fill_signin, open_page

pytestmark = pytest.mark.browser

LOCKOUT_S = 3.0


async def test_six_wrong_passwords_lock_the_account(browser, start_desk: StartDesk) -> None:
    """Six wrong passwords lock the account for the configured time, as the audit log shows."""
    async with start_desk(signin_max_failures=6, signin_lockout_s=LOCKOUT_S) as desk:
        account = await desk.add_user("officer")
        right = account.password
        page = (await open_page(browser)).page
        account.password = "wrong password, guessed"
        for _ in range(5):
            await fill_signin(page, desk, account)
            assert "Wrong name, password or code." == await page.inner_text("#form-error")
        await fill_signin(page, desk, account)
        locked_at = time.monotonic()
        assert "now locked" in await page.inner_text("#form-error")
        account.password = right
        await fill_signin(page, desk, account)
        assert "This account is locked" in await page.inner_text("#form-error")
        assert f"{desk.base}/signin" == page.url

        entries = list(reversed(await desk.audit.recent()))
        signins = [e for e in entries if e.what.startswith("signin.")]
        assert ["signin.failure"] * 6 + ["signin.lockout", "signin.refused"] == [
            e.what for e in signins
        ]
        assert [1, 2, 3, 4, 5, 6] == [e.detail["failures"] for e in signins[:6]]
        assert {account.name} == {e.who for e in signins}
        assert "locked" == signins[-1].detail["reason"]

        await asyncio.sleep(max(0.0, LOCKOUT_S + 0.3 - (time.monotonic() - locked_at)))
        await fill_signin(page, desk, account)
        assert f"{desk.base}/queue" == page.url  # unlocked after the configured time
        assert "signin.success" == (await desk.audit.recent(1))[0].what


async def test_one_address_is_throttled_across_accounts(browser, start_desk: StartDesk) -> None:
    """Failures from one address across many names refuse that address, right password or not."""
    async with start_desk(signin_max_failures_per_address=4) as desk:
        victim = await desk.add_user("officer")
        page = (await open_page(browser)).page
        for n in range(4):
            stranger = await desk.add_user("officer")
            stranger.password = f"guess number {n} for this"
            await fill_signin(page, desk, stranger)
        await fill_signin(page, desk, victim)
        assert "from your address" in await page.inner_text("#form-error")
        assert "address" == (await desk.audit.recent(1))[0].detail["reason"]
