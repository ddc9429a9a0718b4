"""``/queue``: an officer's departments' open tickets, by SLA due time, filtered and paged.

Each row is coloured and labelled by the share of its SLA period left (``bot.web.urgency``)
and carries its escalation level. The page follows ticket moves live (``pages.live`` and
``static/queue-live.js``): on each move the browser fetches that one row again from
``/queue/row/{docket}``, which applies the same access checks and filters as the page.
An officer's queue holds tickets still at the officer level; heads and admins see every
level (``/dept`` shows a head's escalations first).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from bot.errors import TicketError
from bot.kb.source import RedisKB
from bot.nlu.evaluate import LANGS
from bot.tickets.desk_index import DeskIndex
from bot.tickets.model import WAITING, Ticket
from bot.users.model import Role, User
from bot.web import candidates, csrf
from bot.web.context import (
    AUDIT,
    CLOCK,
    KEYS,
    REDIS,
    SETTINGS,
    TICKETS,
    WORKFLOW,
    notify,
    render,
    signed_in,
)
from bot.web.pages.live import sees
from bot.web.queue_filter import STATES, STORMS, FilterError, QueueFilter, parse, storm_size
from bot.web.urgency import Urgency, period_start, urgency

DOCKET_MAX = 40


@dataclass(frozen=True)
class Row:
    """One ticket as the queue shows it to one user."""

    ticket: Ticket
    urgency: Urgency
    period_from: datetime
    claimable: bool  # waiting, in no storm: the Claim button
    taken_by: str  # claimed by someone else ("" if not)
    members: int  # storm members waiting on it


def row_of(ticket: Ticket, user: User, now: datetime) -> Row:
    """How ``ticket`` shows to ``user`` at ``now``."""
    claimed = ticket.state not in WAITING and ticket.officer is not None
    return Row(
        ticket=ticket,
        urgency=urgency(ticket, now),
        period_from=period_start(ticket),
        # A storm member gets its master's answer: claiming it alone would answer twice.
        claimable=ticket.state in WAITING and ticket.storm_of is None,
        taken_by=ticket.officer or "" if claimed and ticket.officer != user.name else "",
        members=storm_size(ticket),
    )


async def departments(request: web.Request, user: User) -> list[str]:
    """The departments a user works on: their own, or every department for an admin.

    An admin's are the KB's and every one the desk's index has filed tickets of (so one
    no longer in the KB still shows).
    """
    if user.role is not Role.ADMIN:
        return list(user.depts)
    redis, keys = request.app[REDIS], request.app[KEYS]
    kb = await RedisKB(redis, keys).load()
    return sorted({d.id for d in kb.departments} | await DeskIndex(redis, keys).departments())


async def open_tickets(request: web.Request, depts: list[str], *, escalated: bool) -> list[Ticket]:
    """Open tickets of ``depts``, earliest due first; escalated ones only if ``escalated``."""
    limit = request.app[SETTINGS].web_queue_max_tickets
    index = DeskIndex(request.app[REDIS], request.app[KEYS])
    return await index.open_tickets(depts, candidates.tiers_for(escalated), limit)


def _query(request: web.Request) -> dict[str, str]:
    """The query's parameters, the first value of each (a repeated one is not a list)."""
    return {k: request.query.getone(k) for k in request.query}


async def page(request: web.Request) -> web.Response:
    """The signed-in user's queue (400, with the reason, for a filter it cannot take)."""
    user = signed_in(request)
    depts = await departments(request, user)
    context: dict[str, Any] = {"depts": depts, "states": STATES, "storms": STORMS, "langs": LANGS}
    try:
        wanted = parse(_query(request), depts)
    except FilterError as err:
        context |= {"f": QueueFilter(), "error": str(err), "rows": [], "counts": {}}
        context |= {"total": 0, "pages": 1, "truncated": False, "adjusted": ""}
        return await render(request, "queue.html", context, status=400)
    settings = request.app[SETTINGS]
    found = await candidates.queue_page(
        request.app[REDIS], request.app[KEYS], depts, wanted, user.name,
        escalated=user.role is not Role.OFFICER, size=settings.web_queue_page_size,
        limit=settings.web_queue_max_tickets,
    )  # fmt: skip
    adjusted = ""
    if found.page != wanted.page:
        adjusted = f"There is no page {wanted.page}; this is the last, page {found.page}."
        wanted = replace(wanted, page=found.page)
    now = request.app[CLOCK].now()
    context |= {
        "f": wanted,
        "error": "",
        "rows": [row_of(t, user, now) for t in found.tickets],
        "counts": found.counts,
        "total": found.total,
        "pages": found.pages,
        "truncated": found.truncated,
        "adjusted": adjusted,
    }
    return await render(request, "queue.html", context)


async def row(request: web.Request) -> web.StreamResponse:
    """One row of the queue, as ``/queue`` would show it now (for the live page).

    403 for a ticket of another department, 404 for no such ticket, 204 when the ticket is
    no longer on this queue (done, escalated past an officer, or outside the filters): the
    page then drops its row. Rendered without the page's one-time notice (it stays for the
    next page).
    """
    user = signed_in(request)
    docket = request.match_info["docket"][:DOCKET_MAX]
    ticket = await request.app[TICKETS].get(docket)
    if ticket is None:
        raise web.HTTPNotFound(text=f"There is no ticket {docket}.")
    if not sees(user, ticket.dept):
        raise web.HTTPForbidden(text=f"{docket} is not of your departments.")
    depts = await departments(request, user)
    try:
        wanted = parse(_query(request), depts)
    except FilterError as err:
        raise web.HTTPBadRequest(text=str(err)) from None
    tiers = candidates.tiers_for(user.role is not Role.OFFICER)
    if not candidates.on_queue(ticket, depts, tiers) or not wanted.matches(ticket, user.name):
        return web.Response(status=204)
    context = {
        "user": user,
        "csrf": csrf.token(await get_session(request)),
        "r": row_of(ticket, user, request.app[CLOCK].now()),
    }
    return aiohttp_jinja2.render_template("_queue_row.html", request, context)


async def claim(request: web.Request) -> web.StreamResponse:
    """Take a ticket of one of the user's departments (recorded under the user's id)."""
    user = signed_in(request)
    docket = request.match_info["docket"][:DOCKET_MAX]
    ticket = await request.app[TICKETS].get(docket)
    if ticket is None:
        await notify(request, f"There is no ticket {docket}.")
    elif not sees(user, ticket.dept):
        await notify(request, f"{docket} belongs to {ticket.dept}, not to your departments.")
    else:
        try:
            await request.app[WORKFLOW].claim(docket, user.name)
        except TicketError as err:
            await notify(request, f"Not claimed: {err}")
        else:
            await request.app[AUDIT].record(
                user.name, "ticket.claim", docket, before={"state": ticket.state.value},
                after={"state": "claimed", "officer": user.name},
            )  # fmt: skip
            await notify(request, f"{docket} is yours.")
    raise web.HTTPSeeOther("/queue")
