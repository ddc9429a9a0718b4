"""The head's page and the claim race, over HTTP against the real web role and redis-server."""

from __future__ import annotations

import asyncio
import html

import aiohttp

from tests.web.conftest import Desk, csrf_of


async def _post(http: aiohttp.ClientSession, desk: Desk, path: str, **form: str) -> str:
    """POST a form from the queue page's session; return the notice shown next."""
    token = csrf_of(await (await http.get(f"{desk.base}/queue")).text())
    async with http.post(f"{desk.base}{path}", data={"_csrf": token, **form}) as response:
        page = await response.text()
    return html.unescape(page.split('class="notice" role="status">', 1)[-1].split("</p>", 1)[0])


async def test_two_officers_claiming_one_ticket_one_wins_and_the_other_is_told_who(
    desk: Desk,
) -> None:
    """Two claims at once from two officers: one gets the ticket, the other is told who holds it."""
    docket = await desk.add_ticket("@MoCI_Seva my IEC is stuck")
    meera, ravi = (
        await desk.add_user("officer", name="meera"),
        await desk.add_user("officer", name="ravi"),
    )
    one, two = await desk.http_signin(meera), await desk.http_signin(ravi)
    async with one, two:
        notices = await asyncio.gather(
            _post(one, desk, f"/ticket/{docket}/claim"), _post(two, desk, f"/ticket/{docket}/claim")
        )
    holder = await desk.redis.hget(desk.users.keys.ticket(docket), "officer")
    assert holder in {"meera", "ravi"}
    won = [n for n in notices if n == f"{docket} is yours."]
    lost = [n for n in notices if n != f"{docket} is yours."]
    assert 1 == len(won), notices
    assert f"held by {holder}" in lost[0], lost


async def test_the_head_sees_each_officers_load_and_reassigns_a_ticket(desk: Desk) -> None:
    """The head's page counts what each officer holds; reassigning moves the claim and is
    audited; an officer of another department is refused."""
    docket = await desk.add_ticket("@MoCI_Seva my IEC is stuck")
    meera = await desk.add_user("officer", name="meera")
    await desk.add_user("officer", name="ravi")
    async with await desk.http_signin(meera) as http:
        assert "is yours" in await _post(http, desk, f"/ticket/{docket}/claim")
    head = await desk.add_user("head", name="asha")
    async with await desk.http_signin(head) as http:
        page = await (await http.get(f"{desk.base}/dept")).text()
        row = page.split('id="load-meera"', 1)[1].split("</tr>", 1)[0]
        assert "<td>1</td>" in row, row
        assert "past the SLA" in page
        await desk.users.set_role("ravi", "officer", ["dpiit"], "test")
        refused = await _post(http, desk, f"/dept/{docket}/reassign", to="ravi")
        assert "Choose an officer of dgft" in refused
        await desk.users.set_role("ravi", "officer", ["dgft"], "test")
        done = await _post(http, desk, f"/dept/{docket}/reassign", to="ravi")
        assert f"{docket} is now held by ravi." == done
    assert "ravi" == await desk.redis.hget(desk.users.keys.ticket(docket), "officer")
    entries = await desk.audit.recent(20)
    assert any(e.what == "ticket.reassign" and e.target == docket for e in entries)


async def test_an_answer_repeating_the_citizens_phone_is_flagged_in_the_preview_and_refused(
    desk: Desk,
) -> None:
    """The preview warns that the answer repeats personal data; Send is refused, nothing queued."""
    await desk.import_kb()
    docket = await desk.add_ticket("@MoCI_Seva call me on 9876543210 about my IEC")
    async with await desk.http_signin(await desk.add_user("officer")) as http:
        assert "is yours" in await _post(http, desk, f"/ticket/{docket}/claim")
        token = csrf_of(await (await http.get(f"{desk.base}/ticket/{docket}")).text())
        answer = {"answer_en": "We will call you on 98765 43210 today."}
        async with http.post(
            f"{desk.base}/ticket/{docket}/preview", data=answer, headers={"X-CSRF-Token": token}
        ) as response:
            assert "Repeats the citizen's personal data (phone)" in await response.text()
        refused = await _post(http, desk, f"/ticket/{docket}/reply", **answer)
    assert "repeats a citizen's personal data (phone)" in refused, refused
    assert "claimed" == await desk.redis.hget(desk.users.keys.ticket(docket), "state")
