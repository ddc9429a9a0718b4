"""Forged requests: a POST without the CSRF token, or from another origin, gets 403."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.net import free_port
from tests.web.conftest import Desk, PageAs

pytestmark = pytest.mark.browser


async def test_a_post_without_the_csrf_token_gets_403(page_as: PageAs, desk: Desk) -> None:
    """Submitting the sign-out form with its token removed is refused; the user stays in."""
    page = (await page_as("officer")).page
    await page.evaluate("document.querySelector('form.signout input[name=_csrf]').remove()")
    async with page.expect_response(f"{desk.base}/signout") as answer:
        await page.click("form.signout button")
    assert 403 == (await answer.value).status
    assert "form had expired" in await page.inner_text("#why")
    await page.goto(f"{desk.base}/queue")
    assert f"{desk.base}/queue" == page.url  # still signed in: nothing happened


async def test_a_wrong_csrf_token_gets_403_and_claims_nothing(page_as: PageAs, desk: Desk) -> None:
    """A claim with a made-up token is refused and the ticket stays unclaimed."""
    docket = await desk.add_ticket("@MoCI_Seva my IEC application is stuck")
    page = (await page_as("officer")).page
    await page.goto(f"{desk.base}/queue")
    await page.evaluate(
        "document.querySelector('form[action$=\"/claim\"] input[name=_csrf]').value = 'forged'"
    )
    async with page.expect_response(f"{desk.base}/queue/{docket}/claim") as answer:
        await page.click(f"#ticket-{docket} button")
    assert 403 == (await answer.value).status
    assert "new" == await desk.redis.hget(desk.users.keys.ticket(docket), "state")


@pytest.fixture
async def other_site() -> AsyncIterator[tuple[str, dict[str, str]]]:
    """A page on another origin (another port) whose HTML the test sets."""
    pages: dict[str, str] = {}

    async def serve(request: web.Request) -> web.Response:
        return web.Response(text=pages["html"], content_type="text/html")

    app = web.Application()
    app.router.add_get("/", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/", pages
    finally:
        await runner.cleanup()


async def test_a_post_from_another_origin_gets_403(
    page_as: PageAs, desk: Desk, other_site: tuple[str, dict[str, str]]
) -> None:
    """A form on another origin posting to the desk, even with a real token, gets 403."""
    # Same site, other port: the browser sends the cookies, so only the Origin check stops it.
    docket = await desk.add_ticket("@MoCI_Seva my IEC application is stuck")
    page = (await page_as("officer")).page
    await page.goto(f"{desk.base}/queue")
    token = await page.get_attribute("form.signout input[name=_csrf]", "value")
    url, pages = other_site
    pages["html"] = (
        f'<form method="post" action="{desk.base}/queue/{docket}/claim">'
        f'<input type="hidden" name="_csrf" value="{token}"><button id="go">win a prize</button>'
        "</form>"
    )
    await page.goto(url)
    async with page.expect_response(f"{desk.base}/queue/{docket}/claim") as answer:
        await page.click("#go")
    assert 403 == (await answer.value).status
    assert "did not come from the desk" in await page.inner_text("#why")
    assert "new" == await desk.redis.hget(desk.users.keys.ticket(docket), "state")
    await page.goto(f"{desk.base}/queue")  # the same token from the desk itself works
    await page.click(f"#ticket-{docket} button")
    await page.wait_for_load_state()
    assert f"{docket} is yours." == await page.inner_text(".notice")
