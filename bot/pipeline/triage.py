"""An officer's actions on the triage inbox (``bot.tickets.triage``): convert, answer, dismiss.

- **Convert**: the post becomes a ticket in the department the desk guessed, and its
  acknowledgement goes out now, through the same effects the pipeline runs
  (``DeskEffects.apply``, reply job ``reply:<post id>``: one public reply per post, ever).
  The SLA runs from the post, not from the conversion: no new clock.
- **Answer**: the post becomes a ticket that the officer claims and answers at once; the
  citizen gets the answer (with its docket), no acknowledgement before it.
- **Dismiss**: the posts leave the inbox, counted; nothing is posted.

Each action is safe to repeat and to race: the ticket is the post's own (the store links a
post to one docket) and the reply job's id is fixed, so two officers converting one post
make one ticket and one reply; the inbox tells exactly one of them the post was theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.decision import Action, Decision, Understanding
from bot.errors import TicketError
from bot.pipeline.effects import SINCE_POST, DeskEffects
from bot.tickets.model import State
from bot.tickets.store import TicketStore
from bot.tickets.triage import Triaged, TriageInbox
from bot.tickets.workflow import Workflow


@dataclass(frozen=True)
class Outcome:
    """What an action on one triaged post did."""

    post_id: str
    docket: str
    mine: bool  # this call took the post out of the inbox (False: another officer did)


class Triage:
    """Convert, answer and dismiss triaged posts."""

    def __init__(
        self, inbox: TriageInbox, effects: DeskEffects, store: TicketStore, flow: Workflow
    ) -> None:
        self.inbox = inbox
        self._effects, self._store, self._flow = effects, store, flow

    async def _waiting(self, post_id: str) -> Triaged:
        item = await self.inbox.get(post_id)
        if item is None:
            msg = f"post {post_id} is not in triage (converted, answered or dismissed already)"
            raise TicketError(msg)
        return item

    async def convert(self, post_id: str, officer: str) -> Outcome:
        """Make the post a ticket and acknowledge it (timed from the post itself)."""
        item = await self._waiting(post_id)
        decision = Decision(
            Action.ESCALATE,
            f"converted from triage by {officer} ({item.reason})",
            dept=item.dept,
            manual_reply=not item.post.reply_allowed,
            extra={SINCE_POST: "1"},
        )
        facts = await self._effects.apply(item.post, decision, Understanding.from_record(item.nlu))
        mine = await self.inbox.remove(post_id, "converted")
        return Outcome(post_id, str(facts["docket"]), mine)

    async def answer(
        self, post_id: str, officer: str, text: str, translations: dict[str, str] | None = None
    ) -> Outcome:
        """Make the post a ticket held by ``officer`` and answer it now."""
        item = await self._waiting(post_id)
        if not item.post.reply_allowed:
            msg = (
                f"post {post_id} did not mention the account, so X allows no API reply: "
                "convert it, answer it by hand on X and record that on its ticket"
            )
            raise TicketError(msg)
        info = Understanding.from_record(item.nlu)
        ticket = await self._store.create(
            item.post, item.dept, reason=f"answered from triage by {officer}",
            reply_allowed=True, nlu=info.for_ticket(), since=item.post.created_at,
        )  # fmt: skip
        if not (ticket.state is State.CLAIMED and ticket.officer == officer):  # (a retry)
            await self._flow.claim(ticket.docket, officer)
        await self._flow.reply(ticket.docket, officer, text, translations)
        mine = await self.inbox.remove(post_id, "answered")
        return Outcome(post_id, ticket.docket, mine)

    async def dismiss(self, post_ids: list[str]) -> list[str]:
        """Take posts out of the inbox unanswered; the ones this call took."""
        return await self.inbox.remove_many(post_ids, "dismissed")
