"""Second factor: TOTP is required for admins and heads; recovery codes work once."""

from __future__ import annotations

import pytest

from tests.web.conftest import Desk, fill_signin, open_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("role", ["admin", "head"])
async def test_without_totp_an_admin_or_head_cannot_sign_in(browser, desk: Desk, role) -> None:
    """An admin (or head) with the right password but no TOTP enrolled is refused."""
    account = await desk.add_user(role, totp=False)
    page = (await open_page(browser)).page
    await fill_signin(page, desk, account, code="")
    assert "must use a TOTP code" in await page.inner_text("#form-error")
    await page.goto(f"{desk.base}/admin")
    assert f"{desk.base}/signin" == page.url
    assert "no totp" == (await desk.audit.recent(1))[0].detail["reason"]


async def test_enrolled_totp_is_required_and_checked(browser, desk: Desk) -> None:
    """With TOTP enrolled, a missing or wrong code is refused; the right one signs in."""
    account = await desk.add_user("admin")
    page = (await open_page(browser)).page
    await fill_signin(page, desk, account, code="")
    assert "Enter the code" in await page.inner_text("#form-error")
    await fill_signin(page, desk, account, code="000000" if account.code() != "000000" else "1")
    assert "Wrong name, password or code." == await page.inner_text("#form-error")
    await fill_signin(page, desk, account)
    assert f"{desk.base}/admin" == page.url


async def test_officer_totp_is_optional(browser, desk: Desk) -> None:
    """An officer without TOTP signs in with the password alone."""
    account = await desk.add_user("officer")
    page = (await open_page(browser)).page
    await fill_signin(page, desk, account, code="")
    assert f"{desk.base}/queue" == page.url


async def test_a_recovery_code_works_once_and_never_again(browser, desk: Desk) -> None:
    """A recovery code signs an admin in once; the same code is refused the second time."""
    account = await desk.add_user("admin")
    codes = await desk.users.new_recovery_codes(account.name, "test")
    first = (await open_page(browser)).page
    await fill_signin(first, desk, account, code=codes[0])
    assert f"{desk.base}/admin" == first.url
    assert "recovery code" in await first.inner_text(".notice")
    assert 9 == await desk.users.recovery_codes_left(account.name)

    second = (await open_page(browser)).page
    await fill_signin(second, desk, account, code=codes[0])
    assert "Wrong name, password or code." == await second.inner_text("#form-error")
    assert f"{desk.base}/signin" == second.url
    await fill_signin(second, desk, account, code=codes[1])  # another code still works
    assert f"{desk.base}/admin" == second.url
    methods = [
        e.detail.get("method") for e in await desk.audit.recent() if e.what.startswith("signin.")
    ]
    assert ["password+recovery", None, "password+recovery"] == methods[::-1]
