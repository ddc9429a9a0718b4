"""The one route table, walked: every route as every role and as nobody."""

from __future__ import annotations

import json
from operator import itemgetter

import aiohttp
import pytest

from bot.clock import SystemClock
from bot.keys import Keys
from bot.settings import load_settings
from bot.store import connect
from bot.tickets.gap_store import GapStore
from bot.users.model import Role
from bot.web.access import allowed
from bot.web.app import create_app
from bot.web.routes import ROUTES, Route
from tests.web.conftest import Desk, csrf_of

ROLES: list[Role | None] = [None, *Role]


def expected(route: Route, role: Role | None) -> int:
    """What the table says this caller gets."""
    if allowed(route, role):
        return route.ok
    if role is None and route.method == "GET":
        return 302  # to the sign-in page
    return 403


async def _client(desk: Desk, role: Role | None) -> aiohttp.ClientSession:
    if role is None:
        return aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"Origin": desk.base}
        )
    return await desk.http_signin(await desk.add_user(role))


async def _answer(desk: Desk, route: Route, role: Role | None, job: str) -> int:
    """Call ``route`` once as ``role`` (a fresh session each time) and return the status."""
    docket = await desk.add_ticket("@MoCI_Seva my IEC is stuck")
    post = await desk.add_triaged("@MoCI_Seva nice seminar today")
    spare = await desk.add_user(Role.OFFICER)  # for POST /signin
    target = await desk.add_user(Role.OFFICER)  # for the admin's actions on a user
    gaps = GapStore(desk.redis, desk.users.keys, SystemClock())
    draft = await gaps.save_draft({"posts": [], "examples": {}, "by": "test", "at": ""})
    kb_item = {"faq": "iec-apply", "directory": "mea-passport", "department": "dgft"}
    path = route.path.format(
        name="htmx.min.js", chart="sla", docket=docket, post=post, user=target.name, draft=draft,
        item=next((v for k, v in kb_item.items() if f"/kb/{k}/" in route.path), ""),
        lang="en", tkind="ack", job=job,
    )  # fmt: skip
    async with await _client(desk, role) as http:
        token = csrf_of(await (await http.get(f"{desk.base}/signin")).text())
        data = {"_csrf": token, "name": spare.name, "password": spare.password, "code": ""}
        async with http.request(
            route.method, desk.base + path, data=data if route.method == "POST" else None,
            allow_redirects=False,
        ) as response:  # fmt: skip
            return response.status


@pytest.mark.slow
async def test_every_route_as_every_role_and_nobody(desk: Desk) -> None:
    """Each route answers each role (and nobody) exactly as the route table says."""
    await desk.import_kb()  # converting a triaged post composes its acknowledgement
    job = await desk.park_publishes()
    answers = {}
    wanted = {}
    for route in ROUTES:
        for role in ROLES:
            who = role.value if role else "nobody"
            answers[route.method, route.path, who] = await _answer(desk, route, role, job)
            wanted[route.method, route.path, who] = expected(route, role)
    assert wanted == answers
    assert {200, 302, 303, 403} == set(answers.values())


def test_the_table_is_every_route_of_the_app() -> None:
    """No route reaches the application without an entry (and roles) in the table."""
    settings = load_settings(web_port=0, x_base_url="http://127.0.0.1:9")
    app = create_app(settings, connect("redis://127.0.0.1:9/0"), Keys("x"))
    served = {
        (r.method, r.resource.canonical) for r in app.router.routes() if r.resource is not None
    }
    assert {(r.method, r.path) for r in ROUTES} == served


async def test_readyz_details_only_for_an_admin(desk: Desk) -> None:
    """/readyz gives nobody and non-admins only the status; a signed-in admin the details."""
    async with aiohttp.ClientSession() as http, http.get(f"{desk.base}/readyz") as r:
        assert (200, {"ok": True}) == (r.status, await r.json())
    officer = await desk.http_signin(await desk.add_user("officer"))
    async with officer, officer.get(f"{desk.base}/readyz") as r:
        assert {"ok": True} == await r.json()
    admin = await desk.http_signin(await desk.add_user("admin"))
    async with admin, admin.get(f"{desk.base}/readyz") as r:
        body = await r.json()
    assert 200 == r.status
    assert ["web"] == [role["role"] for role in body["roles"]]
    assert body["roles"][0]["up"] is True
    assert "alarms" in body


async def test_a_claim_records_the_signed_in_users_id(desk: Desk) -> None:
    """Claiming on the desk records the user's id in the ticket and its history."""
    docket = await desk.add_ticket("@MoCI_Seva my IEC is stuck")
    account = await desk.add_user("officer")
    async with await desk.http_signin(account) as http:
        token = csrf_of(await (await http.get(f"{desk.base}/queue")).text())
        async with http.post(
            f"{desk.base}/queue/{docket}/claim", data={"_csrf": token}, allow_redirects=False
        ) as r:
            assert 303 == r.status
    assert account.name == await desk.redis.hget(desk.users.keys.ticket(docket), "officer")
    history = await desk.redis.lrange(desk.users.keys.ticket_history(docket), 0, -1)
    assert (account.name, "claimed") == itemgetter("by", "event")(json.loads(history[-1]))
    [entry] = [e for e in await desk.audit.recent() if e.what == "ticket.claim"]
    assert (account.name, docket) == (entry.who, entry.target)
    assert ({"state": "new"}, "claimed") == (entry.before, entry.after["state"])


async def test_an_officer_cannot_claim_another_departments_ticket(desk: Desk) -> None:
    """An officer of dgft claiming a sez ticket is told no, and the ticket stays new."""
    docket = await desk.add_ticket("@MoCI_Seva SEZ approval pending", dept="sez")
    async with await desk.http_signin(await desk.add_user("officer")) as http:
        token = csrf_of(await (await http.get(f"{desk.base}/queue")).text())
        async with http.post(f"{desk.base}/queue/{docket}/claim", data={"_csrf": token}) as r:
            assert "not to your departments" in await r.text()
    assert "new" == await desk.redis.hget(desk.users.keys.ticket(docket), "state")
