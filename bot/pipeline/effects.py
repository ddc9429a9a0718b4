"""Carrying a decision out: tickets and reply jobs, each idempotent by the post id."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

import structlog
from redis.asyncio import Redis

from bot.alarms import raise_alarm
from bot.clock import Clock, SystemClock
from bot.decision import MORE, Action, Decision, Understanding
from bot.keys import Keys
from bot.nlu.cues import status_cues
from bot.outbox.jobs import Priority, ReplyJob, enqueue
from bot.replies.protocol import Composer
from bot.tickets.model import Ticket
from bot.tickets.triage import TriageInbox
from bot.x.models import Post

log = structlog.get_logger("pipeline")


_QUIET = frozenset({Action.IGNORE, Action.TRIAGE})  # no reply posted
SINCE_POST = "since_post"  # a Decision.extra flag: the ticket's SLA starts at the post


class TicketDesk(Protocol):
    """The part of the ticket store the pipeline uses (``bot.tickets.store.TicketStore``)."""

    async def create(
        self,
        post: Post,
        dept: str,
        *,
        reason: str,
        reply_allowed: bool,
        nlu: dict[str, Any] | None,
        since: datetime | None = None,
    ) -> Ticket:
        """Open the post's ticket (or return the one it already has)."""
        ...

    async def attach_followup(self, post: Post) -> Ticket | None:
        """Attach the post to its conversation's open ticket, if any."""
        ...

    async def open_ticket_for(self, post: Post) -> str | None:
        """Return the docket of the open ticket of the post's conversation, if any."""
        ...

    async def ticket_for_post(self, post_id: str) -> str | None:
        """The docket opened or reopened for a post, if any."""
        ...

    async def status_for(self, docket: str, author_id: str) -> Ticket | None:
        """The ticket for its own author; None when unknown or someone else's."""
        ...

    async def reopen_for(self, post: Post) -> Ticket | None:
        """Reopen the author's answered ticket of the post's conversation, if any."""
        ...


class DeskEffects:
    """The pipeline's ``Effects``: tickets through ``TicketDesk``, replies through the outbox."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        tickets: TicketDesk,
        composer: Composer,
        *,
        status_interval_h: float,
        clock: Clock | None = None,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._tickets = tickets
        self._composer = composer
        self._clock = clock or SystemClock()
        self._triage = TriageInbox(redis, keys, self._clock)
        self._status_s = int(status_interval_h * 3600)

    async def has_open_ticket(self, post: Post) -> bool:
        """Whether the post continues the conversation of an open ticket (not its own)."""
        if not post.conversation_id or post.conversation_id == post.id:
            return False
        docket = await self._tickets.open_ticket_for(post)
        own = await self._tickets.ticket_for_post(post.id)
        return docket is not None and docket != own

    async def apply(self, post: Post, decision: Decision, info: Understanding) -> dict[str, Any]:
        """Carry the decision out; return what happened, for the audit record."""
        lang = info.lang  # another script's code picks the English-and-Hindi templates
        kind, variables, facts = await self._plan(post, decision, info)
        if kind is not None and post.reply_allowed:
            parts = await self._composer.compose(kind, lang, post, variables)
            job = ReplyJob(
                job_id=f"reply:{post.id}",  # one public reply per post, whatever happens
                in_reply_to=post.id,
                parts=parts,
                kind=kind,
                priority=Priority.HIGH,
                docket=facts.get("docket"),
                lang=lang,
                account=post.reply_as,  # the department handle the citizen summoned, if any
            )
            await enqueue(self._redis, self._keys, job)
            facts["job"] = job.job_id
            facts["parts"] = len(parts)
        return facts

    async def _plan(  # noqa: PLR0911 (one return per action reads best)
        self, post: Post, decision: Decision, info: Understanding
    ) -> tuple[str | None, dict[str, Any], dict[str, Any]]:
        """Do the non-reply effects; return the reply kind (or None), its variables, facts."""
        facts: dict[str, Any] = {}
        if decision.action is Action.FOLLOWUP:
            return await self._followup(post)
        if decision.action in _QUIET:
            return None, {}, await self._quiet(post, decision, info)
        match decision.action:
            case Action.ESCALATE:
                ticket_vars = await self._ticket_for(post, decision, info)
                facts["docket"] = ticket_vars["docket"]
                return (None if decision.manual_reply else "ack"), ticket_vars, facts
            case Action.STATUS:
                kind, variables = await self._status(post, decision.extra["docket"])
                return kind, variables, facts
            case Action.ANSWER_FAQ:
                return await self._faq(post, decision, info)
            case Action.REFER:
                return "referral", {"body_id": decision.body_id}, facts
            case Action.GREET:
                return "greeting", {}, facts
            case Action.CLARIFY:
                return "clarify", {}, facts
        return None, {}, facts

    async def _followup(self, post: Post) -> tuple[str | None, dict[str, Any], dict[str, Any]]:
        """Attach a follow-up to its open ticket; answer "any update?" with the status.

        Only the ticket's own author gets a status reply, at most once per ticket every
        ``SEVA_FOLLOWUP_STATUS_INTERVAL_H``; a repeated complaint is attached quietly (no
        second acknowledgement).
        """
        ticket = await self._tickets.attach_followup(post)
        facts: dict[str, Any] = {"docket": ticket.docket if ticket else None}
        if ticket is None or not status_cues(post.text):
            return None, {}, facts
        own = await self._tickets.status_for(ticket.docket, post.author_id)
        key = self._keys.status_replied(ticket.docket)
        if own is None or not await self._redis.set(key, post.id, nx=True, ex=self._status_s):
            facts["status_reply"] = "not the author's" if own is None else "sent recently"
            return None, {}, facts
        return "status", _ticket_vars(own), facts

    async def _quiet(self, post: Post, decision: Decision, info: Understanding) -> dict[str, Any]:
        """The actions that post no reply: ignore and triage. Their facts."""
        if decision.action is Action.IGNORE:
            reason = decision.reason.split(" ")[0]
            await self._redis.hincrby(self._keys.counter("ignored"), reason, 1)
            return {}
        added = await self._triage.add(post, decision.reason, decision.dept, info.to_record())
        return {"triage": "added" if added else "already there"}

    async def _faq(
        self, post: Post, decision: Decision, info: Understanding
    ) -> tuple[str | None, dict[str, Any], dict[str, Any]]:
        """The FAQ answer, or a ticket when the answer is withheld."""
        why, dept = await self._composer.withheld(str(decision.faq_id))
        if why is not None:
            # An unverified (or overdue) answer that states a figure goes to a human.
            return await self._withhold(post, decision, info, why, dept or decision.dept)
        facts: dict[str, Any] = {}
        if decision.extra.get(MORE):
            facts["triage"] = await self._more(post, decision, info)
        return "faq", {"faq_id": decision.faq_id}, facts

    async def _more(self, post: Post, decision: Decision, info: Understanding) -> str:
        """Keep an answered post that asks more in triage, for an officer to answer the rest."""
        reason = f"answered with faq {decision.faq_id}; the post asks more: answer the rest"
        added = await self._triage.add(post, reason, decision.dept, info.to_record())
        return "added" if added else "already there"

    async def _withhold(
        self, post: Post, decision: Decision, info: Understanding, why: str, dept: str
    ) -> tuple[str | None, dict[str, Any], dict[str, Any]]:
        """Open a ticket for the FAQ's department instead of answering; tell an admin."""
        held = replace(
            decision, action=Action.ESCALATE, reason=f"answer withheld: {why}", dept=dept
        )
        ticket_vars = await self._ticket_for(post, held, info)
        await self._redis.hincrby(self._keys.counter("faq_withheld"), str(decision.faq_id), 1)
        if "review overdue" in why:
            await raise_alarm(
                self._redis, self._keys, self._clock, "kb_review_overdue",
                f"faq {decision.faq_id}: {why}; verify it again (seva kb set) to answer it",
            )  # fmt: skip
        log.warning("faq answer withheld", faq=decision.faq_id, reason=why)
        facts = {"docket": ticket_vars["docket"], "withheld": why}
        return "ack", ticket_vars, facts

    async def _ticket_for(
        self, post: Post, decision: Decision, info: Understanding
    ) -> dict[str, Any]:
        """Open the post's ticket once; a re-processed post gets the same docket back."""
        existing = await self._tickets.ticket_for_post(post.id)
        if existing:
            found = await self._tickets.status_for(existing, post.author_id)
            if found is not None:
                return _ticket_vars(found)
        # "Still not fixed!" under an answered ticket: the same grievance, reopened (the
        # post is linked to the docket in the same move).
        reopened = await self._tickets.reopen_for(post)
        if reopened is not None:
            return _ticket_vars(reopened)
        ticket = await self._tickets.create(
            post,
            decision.dept,
            reason=decision.reason,
            reply_allowed=not decision.manual_reply,
            # Departments and bodies named: storm grouping compares them (bot.tickets.storm).
            nlu=info.for_ticket(),
            # A post converted from triage: its SLA runs from the post, not from the officer.
            since=post.created_at if decision.extra.get(SINCE_POST) else None,
        )
        return _ticket_vars(ticket)

    async def _status(self, post: Post, docket: str) -> tuple[str, dict[str, Any]]:
        result = await self._tickets.status_for(docket, post.author_id)
        if result is None:
            # The same polite refusal whether the docket is unknown or someone else's, so
            # the desk never confirms that a docket exists to a stranger.
            return "status_refused", {"docket": docket}
        return "status", _ticket_vars(result)


def _ticket_vars(ticket: Ticket) -> dict[str, Any]:
    return {
        "docket": ticket.docket,
        "due_at": ticket.due_at.isoformat(),
        "state": ticket.state.value,
        "dept": ticket.dept,
    }
