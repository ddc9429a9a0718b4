"""Security headers on every response: pages, redirects, errors, static files."""

from __future__ import annotations

import aiohttp

from bot.web.headers import HEADERS
from bot.web.routes import ROUTES
from tests.web.conftest import Desk, csrf_of

REQUIRED = {
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
}


def _check(response: aiohttp.ClientResponse) -> None:
    for name in REQUIRED:
        assert HEADERS[name] == response.headers.get(name), (response.url, name)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "nosniff" == response.headers["X-Content-Type-Options"]


async def test_security_headers_on_every_route_and_error(desk: Desk) -> None:
    """Every route (as nobody and as an admin), a 404, a 405 and a 403 carry the headers."""
    seen = set()
    job = await desk.park_publishes()  # no route walk starts a training
    admin = await desk.http_signin(await desk.add_user("admin"))
    anonymous = aiohttp.ClientSession(headers={"Origin": desk.base})
    try:
        for http in (anonymous, admin):
            token = csrf_of(await (await http.get(f"{desk.base}/signin")).text())
            for route in ROUTES:
                if route.path == "/signout":
                    continue  # would end the admin's session; checked last
                path = route.path.format(
                    name="desk.css",
                    chart="sla",
                    docket="MOCI-2026-000001",
                    post="1960000000000000001",
                    user="nobody",
                    draft="none",
                    item="none",
                    lang="en",
                    tkind="none",
                    job=job,
                )
                async with http.request(
                    route.method, desk.base + path, data={"_csrf": token} if route.method == "POST" else None,
                    allow_redirects=False,
                ) as r:  # fmt: skip
                    _check(r)
                    seen.add(r.status)
            for method, path in (("GET", "/nowhere"), ("PUT", "/queue"), ("POST", "/admin")):
                async with http.request(method, desk.base + path, allow_redirects=False) as r:
                    _check(r)
                    seen.add(r.status)
        async with admin.post(f"{desk.base}/signout", allow_redirects=False) as r:
            _check(r)  # refused: no token
            seen.add(r.status)
    finally:
        await admin.close()
        await anonymous.close()
    assert {200, 302, 400, 403, 404, 405} <= seen


async def test_the_session_cookie_is_httponly_and_samesite_lax(start_desk) -> None:
    """The session cookie is HttpOnly and SameSite=Lax, and Secure when the setting says so."""
    for secure in (False, True):
        async with (
            start_desk(web_cookie_secure=secure) as desk,
            aiohttp.ClientSession() as http,
            http.get(f"{desk.base}/signin") as r,
        ):
            cookie = r.headers["Set-Cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert secure == ("Secure" in cookie)
