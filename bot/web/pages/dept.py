"""``/dept``: a head's departments, escalations first, and transferring a ticket."""

from __future__ import annotations

from aiohttp import web

from bot.errors import TicketError
from bot.kb.source import RedisKB
from bot.users.model import Role
from bot.web.context import AUDIT, KEYS, REDIS, TICKETS, WORKFLOW, notify, render, signed_in
from bot.web.pages.queue import DOCKET_MAX, departments, open_tickets

DEPT_MAX = 32


async def _known_departments(request: web.Request) -> list[str]:
    """The departments of the live knowledge base (``seva kb import``)."""
    kb = await RedisKB(request.app[REDIS], request.app[KEYS]).load()
    return sorted(d.id for d in kb.departments)


async def page(request: web.Request) -> web.Response:
    """Every open ticket of the head's departments; escalations first."""
    user = signed_in(request)
    depts = await departments(request, user)
    tickets = await open_tickets(request, depts, escalated=True)
    tickets.sort(key=lambda t: -t.level)  # stable: escalations first, each by due time
    context = {
        "depts": depts,
        "tickets": tickets,
        "escalations": sum(1 for t in tickets if t.level),
        "transfer_to": await _known_departments(request),
    }
    return await render(request, "dept.html", context)


async def _refusal(request: web.Request, docket: str, to: str) -> str:
    """Why this transfer is refused ("" if it may go ahead); nothing is changed either way."""
    user = signed_in(request)
    ticket = await request.app[TICKETS].get(docket)
    if ticket is None:
        return f"There is no ticket {docket}."
    if user.role is not Role.ADMIN and ticket.dept not in user.depts:
        return f"{docket} belongs to {ticket.dept}, not to your departments."
    if to == ticket.dept:
        return f"{docket} is already in {to}."
    return await _bad_department(request, to)


async def _bad_department(request: web.Request, to: str) -> str:
    """What is wrong with the ``to`` field ("" if nothing)."""
    if not to:
        return "Choose a department to transfer to."
    if len(to) > DEPT_MAX:
        return f"Department is too long (at most {DEPT_MAX} characters)."
    if to not in await _known_departments(request):
        return f"{to!r} is not a department of the knowledge base."
    return ""


async def transfer(request: web.Request) -> web.StreamResponse:
    """Move a ticket to another department (history and SLA clock go with it)."""
    user = signed_in(request)
    docket = request.match_info["docket"][:DOCKET_MAX]
    to = str((await request.post()).get("to", "")).strip()
    why = await _refusal(request, docket, to)
    if not why:
        try:
            await request.app[WORKFLOW].transfer(docket, user.name, to)
        except TicketError as err:
            why = f"Not transferred: {err}"
    if why:
        await notify(request, why)
    else:
        await request.app[AUDIT].record(user.name, "ticket.transfer", docket, after={"dept": to})
        await notify(request, f"{docket} transferred to {to}.")
    raise web.HTTPSeeOther("/dept")
