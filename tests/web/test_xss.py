"""What people typed renders as text: a display name or a citizen's post with markup is inert."""

from __future__ import annotations

import pytest

from tests.web.conftest import Desk, PageAs

pytestmark = pytest.mark.browser

SCRIPT = "<script>alert('script ran')</script>"
IMG = "<img src=x onerror=alert('img ran')>"


@pytest.mark.parametrize("payload", [SCRIPT, IMG, f"Meera {SCRIPT}{IMG}"])
async def test_markup_in_a_display_name_renders_inert(
    page_as: PageAs, desk: Desk, payload: str
) -> None:
    """Markup in a display name shows as text in the header and users table; no dialog fires."""
    watched = await page_as("admin", display_name=payload)
    await desk.add_user("officer", name="other", display_name=payload)
    page = watched.page
    await page.reload()
    await page.wait_for_timeout(300)  # give an onerror handler its chance to run
    assert [] == watched.dialogs
    assert payload == await page.inner_text("#display-name")
    assert payload == await page.inner_text("#user-other .display-name")
    assert 0 == await page.locator("main img, header img, #display-name *").count()
    assert "&lt;" in await page.content()  # escaped in the HTML, not merely hidden


async def test_markup_in_a_citizens_post_renders_inert(page_as: PageAs, desk: Desk) -> None:
    """A ticket whose text and handle carry markup shows them as text on the officer's queue."""
    text = f"@MoCI_Seva my IEC is stuck {SCRIPT} {IMG}"
    docket = await desk.add_ticket(text, handle="x<b>y</b>")
    watched = await page_as("officer")
    page = watched.page
    await page.wait_for_timeout(300)
    assert [] == watched.dialogs
    assert text == await page.inner_text(f"#ticket-{docket} td.text")
    assert "@x<b>y</b>" in await page.inner_text(f"#ticket-{docket}")
    assert 0 == await page.locator("table.tickets img, table.tickets b").count()
