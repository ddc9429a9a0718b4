"""``seva triage``: the triage inbox from the command line (list, convert, answer, dismiss).

Acts as the configured user (a `seva users signin` token or ``SEVA_OFFICER``; see
``bot.users.identity``), like ``seva tickets``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from bot.pipeline.effects import DeskEffects
from bot.pipeline.triage import Triage
from bot.replies.composer import ReplyComposer
from bot.textsafe import echo
from bot.tickets.cli_run import CliDesk, run_cli
from bot.tickets.storm import Storms
from bot.tickets.triage import TriageInbox
from bot.tickets.workflow import Workflow

_T = TypeVar("_T")
LIST_MAX = 200


def _run(action: Callable[[Triage, str], Awaitable[_T]], *, identify: bool = True) -> _T:
    async def act(desk: CliDesk) -> _T:
        redis, keys, clock = desk.redis, desk.keys, desk.clock
        store, settings = desk.store, desk.settings
        composer = ReplyComposer(store.kb, timezone=settings.reply_timezone, clock=clock)
        storms = Storms(redis, keys, clock, store, settings, composer=composer)
        effects = DeskEffects(
            redis, keys, store, composer,
            status_interval_h=settings.followup_status_interval_h, clock=clock,
        )  # fmt: skip
        flow = Workflow(redis, keys, clock, store, storms)
        triage = Triage(TriageInbox(redis, keys, clock), effects, store, flow)
        return await action(triage, desk.officer)

    return run_cli("triage", act, identify=identify)


@click.group()
def triage() -> None:
    """Posts with no ticket and no promise: list, convert, answer, dismiss."""


@triage.command("list")
def list_command() -> None:
    """The oldest posts waiting (at most 200), and the counts so far."""

    async def action(t: Triage, _officer: str) -> tuple[list[str], dict[str, int]]:
        items = await t.inbox.items(LIST_MAX)
        lines = [
            f"{i.post.id}  @{i.post.author_handle or i.post.author_id}  [{i.dept}] "
            f"{i.post.text[:70]!r}  ({i.reason})"
            for i in items
        ]
        return lines, await t.inbox.counts()

    lines, counts = _run(action, identify=False)
    for line in lines:
        echo(line)
    echo(", ".join(f"{k} {v}" for k, v in counts.items()))


@triage.command()
@click.argument("post_id")
def convert(post_id: str) -> None:
    """Make the post a ticket and send its acknowledgement (timed from the post)."""
    outcome = _run(lambda t, officer: t.convert(post_id, officer))
    mine = "" if outcome.mine else " (another officer converted it meanwhile)"
    echo(f"{post_id} is ticket {outcome.docket}{mine}")


@triage.command()
@click.argument("post_id")
@click.argument("text")
def answer(post_id: str, text: str) -> None:
    """Make the post a ticket held by you and answer it with TEXT."""
    outcome = _run(lambda t, officer: t.answer(post_id, officer, text))
    echo(f"{post_id} answered as ticket {outcome.docket}")


@triage.command()
@click.argument("post_ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="dismiss every post waiting")
def dismiss(post_ids: tuple[str, ...], everything: bool) -> None:
    """Take posts out of triage unanswered (nothing is posted)."""

    async def action(t: Triage, _officer: str) -> list[str]:
        ids = list(post_ids)
        if everything:
            ids += [i.post.id for i in await t.inbox.items(await t.inbox.size() or 1)]
        return await t.dismiss(ids)

    gone = _run(action)
    echo(f"{len(gone)} dismissed")
