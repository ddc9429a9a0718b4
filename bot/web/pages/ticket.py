"""``/ticket/{docket}``: one ticket, its reply editor, and every move an officer makes on it.

Each handler reads the ticket, checks the user's department (``ticket_for``: an officer or
head of another department gets 403, whatever the URL), then calls the workflow; every
move is one guarded Lua call there, so two officers at once get one winner and the other
is told who won. The preview is composed by the same workflow call that ``reply`` uses.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from bot import pii
from bot.errors import TicketError
from bot.kb.source import RedisKB
from bot.languages import NAMES
from bot.outbox.jobs import Delivery, delivery
from bot.replies.render import snippets
from bot.tickets.model import OPEN, WAITING, State, Ticket
from bot.tickets.workflow import manual_reply_link
from bot.users.model import Role, User
from bot.web.context import (
    AUDIT,
    CLOCK,
    KEYS,
    REDIS,
    TICKETS,
    WORKFLOW,
    notify,
    render,
    signed_in,
)
from bot.web.pages.queue import DOCKET_MAX
from bot.weighted import MAX_WEIGHTED, weighted_length

ANSWER_MAX = 5000  # characters per language box: a long thread, far below the body limit
REASON_MAX = 200
LOW_SHARE = 0.25  # under this share of the period left, a ticket shows as running low


@dataclass(frozen=True)
class Clock:
    """A ticket's SLA clock as the page shows it."""

    left_s: float  # negative once breached
    share_left: float  # of the current period
    band: str  # "ok", "low" (under 25 % left), "breached", or "stopped"


def sla_clock(ticket: Ticket, now: datetime) -> Clock:
    """How much of the ticket's SLA period is left, and its colour band."""
    period = (ticket.due_at - ticket.created_at).total_seconds() or 1.0
    left = (ticket.due_at - now).total_seconds()
    share = left / period
    if ticket.state not in OPEN:
        band = "stopped"
    elif left < 0:
        band = "breached"
    elif share < LOW_SHARE:
        band = "low"
    else:
        band = "ok"
    return Clock(left, share, band)


def _docket(request: web.Request) -> str:
    return request.match_info["docket"][:DOCKET_MAX]


async def ticket_for(request: web.Request) -> Ticket:
    """The URL's ticket, if the signed-in user works on its department (else 403 / 404)."""
    user = signed_in(request)
    docket = _docket(request)
    ticket = await request.app[TICKETS].get(docket)
    if ticket is None:
        raise web.HTTPNotFound(text=f"There is no ticket {docket}.")
    if not may_see(user, ticket):
        raise web.HTTPForbidden(text=f"{docket} belongs to another department.")
    return ticket


def may_see(user: User, ticket: Ticket) -> bool:
    """Whether ``user`` works on ``ticket``'s department (an admin works on every one)."""
    return user.role is Role.ADMIN or ticket.dept in user.depts


def _latest_answer(ticket: Ticket) -> str:
    """The job id of the ticket's latest answer: its own, or its storm master's copy."""
    return ticket.extra.get("answer_job") or ticket.extra.get("storm_job") or ""


async def _form(request: web.Request) -> dict[str, str]:
    """The posted form as text fields (files and repeated fields are not ours to take)."""
    return {k: v for k, v in (await request.post()).items() if isinstance(v, str)}


async def page(request: web.Request) -> web.Response:
    """The ticket: post, NLU, clock, history, storm, similar tickets, editor and actions."""
    ticket = await ticket_for(request)
    app = request.app
    flow, store = app[WORKFLOW], app[TICKETS]
    members = [m for d in await flow.storm_members(ticket.docket) if (m := await store.get(d))]
    kb = await RedisKB(app[REDIS], app[KEYS]).load()
    job = _latest_answer(ticket)
    languages = await flow.languages(ticket.docket)
    context: dict[str, Any] = {
        "t": ticket,
        "masked": pii.mask(ticket.text),
        "has_pii": bool(pii.find(ticket.text)),
        "understanding": ticket.understanding,
        "clock": sla_clock(ticket, app[CLOCK].now()),
        "history": await store.history(ticket.docket),
        "members": members,
        "answered_members": sum(1 for m in members if m.state is State.ANSWERED or not m.is_open),
        "similar": await flow.similar(ticket.docket),
        "languages": languages,
        "answered": await flow.answered.similar(ticket),
        "prefill": await _reuse(request, ticket, languages),
        "snippets": {lang: snippets(kb.templates, lang) for lang in languages},
        "lang_names": NAMES,
        "x_link": manual_reply_link(ticket),
        "waiting": ticket.state in WAITING,
        "mine": ticket.state is State.CLAIMED and ticket.officer == signed_in(request).name,
        "delivery": await delivery(app[REDIS], app[KEYS], job) if job else None,
        "departments": sorted(d.id for d in kb.departments if d.id != ticket.dept),
        "bodies": sorted((b.id, b.name.en) for b in kb.directory),
        "max_weighted": MAX_WEIGHTED,
        "now_ts": app[CLOCK].time(),
    }
    return await render(request, "ticket.html", context)


async def _reuse(request: web.Request, ticket: Ticket, languages: list[str]) -> dict[str, str]:
    """The editor's text per language when the officer chose "use this answer" (``?reuse=``).

    Only an answer kept for the ticket's own department is taken; a language the answer
    has no version in gets its default text.
    """
    docket = request.query.get("reuse", "")[:DOCKET_MAX]
    found = await request.app[WORKFLOW].answered.get(ticket.dept, docket) if docket else None
    if found is None:
        return {}
    default = found.answers.get("", "")
    return {lang: found.answers.get(lang) or default for lang in languages}


async def preview(request: web.Request) -> web.Response:
    """The thread each language box becomes, with its weighted lengths (an htmx fragment)."""
    ticket = await ticket_for(request)
    form = await _form(request)
    langs = await request.app[WORKFLOW].languages(ticket.docket)
    answers = {lang: form.get(f"answer_{lang}", "")[:ANSWER_MAX] for lang in langs}
    drafts = await request.app[WORKFLOW].draft(ticket.docket, answers)
    shown = {
        lang: [(part, weighted_length(part)) for part in parts] for lang, parts in drafts.items()
    }
    refusals = {
        lang: ", ".join(sorted({m.kind.value for m in pii.echoes(text, ticket.text)}))
        for lang, text in answers.items()
    }
    context = {
        "drafts": shown,
        "lang_names": NAMES,
        "max_weighted": MAX_WEIGHTED,
        "refusals": {lang: kinds for lang, kinds in refusals.items() if kinds},
    }
    return await render(request, "_preview.html", context)


async def reply(request: web.Request) -> web.StreamResponse:
    """Send the answer: the workflow queues it once, in the move that marks it answered."""
    ticket = await ticket_for(request)
    user = signed_in(request)
    form = await _form(request)
    langs = await request.app[WORKFLOW].languages(ticket.docket)
    answers = {lang: form.get(f"answer_{lang}", "").strip() for lang in langs}
    main = answers.pop(ticket.lang, "")
    if not main:
        await notify(request, f"Write the answer in {NAMES.get(ticket.lang, ticket.lang)}.")
    elif any(len(text) > ANSWER_MAX for text in [main, *answers.values()]):
        await notify(request, f"An answer is too long (at most {ANSWER_MAX} characters).")
    else:
        try:
            job = await request.app[WORKFLOW].reply(ticket.docket, user.name, main, answers)
        except TicketError as err:
            await notify(request, f"Not sent: {err}")
        else:
            await request.app[AUDIT].record(
                user.name, "ticket.reply", ticket.docket, after={"job": job.job_id}
            )
            await notify(request, f"Answer to {ticket.docket} queued.")
    raise web.HTTPSeeOther(f"/ticket/{ticket.docket}")


async def delivery_state(request: web.Request) -> web.Response:
    """Where the ticket's latest answer stands (the editor polls it until it is done)."""
    ticket = await ticket_for(request)
    job = _latest_answer(ticket)
    found: Delivery | None = None
    if job:
        found = await delivery(request.app[REDIS], request.app[KEYS], job)
    context = {"delivery": found, "t": ticket, "now_ts": request.app[CLOCK].time()}
    return await render(request, "_delivery.html", context)


async def reveal(request: web.Request) -> web.Response:
    """The post unmasked, for this officer, recorded in the audit log."""
    ticket = await ticket_for(request)
    user = signed_in(request)
    kinds = sorted({m.kind.value for m in pii.find(ticket.text)})
    await request.app[AUDIT].record(
        user.name, "ticket.reveal_pii", ticket.docket, after={"kinds": kinds}
    )
    return await render(request, "_revealed.html", {"t": ticket})


async def act(request: web.Request) -> web.StreamResponse:
    """One move on the ticket, named by the URL (claim, release, transfer, refer, close...)."""
    ticket = await ticket_for(request)
    user = signed_in(request)
    action = request.path.rsplit("/", 1)[1]  # the route table has one path per action
    form = await _form(request)
    move = _ACTIONS.get(action)
    if move is None:
        raise web.HTTPNotFound(text=f"No action {action!r}.")
    try:
        done = await move(request, ticket, user, form)
    except TicketError as err:
        await notify(request, f"Not done: {err}")
    else:
        if done.startswith("!"):
            await notify(request, done[1:])
        else:
            await request.app[AUDIT].record(
                user.name, f"ticket.{action}", ticket.docket, before={"state": ticket.state.value}
            )
            await notify(request, done)
    raise web.HTTPSeeOther(f"/ticket/{ticket.docket}")


# A move: (request, ticket, user, form) -> the notice to show; a leading "!" marks a refusal.
Action = Callable[[web.Request, Ticket, User, dict[str, str]], Awaitable[str]]


async def _claim(request: web.Request, t: Ticket, user: User, _fields: dict[str, str]) -> str:
    await request.app[WORKFLOW].claim(t.docket, user.name)
    return f"{t.docket} is yours."


async def _release(request: web.Request, t: Ticket, user: User, form: dict[str, str]) -> str:
    await request.app[WORKFLOW].release(t.docket, user.name, why=form.get("why", "")[:REASON_MAX])
    return f"{t.docket} is back in its queue."


async def _transfer(request: web.Request, t: Ticket, user: User, form: dict[str, str]) -> str:
    to = form.get("to", "").strip()[:DOCKET_MAX]
    kb = await RedisKB(request.app[REDIS], request.app[KEYS]).load()
    if to == t.dept or kb.department(to) is None:
        return "!Choose another department of the knowledge base to transfer to."
    await request.app[WORKFLOW].transfer(t.docket, user.name, to)
    return f"{t.docket} transferred to {to}."


async def _refer(request: web.Request, t: Ticket, user: User, form: dict[str, str]) -> str:
    body = form.get("body", "").strip()[:DOCKET_MAX]
    kb = await RedisKB(request.app[REDIS], request.app[KEYS]).load()
    if kb.body(body) is None:
        return "!Choose a body of the directory to refer to."
    await request.app[WORKFLOW].refer(t.docket, user.name, body)
    return f"{t.docket} referred to {body}."


async def _close(request: web.Request, t: Ticket, user: User, form: dict[str, str]) -> str:
    reason = form.get("reason", "").strip()[:REASON_MAX]
    if not reason:
        return "!Say why the ticket is closed."
    await request.app[WORKFLOW].close(t.docket, user.name, reason)
    return f"{t.docket} closed."


async def _manual(request: web.Request, t: Ticket, user: User, _fields: dict[str, str]) -> str:
    if t.reply_allowed:
        return "!This post can be answered from the desk; use the editor."
    await request.app[WORKFLOW].close(t.docket, user.name, "replied by hand on X", manual=True)
    return f"{t.docket} recorded as replied by hand on X."


async def _reopen(request: web.Request, t: Ticket, user: User, form: dict[str, str]) -> str:
    why = form.get("why", "").strip()[:REASON_MAX]
    if not why:
        return "!Say why the ticket is reopened."
    await request.app[WORKFLOW].reopen(t.docket, user.name, why)
    return f"{t.docket} reopened."


async def _merge(request: web.Request, t: Ticket, user: User, form: dict[str, str]) -> str:
    master = form.get("master", "").strip()[:DOCKET_MAX]
    target = await request.app[TICKETS].get(master)
    if target is None or not may_see(user, target):
        return f"!There is no storm {master} in your departments."
    await request.app[WORKFLOW].merge(t.docket, master, user.name)
    return f"{t.docket} joined the storm of {master}."


_ACTIONS: dict[str, Action] = {
    "claim": _claim,
    "release": _release,
    "transfer": _transfer,
    "refer": _refer,
    "close": _close,
    "manual": _manual,
    "reopen": _reopen,
    "merge": _merge,
}
ACTIONS = tuple(_ACTIONS)
