"""The officer's queue over HTTP: order, SLA colours, filters, search, counts, pages, bad input."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from tests.web.conftest import Desk, StartDesk, csrf_of

ROW_RE = re.compile(r'<tr id="ticket-([^"]+)" class="([^"]*)"')


def rows(page: str) -> list[str]:
    """The dockets of a queue page's rows, in order."""
    return [m.group(1) for m in ROW_RE.finditer(page)]


def classes(page: str) -> dict[str, str]:
    """Each row's CSS classes."""
    return {m.group(1): m.group(2) for m in ROW_RE.finditer(page)}


async def get(http: aiohttp.ClientSession, desk: Desk, query: str = "") -> tuple[int, str]:
    async with http.get(f"{desk.base}/queue{query}", allow_redirects=False) as r:
        return r.status, await r.text()


async def set_due(desk: Desk, docket: str, *, hours_from_start: float, hours_left: float) -> None:
    """Place a ticket's SLA period: started ``hours_from_start`` ago, ``hours_left`` to go."""
    now = datetime.now(UTC)
    await desk.rewrite(
        docket,
        created_at=(now - timedelta(hours=hours_from_start)).isoformat(),
        due_at=(now + timedelta(hours=hours_left)).isoformat(),
    )


async def test_sorted_by_due_time_and_coloured_by_time_left(desk: Desk) -> None:
    """Rows run earliest due first; plenty / under 25 % left / breached get their class and word."""
    ok = await desk.add_ticket("@MoCI_Seva plenty of time")
    low = await desk.add_ticket("@MoCI_Seva little time")
    late = await desk.add_ticket("@MoCI_Seva too late")
    await set_due(desk, ok, hours_from_start=1, hours_left=40)
    await set_due(desk, low, hours_from_start=40, hours_left=5)  # 5 of 45 h: 11 % left
    await set_due(desk, late, hours_from_start=50, hours_left=-2)
    await desk.rewrite(late, level="1")
    async with await desk.http_signin(await desk.add_user("head")) as http:
        status, page = await get(http, desk)
    assert 200 == status
    assert [late, low, ok] == rows(page)
    css = classes(page)
    assert "sla-ok level-0" == css[ok]
    assert "sla-low level-0" == css[low]
    assert "sla-breached level-1" == css[late]
    for docket, word in ((ok, "on time"), (low, "due soon"), (late, "breached")):
        row = page[page.index(f'id="ticket-{docket}"') :].split("</tr>")[0]
        assert f'<span class="sla-label">{word}</span>' in row
    assert "escalated (1)" in page


async def test_filters_search_and_counts(desk: Desk) -> None:
    """Each filter narrows the rows; the counts per state follow the other filters; search folds case."""
    k = desk.users.keys
    plain = await desk.add_ticket("@MoCI_Seva my IEC is stuck")
    hindi = await desk.add_ticket("@MoCI_Seva मेरा IEC अटका है")
    await desk.redis.hset(k.ticket(hindi), "nlu", json.dumps({"lang": "hi"}))
    hand = await desk.add_ticket("#MoCI_Seva hashtag only, Export Licence")
    await desk.redis.hset(k.ticket(hand), "reply_allowed", "0")
    master = await desk.add_ticket("@MoCI_Seva portal down")
    member = await desk.add_ticket("@MoCI_Seva the portal is down again")
    # A storm member as the storm sweep leaves it: out of its queue, in its master's set.
    await desk.redis.hset(k.ticket(member), "storm_of", master)
    await desk.redis.zrem(k.queue("dgft"), member)
    await desk.redis.zadd(k.storm(master), {member: 1})
    await desk.redis.hset(k.ticket(master), "storm_size", "1")
    officer = await desk.add_user("officer")
    async with await desk.http_signin(officer) as http:
        token = csrf_of((await get(http, desk))[1])
        async with http.post(f"{desk.base}/queue/{plain}/claim", data={"_csrf": token}) as r:
            assert 200 == r.status
        everything = set(rows((await get(http, desk))[1]))
        wanted = {
            "?state=claimed": {plain},
            "?state=new": {hindi, hand, master, member},
            "?lang=hi": {hindi},
            "?hand=1": {hand},
            "?storm=masters": {master},
            "?storm=members": {member},
            "?mine=1": {plain},
            "?dept=dgft&q=iec": {plain, hindi},
            f"?q={plain.lower()}": {plain},
            "?q=export+LICENCE": {hand},
            "?q=nothing+like+this": set(),
        }
        got = {q: set(rows((await get(http, desk, q))[1])) for q in wanted}
        _, counted = await get(http, desk, "?q=iec")
    assert {plain, hindi, hand, master, member} == everything
    assert wanted == got
    assert ">claimed: 1</a>" in counted
    assert ">new: 1</a>" in counted  # the other filters apply to the counts
    assert ">transferred: 0</a>" in counted
    assert "2 shown" in counted


async def test_pages(start_desk: StartDesk) -> None:
    """Seven tickets at five a page: two pages, in due order, with links; past the end, the last."""
    async with start_desk(web_queue_page_size=5) as desk:
        made = [await desk.add_ticket(f"@MoCI_Seva ticket {n}") for n in range(7)]
        async with await desk.http_signin(await desk.add_user("officer")) as http:
            _, first = await get(http, desk)
            _, second = await get(http, desk, "?page=2")
            status, beyond = await get(http, desk, "?page=9")
    assert made[:5] == rows(first)
    assert made[5:] == rows(second)
    assert 'rel="next" href="/queue?page=2"' in first
    assert "page 1 of 2" in first
    assert 'rel="prev" href="/queue?"' in second  # page 1: no parameters
    assert (200, made[5:]) == (status, rows(beyond))
    assert "There is no page 9; this is the last, page 2." in beyond


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("?state=bogus", "State &#39;bogus&#39; is not one of"),
        ("?state=closed", "is not one of"),  # a done state is not on a queue
        ("?dept=sez", "Department &#39;sez&#39; is not one of: dgft."),
        ("?storm=all", "Storm &#39;all&#39; is not one of"),
        ("?lang=%3Cscript%3E", "Language is a short lower-case code"),
        ("?hand=yes", "hand takes 1 or nothing."),
        ("?mine=0", "mine takes 1 or nothing."),
        ("?page=abc", "Page is a whole number from 1."),
        ("?page=0", "Page is a whole number from 1."),
        ("?page=-1", "Page is a whole number from 1."),
        ("?page=99999999999999999999", "Page is a whole number from 1."),
        ("?q=" + "x" * 101, "Search is too long (at most 100 characters)."),
        ("?state=" + "n" * 5000, "is not one of"),
    ],
)
async def test_bad_parameters_answer_400_with_the_reason(desk: Desk, query: str, why: str) -> None:
    """A value the queue cannot take is a 400 naming the parameter, never a 500; no rows leak."""
    await desk.add_ticket("@MoCI_Seva my IEC is stuck")
    async with await desk.http_signin(await desk.add_user("officer")) as http:
        status, page = await get(http, desk, query)
        row_status = (await http.get(f"{desk.base}/queue/row/nope{query}")).status
    assert 400 == status
    assert why in page
    assert [] == rows(page)
    assert len(page) < 20_000  # a 5,000-character value is not echoed whole
    assert 404 == row_status  # the docket is checked first; no such ticket


async def test_unknown_parameters_are_ignored(desk: Desk) -> None:
    """A parameter the queue does not know (a cache-buster) changes nothing."""
    docket = await desk.add_ticket("@MoCI_Seva my IEC is stuck")
    async with await desk.http_signin(await desk.add_user("officer")) as http:
        assert (200, [docket]) == ((s := await get(http, desk, "?_=123&x=y"))[0], rows(s[1]))


async def test_an_officer_never_sees_another_departments_rows(desk: Desk) -> None:
    """A sez ticket is on no dgft page (unfiltered, searched for, claimed) and its row is 403."""
    ours = await desk.add_ticket("@MoCI_Seva IEC stuck")
    theirs = await desk.add_ticket("@MoCI_Seva SEZ approval pending", dept="sez")
    sez_officer = "sezofficer"
    await desk.users.add(sez_officer, "officer", ["sez"], "x" * 16, None, "test")
    k = desk.users.keys
    # Claimed by a sez officer.
    await desk.rewrite(theirs, state="claimed", officer=sez_officer)
    await desk.redis.zrem(k.queue("sez"), theirs)
    await desk.redis.zadd(k.claims, {theirs: 1})
    async with await desk.http_signin(await desk.add_user("officer")) as http:
        pages = [(await get(http, desk, q))[1] for q in ("", f"?q={theirs}", "?state=claimed")]
        async with http.get(f"{desk.base}/queue/row/{theirs}") as r:
            theirs_row = (r.status, await r.text())
        async with http.get(f"{desk.base}/queue/row/{ours}") as r:
            ours_row = (r.status, await r.text())
    assert [[ours], [], []] == [rows(p) for p in pages]
    assert all("SEZ approval" not in p for p in pages)
    assert theirs not in pages[0] + pages[2]  # (the search page echoes the docket searched for)
    assert 403 == theirs_row[0]
    assert "SEZ approval" not in theirs_row[1]
    assert 200 == ours_row[0]
    assert [ours] == rows(ours_row[1])


async def test_a_row_leaves_when_it_is_no_longer_on_the_queue(desk: Desk) -> None:
    """/queue/row answers 204 for a ticket outside the filters or closed, the row otherwise."""
    docket = await desk.add_ticket("@MoCI_Seva IEC stuck")
    async with await desk.http_signin(await desk.add_user("officer")) as http:
        url = f"{desk.base}/queue/row/{docket}"
        fits = (await http.get(url)).status
        filtered_out = (await http.get(url + "?state=claimed")).status
        await desk.redis.hset(desk.users.keys.ticket(docket), "state", "closed")
        closed = (await http.get(url)).status
    assert (200, 204, 204) == (fits, filtered_out, closed)


async def test_the_page_reads_no_ticket_outside_its_indexes(desk: Desk) -> None:
    """A ticket hash out of the desk's index is on no page, filtered or not: nothing scans tickets."""
    docket = await desk.add_ticket("@MoCI_Seva IEC stuck")
    await desk.redis.zrem(desk.users.keys.desk("dgft", "new", "officer"), docket)
    async with await desk.http_signin(await desk.add_user("officer")) as http:
        assert [] == rows((await get(http, desk))[1])
        assert [] == rows((await get(http, desk, "?q=stuck"))[1])
