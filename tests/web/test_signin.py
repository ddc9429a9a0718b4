"""Signing in through the browser: each role's start page, and the form's validation."""

from __future__ import annotations

import pytest

from tests.web.conftest import Desk, PageAs, fill_signin, open_page

pytestmark = pytest.mark.browser

START = {
    "officer": ("/queue", "Queue: dgft"),
    "head": ("/dept", "Department: dgft"),
    "admin": ("/admin", "Admin"),
    "viewer": ("/reports", "Reports"),
}


@pytest.mark.parametrize("role", list(START))
async def test_each_role_lands_on_its_start_page(page_as: PageAs, desk: Desk, role: str) -> None:
    """A user of each role signs in through the form and lands on that role's own page."""
    watched = await page_as(role)
    path, heading = START[role]
    page = watched.page
    assert f"{desk.base}{path}" == page.url
    assert heading == await page.inner_text("h1")
    assert role in await page.inner_text("header .who")
    assert "object" == await page.evaluate("typeof htmx")  # vendored htmx loaded under CSP
    assert [] == watched.console_errors  # no CSP violation, nothing failed to load
    assert watched.account is not None
    audit = [e for e in await desk.audit.recent() if e.what == "signin.success"]
    assert [watched.account.name] == [e.who for e in audit]


async def test_viewer_page_offers_no_action(page_as: PageAs) -> None:
    """The viewer's reports page has no form, button or htmx action except signing out."""
    page = (await page_as("viewer")).page
    assert ["/signout"] == await page.eval_on_selector_all(
        "form", "fs => fs.map(f => f.getAttribute('action'))"
    )
    assert ["Sign out"] == [b.strip() for b in await page.locator("button").all_inner_texts()]
    actions = "[hx-post],[hx-put],[hx-patch],[hx-delete],[hx-get],input:not([type=hidden])"
    assert 0 == await page.locator(actions).count()
    assert 5 == await page.locator("table.figures tbody tr").count()  # day ... quarter, all


async def test_missing_and_overlong_fields_get_clear_messages(browser, desk: Desk) -> None:
    """An empty or over-long field is named in a message, and nobody is signed in."""
    account = await desk.add_user("officer")
    page = (await open_page(browser)).page
    await page.goto(f"{desk.base}/signin")
    await page.click("form.signin button[type=submit]")
    assert "Name is required." == await page.inner_text("#name-error")
    assert "Password is required." == await page.inner_text("#password-error")
    await page.fill("#name", account.name)
    await page.fill("#password", "x" * 300)
    await page.click("form.signin button[type=submit]")
    assert "too long" in await page.inner_text("#password-error")
    assert f"{desk.base}/signin" == page.url
    assert [] == [e for e in await desk.audit.recent() if e.what.startswith("signin.")]


async def test_wrong_password_is_refused_and_audited(browser, desk: Desk) -> None:
    """A wrong password shows a message, keeps the user out, and is in the audit log."""
    account = await desk.add_user("officer")
    account.password = "not the password at all"
    page = (await open_page(browser)).page
    await fill_signin(page, desk, account)
    assert "Wrong name, password or code." == await page.inner_text("#form-error")
    await page.goto(f"{desk.base}/queue")
    assert f"{desk.base}/signin" == page.url
    [entry] = [e for e in await desk.audit.recent() if e.what == "signin.failure"]
    assert (account.name, "wrong password") == (entry.who, entry.detail["reason"])


async def test_signout_ends_the_session(page_as: PageAs, desk: Desk) -> None:
    """After signing out, the start page sends the browser back to the sign-in form."""
    page = (await page_as("officer")).page
    await page.click("form.signout button")
    await page.wait_for_load_state()
    assert f"{desk.base}/signin" == page.url
    assert "You have signed out." == await page.inner_text(".notice")
    await page.goto(f"{desk.base}/queue")
    assert f"{desk.base}/signin" == page.url
