"""``/queue``: an officer's departments' open tickets, and claiming one.

(The full desk, with replies, transfers and live updates, is a later issue; this page is
the officer's start page and the first action that goes through the ticket workflow.)
"""

from __future__ import annotations

from aiohttp import web

from bot.errors import TicketError
from bot.tickets.model import OPEN, Ticket
from bot.users.model import Role, User
from bot.web.context import AUDIT, KEYS, REDIS, TICKETS, WORKFLOW, notify, render, signed_in

DOCKET_MAX = 40


async def departments(request: web.Request, user: User) -> list[str]:
    """The departments a user works on: their own, or every queue's for an admin."""
    if user.role is not Role.ADMIN:
        return list(user.depts)
    keys = request.app[KEYS]
    prefix = keys.queue("")
    found = [str(k) async for k in request.app[REDIS].scan_iter(keys.queue("*"), count=200)]
    return sorted(k.removeprefix(prefix) for k in found)


async def open_tickets(request: web.Request, depts: list[str], *, escalated: bool) -> list[Ticket]:
    """Open tickets of ``depts``, oldest due first; escalated ones only if ``escalated``."""
    redis, keys, store = request.app[REDIS], request.app[KEYS], request.app[TICKETS]
    dockets: list[str] = []
    for dept in depts:
        dockets += [str(d) for d in await redis.zrange(keys.queue(dept), 0, -1)]
    dockets += [str(d) for d in await redis.zrange(keys.claims, 0, -1)]
    found = [t for d in dict.fromkeys(dockets) if (t := await store.get(d))]
    wanted = [
        t for t in found if t.dept in depts and t.state in OPEN and (escalated or t.level == 0)
    ]
    return sorted(wanted, key=lambda t: t.due_at)


async def page(request: web.Request) -> web.Response:
    """The signed-in user's queue."""
    user = signed_in(request)
    depts = await departments(request, user)
    tickets = await open_tickets(request, depts, escalated=user.role is not Role.OFFICER)
    return await render(request, "queue.html", {"depts": depts, "tickets": tickets})


async def claim(request: web.Request) -> web.StreamResponse:
    """Take a ticket of one of the user's departments (recorded under the user's id)."""
    user = signed_in(request)
    docket = request.match_info["docket"][:DOCKET_MAX]
    ticket = await request.app[TICKETS].get(docket)
    if ticket is None:
        await notify(request, f"There is no ticket {docket}.")
    elif user.role is not Role.ADMIN and ticket.dept not in user.depts:
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
