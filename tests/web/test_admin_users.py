"""The admin's users page and audit viewer in headless Chromium: changes take effect at
once (a disabled user's open session ends), bad input saves nothing, the log shows it all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.users.model import Role
from tests.web.conftest import Account, Desk, PageAs, fill_signin, open_page, screenshot


async def _row_state(page: Any, name: str) -> str:
    text: str = await page.inner_text(f"#user-{name} td.state")
    return text.strip()


@pytest.mark.slow
async def test_a_disabled_user_s_session_ends_and_the_audit_viewer_shows_it(
    desk: Desk, page_as: PageAs, browser: Any
) -> None:
    """An officer is signed in on their own browser; the admin clicks Disable; the
    officer's next page is the sign-in form, and the audit log lists the admin's act."""
    officer = await page_as(Role.OFFICER)
    assert officer.account is not None
    name = officer.account.name
    await officer.page.goto(f"{desk.base}/queue")
    assert officer.page.url == f"{desk.base}/queue"

    admin = await page_as(Role.ADMIN)
    assert admin.account is not None
    page = admin.page
    await page.goto(f"{desk.base}/admin/users")
    await screenshot(page, "admin-users")
    await page.click(f"#user-{name} button.disable")
    await page.wait_for_load_state()
    assert "sessions have ended" in await page.inner_text(".notice")
    assert await _row_state(page, name) == "disabled"

    await officer.page.goto(f"{desk.base}/queue")
    assert officer.page.url.startswith(f"{desk.base}/signin")
    assert "session has ended" in await officer.page.inner_text(".notice")
    again = await open_page(browser)
    await fill_signin(again.page, desk, officer.account)
    assert again.page.url.startswith(f"{desk.base}/signin")  # and may not sign in again

    await page.goto(f"{desk.base}/admin/audit")
    await page.fill("#who", admin.account.name)
    await page.fill("#what", "user.disable")
    today = datetime.now(UTC).date()
    await page.fill("#from", today.isoformat())
    await page.fill("#to", today.isoformat())
    await page.click("form.filters button[type=submit]")
    await page.wait_for_load_state()
    await screenshot(page, "audit-viewer")
    rows = page.locator("table.audit tr.entry")
    assert await rows.count() == 1
    assert (await rows.locator("td.target").inner_text()).strip() == name
    assert "disabled" in await rows.inner_text()  # the after-state shows it

    # The same filter on a day before finds nothing; another user's actions are not shown.
    yesterday = (today - timedelta(days=1)).isoformat()
    await page.goto(f"{desk.base}/admin/audit?what=user.disable&from={yesterday}&to={yesterday}")
    assert await page.locator("table.audit tr.entry").count() == 0
    await page.goto(f"{desk.base}/admin/audit?who=nobody-at-all")
    assert await page.locator("table.audit tr.entry").count() == 0
    bad = await page.request.get(f"{desk.base}/admin/audit?from=yesterday")
    assert bad.status == 400
    assert "from must be a date" in await bad.text()


@pytest.mark.slow
async def test_adding_resetting_and_changing_a_role_from_the_browser(
    desk: Desk, page_as: PageAs, browser: Any
) -> None:
    """A bad new user saves nothing and says why; a good one can sign in; a reset
    password and a role change end the user's sessions; markup in a display name is
    shown as text; no password enters the audit log."""
    admin = await page_as(Role.ADMIN)
    page = admin.page
    await page.goto(f"{desk.base}/admin/users")
    await page.fill("#new-name", "sunita")
    await page.select_option("#new-role", "officer")
    await page.fill("#new-password", "a long enough password")
    await page.click("form.add-user button[type=submit]")
    await page.wait_for_load_state()
    assert "Not added" in await page.inner_text(".notice")  # an officer needs a department
    assert await desk.users.get("sunita") is None

    await page.fill("#new-name", "sunita")
    await page.fill("#new-display-name", "<b>Sunita</b> <script>alert(1)</script>")
    await page.select_option("#new-role", "officer")
    await page.fill("#new-depts", "dgft")
    await page.fill("#new-password", "a long enough password")
    await page.click("form.add-user button[type=submit]")
    await page.wait_for_load_state()
    assert "sunita added" in await page.inner_text(".notice")
    cell = page.locator("#user-sunita td").nth(1)
    assert "<script>alert(1)</script>" in await cell.inner_text()  # text, not markup
    assert await cell.locator("script, b").count() == 0
    assert admin.dialogs == []

    sunita = await desk.users.require("sunita")
    assert sunita.depts == ("dgft",)
    account = Account("sunita", Role.OFFICER, "a long enough password")
    theirs = await open_page(browser)
    await fill_signin(theirs.page, desk, account)
    assert theirs.page.url == f"{desk.base}/queue"

    row = page.locator("#user-sunita")
    await row.locator("input[name=password]").fill("another long password")
    await row.locator("form[action$='/reset'] button").click()
    await page.wait_for_load_state()
    assert "password is reset" in await page.inner_text(".notice")
    await theirs.page.goto(f"{desk.base}/queue")
    assert theirs.page.url.startswith(f"{desk.base}/signin")

    row = page.locator("#user-sunita")
    await row.locator("select[name=role]").select_option("head")
    await row.locator("input[name=depts]").fill("dgft, sez")
    await row.locator("form[action$='/role'] button").click()
    await page.wait_for_load_state()
    assert (await page.inner_text("#user-sunita td.role")).strip() == "head"
    assert (await desk.users.require("sunita")).depts == ("dgft", "sez")

    actions = [e.what for e in await desk.audit.recent() if e.target == "sunita"]
    assert {"user.add", "user.reset_password", "user.set_role"} <= set(actions)
    assert all("another long password" not in str(e) for e in await desk.audit.recent())


@pytest.mark.slow
async def test_an_admin_cannot_disable_their_own_account(desk: Desk, page_as: PageAs) -> None:
    """No Disable button on one's own row, and a forged request is refused with a reason
    (the last admin must not lock the desk)."""
    admin = await page_as(Role.ADMIN)
    assert admin.account is not None
    me = admin.account.name
    page = admin.page
    await page.goto(f"{desk.base}/admin/users")
    own = f"#user-{me}"
    assert await page.locator(f"{own} button.disable").count() == 0  # no button for oneself
    token = await page.locator("input[name=_csrf]").first.get_attribute("value")
    forced = await page.request.post(
        f"{desk.base}/admin/users/{me}/disable",
        form={"_csrf": token or ""}, headers={"Origin": desk.base},
    )  # fmt: skip
    assert forced.ok  # followed to the users page, which says no
    assert "cannot disable" in await forced.text()
    assert not (await desk.users.require(me)).disabled
