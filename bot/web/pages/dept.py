"""``/dept``: a head's departments, escalations first, and transferring a ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from bot.errors import TicketError
from bot.kb.source import RedisKB
from bot.tickets.model import State, Ticket
from bot.users.model import Role, User
from bot.web.context import (
    AUDIT,
    CLOCK,
    KEYS,
    REDIS,
    TICKETS,
    USERS,
    WORKFLOW,
    notify,
    render,
    signed_in,
)
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
    now = request.app[CLOCK].now()
    officers = [u for u in await request.app[USERS].all() if _works_on(u, depts)]
    context = {
        "depts": depts,
        "tickets": tickets,
        "escalations": sum(1 for t in tickets if t.level),
        "breaches": sum(1 for t in tickets if t.due_at < now),
        "load": _load(tickets, officers, now),
        "officers": sorted(u.name for u in officers),
        "transfer_to": await _known_departments(request),
    }
    return await render(request, "dept.html", context)


@dataclass(frozen=True)
class Load:
    """What one officer holds: how many tickets, and how long the oldest has been held."""

    officer: str
    held: int
    oldest_h: float


def _works_on(user: User, depts: list[str]) -> bool:
    """Whether ``user`` is an active officer or head of one of ``depts``."""
    return (
        not user.disabled
        and user.role in {Role.OFFICER, Role.HEAD}
        and bool(set(user.depts) & set(depts))
    )


def _load(tickets: list[Ticket], officers: list[User], now: datetime) -> list[Load]:
    """Per officer of the departments, the tickets they hold, most loaded first."""
    held: dict[str, list[float]] = {u.name: [] for u in officers}
    for t in tickets:
        if t.state is State.CLAIMED and t.officer:
            since = t.extra.get("claimed_at")
            age = (now - datetime.fromisoformat(since)).total_seconds() / 3600 if since else 0.0
            held.setdefault(t.officer, []).append(age)
    rows = [Load(name, len(ages), round(max(ages, default=0.0), 1)) for name, ages in held.items()]
    return sorted(rows, key=lambda r: (-r.held, -r.oldest_h, r.officer))


async def reassign(request: web.Request) -> web.StreamResponse:
    """Give a claimed ticket of the head's departments to another of their officers."""
    user = signed_in(request)
    docket = request.match_info["docket"][:DOCKET_MAX]
    to = str((await request.post()).get("to", "")).strip()[:DEPT_MAX]
    ticket = await request.app[TICKETS].get(docket)
    target = await request.app[USERS].get(to) if to else None
    depts = await departments(request, user)
    if ticket is None or ticket.dept not in depts:
        why = f"There is no ticket {docket} in your departments."
    elif target is None or not _works_on(target, [ticket.dept]):
        why = f"Choose an officer of {ticket.dept} to reassign {docket} to."
    else:
        try:
            await request.app[WORKFLOW].reassign(docket, user.name, target.name)
        except TicketError as err:
            why = f"Not reassigned: {err}"
        else:
            why = ""
            await request.app[AUDIT].record(
                user.name, "ticket.reassign", docket,
                before={"officer": ticket.officer}, after={"officer": target.name},
            )  # fmt: skip
    await notify(request, why or f"{docket} is now held by {to}.")
    raise web.HTTPSeeOther("/dept")


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
