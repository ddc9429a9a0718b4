"""A head's department page: escalations first, and transferring a ticket, validated."""

from __future__ import annotations

import json

import pytest

from tests.web.conftest import Desk, PageAs, csrf_of


@pytest.mark.browser
async def test_a_head_sees_escalations_first_and_transfers(page_as: PageAs, desk: Desk) -> None:
    """A head sees escalations first and transfers a ticket, recorded under the head's id."""
    await desk.import_kb()
    plain = await desk.add_ticket("@MoCI_Seva my IEC is stuck")
    escalated = await desk.add_ticket("@MoCI_Seva nobody answered for three days")
    await desk.rewrite(escalated, level="1")
    watched = await page_as("head")
    page, head = watched.page, watched.account
    assert head is not None
    rows = await page.eval_on_selector_all("table.tickets tbody tr", "rs => rs.map(r => r.id)")
    assert [f"ticket-{escalated}", f"ticket-{plain}"] == rows
    assert "1 escalated ticket." == await page.inner_text("#escalations")
    await page.select_option(f"#ticket-{plain} select[name=to]", "sez")
    await page.click(f"#ticket-{plain} form.transfer button")
    await page.wait_for_load_state()
    assert f"{plain} transferred to sez." == await page.inner_text(".notice")
    assert "sez" == await desk.redis.hget(desk.users.keys.ticket(plain), "dept")
    last = json.loads((await desk.redis.lrange(desk.users.keys.ticket_history(plain), -1, -1))[0])
    assert ("transferred", head.name) == (last["event"], last["by"])
    [entry] = [e for e in await desk.audit.recent() if e.what == "ticket.transfer"]
    assert (head.name, plain, {"dept": "sez"}) == (entry.who, entry.target, entry.after)


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("", "Choose a department to transfer to."),
        ("x" * 40, "Department is too long (at most 32 characters)."),
        ("nowhere", "&#39;nowhere&#39; is not a department of the knowledge base."),
        ("dgft", "is already in dgft."),
    ],
)
async def test_a_bad_transfer_field_gets_a_message_and_changes_nothing(
    desk: Desk, to: str, message: str
) -> None:
    """A missing, over-long, unknown or unchanged department is refused; nothing changes."""
    await desk.import_kb()
    docket = await desk.add_ticket("@MoCI_Seva my IEC is stuck")
    history = await desk.redis.lrange(desk.users.keys.ticket_history(docket), 0, -1)
    http = await desk.http_signin(await desk.add_user("head"))
    async with http:
        token = csrf_of(await (await http.get(f"{desk.base}/dept")).text())
        form = {"_csrf": token, "to": to}
        async with http.post(f"{desk.base}/dept/{docket}/transfer", data=form) as r:
            assert f"{desk.base}/dept" == str(r.url)
            assert message in await r.text()
    assert "dgft" == await desk.redis.hget(desk.users.keys.ticket(docket), "dept")
    assert history == await desk.redis.lrange(desk.users.keys.ticket_history(docket), 0, -1)


async def test_a_head_cannot_transfer_another_departments_ticket(desk: Desk) -> None:
    """A head of dgft cannot move a sez ticket."""
    await desk.import_kb()
    docket = await desk.add_ticket("@MoCI_Seva SEZ approval pending", dept="sez")
    http = await desk.http_signin(await desk.add_user("head"))
    async with http:
        token = csrf_of(await (await http.get(f"{desk.base}/dept")).text())
        form = {"_csrf": token, "to": "dgft"}
        async with http.post(f"{desk.base}/dept/{docket}/transfer", data=form) as r:
            assert "not to your departments" in await r.text()
    assert "sez" == await desk.redis.hget(desk.users.keys.ticket(docket), "dept")
