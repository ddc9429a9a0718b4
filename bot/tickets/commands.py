"""``seva tickets``: the officer's command line.

An officer works in one department (``--dept``) and sees its tickets at the officer level;
a head (``--role head``) also sees the ones escalated past it. Replies go through the
outbox (threaded, length-checked, exactly once). Every change acts as the configured user
(a `seva users signin` token or ``SEVA_OFFICER``; see ``bot.users.identity``) and records
that user's id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from bot.textsafe import echo, terminal
from bot.tickets.cli_run import CliDesk, run_cli
from bot.tickets.desk_index import TIERS, DeskIndex
from bot.tickets.store import TicketStore
from bot.tickets.storm import Storms
from bot.tickets.workflow import Workflow, manual_reply_link

_T = TypeVar("_T")
_LIST_MAX = 10_000


def _run(action: Callable[[TicketStore, Workflow], Awaitable[_T]]) -> _T:
    return _run_as(lambda store, flow, _officer: action(store, flow), identify=False)


def _run_as(
    action: Callable[[TicketStore, Workflow, str], Awaitable[_T]], *, identify: bool = True
) -> _T:
    async def act(desk: CliDesk) -> _T:
        storms = Storms(desk.redis, desk.keys, desk.clock, desk.store, desk.settings)
        flow = Workflow(desk.redis, desk.keys, desk.clock, desk.store, storms)
        return await action(desk.store, flow, desk.officer)

    return run_cli("tickets", act, identify=identify)


@click.group()
def tickets() -> None:
    """Department queues: list, show, claim, reply, transfer, refer, close, reopen, merge."""


@tickets.command("list")
@click.option("--dept", required=True, help="Your department id (see faq_kb/departments.yml).")
@click.option(
    "--role", type=click.Choice(["officer", "head"]), default="officer", show_default=True
)
def list_command(dept: str, role: str) -> None:
    """Open tickets of a department, earliest due first (at most 10,000)."""

    async def action(store: TicketStore, flow: Workflow) -> list[Any]:
        del flow
        index = DeskIndex(store.redis, store.keys)
        tiers = TIERS if role == "head" else TIERS[:1]
        return await index.open_tickets([dept], tiers, _LIST_MAX)

    for t in _run(action):
        flag = f" [escalated: {t.extra.get('escalated_to')}]" if t.level else ""
        manual = " [reply by hand]" if not t.reply_allowed else ""
        storm = int(t.extra.get("storm_size") or 0)
        flag += f" [storm: {storm} more authors]" if storm else ""
        due = f"{t.due_at:%d %b %H:%M}"
        echo(f"{t.docket}  {t.state.value:11} due {due}  {t.text[:60]!r}{flag}{manual}")


@tickets.command()
@click.argument("docket")
def show(docket: str) -> None:
    """A ticket and its whole history."""

    async def action(store: TicketStore, flow: Workflow) -> tuple[Any, list[Any], list[Any]]:
        ticket = await store.require(docket)
        waiting = ticket.state.value == "new" and not ticket.extra.get("storm_of")
        similar = await flow.similar(docket) if waiting else []
        return ticket, await store.history(docket), similar

    ticket, history, similar = _run(action)
    echo(f"{ticket.docket} [{ticket.dept}] {ticket.state.value}, due {ticket.due_at.isoformat()}")
    # One line each: a post's own newlines could otherwise forge a history line below.
    handle, text = (terminal(v, one_line=True) for v in (ticket.author_handle, ticket.text))
    echo(f"from @{handle}: {text}")
    if ticket.extra.get("storm_of"):
        echo(f"part of the storm under {ticket.extra['storm_of']}: answer that ticket")
    if storm := int(ticket.extra.get("storm_size") or 0):
        echo(f"storm master: your answer also goes to {storm} more authors")
    if not ticket.reply_allowed:
        echo(
            f"X allows no API reply here. Reply by hand at {manual_reply_link(ticket)}, "
            f"then record it: seva tickets close {ticket.docket} --manual"
        )
    for master, score, why in similar:
        kept = f"kept apart: {why}" if why else "below the threshold"
        echo(
            f"resembles storm {master} (score {score}; {kept}); if it is the same issue: "
            f"seva tickets merge {ticket.docket} {master}"
        )
    for event in history:
        detail = {k: v for k, v in event.items() if k not in {"at", "by", "event", "docket"}}
        echo(f"  {event['at']}  {event['by']:10} {event['event']} {detail or ''}")


@tickets.command()
@click.argument("docket")
def claim(docket: str) -> None:
    """Take a ticket (no one else can hold it meanwhile)."""
    _run_as(lambda _store, flow, officer: flow.claim(docket, officer))
    echo(f"{docket} is yours")


@tickets.command()
@click.argument("docket")
@click.argument("text")
@click.option("--hi", "hindi", help="The same answer in Hindi, for authors who wrote in Hindi.")
@click.option("--hinglish", help="The same answer in Hinglish, for authors who wrote Hinglish.")
def reply(docket: str, text: str, hindi: str | None, hinglish: str | None) -> None:
    """Answer the citizen publicly (through the outbox); a storm's master answers them all."""
    other = {"hi": hindi or "", "hinglish": hinglish or ""}
    job = _run_as(lambda _store, flow, officer: flow.reply(docket, officer, text, other))
    echo(f"queued {job.job_id if job else ''}: {len(job.parts) if job else 0} post(s)")


@tickets.command()
@click.argument("docket")
@click.argument("to_dept")
def transfer(docket: str, to_dept: str) -> None:
    """Move a ticket to another department (history and clock go with it)."""
    _run_as(lambda _store, flow, officer: flow.transfer(docket, officer, to_dept))
    echo(f"{docket} transferred to {to_dept}")


@tickets.command()
@click.argument("docket")
@click.argument("body_id")
def refer(docket: str, body_id: str) -> None:
    """Refer to another ministry (see faq_kb/directory.yml); the local clock stops."""
    _run_as(lambda _store, flow, officer: flow.refer(docket, officer, body_id))
    echo(f"{docket} referred to {body_id}")


@tickets.command()
@click.argument("docket")
@click.argument("master")
def merge(docket: str, master: str) -> None:
    """Put a waiting ticket into a storm: its author gets the master's answer."""
    _run_as(lambda _store, flow, officer: flow.merge(docket, master, officer))
    echo(f"{docket} joined the storm under {master}")


@tickets.command()
@click.argument("docket")
@click.option("--why", required=True, help="Recorded in the history.")
def reopen(docket: str, why: str) -> None:
    """Reopen an answered or closed ticket (back in the queue, with a fresh SLA period)."""
    ticket = _run_as(lambda _store, flow, officer: flow.reopen(docket, officer, why))
    echo(f"{docket} reopened, due {ticket.due_at.isoformat()}")


@tickets.command()
@click.argument("docket")
@click.option("--reason", default="resolved", show_default=True)
@click.option("--manual", is_flag=True, help="You replied by hand on X (hashtag-only posts).")
def close(docket: str, reason: str, manual: bool) -> None:
    """Close a ticket."""
    _run_as(lambda _store, flow, officer: flow.close(docket, officer, reason, manual=manual))
    echo(f"{docket} closed")


@tickets.command()
def reindex() -> None:
    """File every ticket in the desk's queue index anew (for tickets older than the index)."""

    async def action(store: TicketStore, flow: Workflow) -> int:
        del flow
        return await DeskIndex(store.redis, store.keys).rebuild()

    echo(f"{_run(action)} tickets filed in the desk's index")
