"""The officer's workflow: claim, release, reply, transfer, refer, close, reopen, merge.

Every move of a ticket is one ``Change`` applied in one Lua call (``bot.tickets.transitions``):
its state, history event, queue, claims and SLA-set moves, and for a reply the outbox job,
so two officers can never hold the same ticket, a double submit posts once, and a crash
never leaves a ticket half-moved. A storm's master moves first; its members follow, each
in a move of its own, and ``Storms.finish_fan_outs`` completes a fan-out a crash cut short.
The SLA clock (``due_at``) is set at creation and survives a transfer; a referral to
another ministry stops it (the docket leaves the SLA set).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from redis.asyncio import Redis

from bot import pii
from bot.clock import Clock
from bot.errors import TicketConflictError, TicketError
from bot.keys import Keys
from bot.outbox.jobs import Priority, ReplyJob
from bot.replies.protocol import Target
from bot.tickets.answered import AnsweredIndex
from bot.tickets.model import OPEN, Move, State, Ticket
from bot.tickets.store import TicketStore
from bot.tickets.storm import Storms
from bot.tickets.transitions import Change, apply


def manual_reply_link(ticket: Ticket) -> str:
    """Where an officer answers a post by hand on X (hashtag-only posts)."""
    return f"https://x.com/i/web/status/{ticket.post_id}"


class Workflow:
    """What officers do with tickets (the CLI and the dashboard call this)."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        clock: Clock,
        store: TicketStore,
        storms: Storms,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self._store = store
        self._storms = storms
        self.claims_key = keys.claims
        self.answered = AnsweredIndex(redis, keys, store.settings)

    def _change(self, ticket: Ticket, move: Move, by: str, **kw: Any) -> Change:
        """A move of ``ticket`` read just now: refused if its department changed meanwhile."""
        change = Change(ticket.docket, move, by, self._clock.now(), self._keys, **kw)
        change.expect.setdefault("dept", ticket.dept)
        return change

    async def claim(self, docket: str, officer: str) -> Ticket:
        """Take a ticket; refused, naming the holder, if anyone (another officer) holds it."""
        ticket = await self._store.require(docket)
        now = self._clock.now()
        change = self._change(ticket, Move.CLAIM, officer)
        change.hset(change.ticket, officer=officer, claimed_at=now.isoformat())
        change.zrem(self._keys.queue(ticket.dept), docket)
        change.zadd(self.claims_key, docket, now.timestamp())
        await apply(self._redis, change)
        return await self._store.require(docket)

    async def claim_next(self, dept: str, officer: str) -> Ticket | None:
        """Claim the oldest waiting ticket of a department (retrying past lost races)."""
        for docket in await self._redis.zrange(self._keys.queue(dept), 0, 20):
            try:
                return await self.claim(str(docket), officer)
            except TicketError:
                continue
        return None

    async def release(self, docket: str, officer: str, *, why: str = "") -> Ticket:
        """Give a claim back: the ticket returns to its queue place (or to its storm)."""
        ticket = await self._store.require(docket)
        await apply(self._redis, self._release(ticket, officer, holder=officer, why=why))
        return await self._store.require(docket)

    def _release(self, ticket: Ticket, by: str, *, holder: str, why: str, name: str = "") -> Change:
        details = {"held_by": holder, "why": why} if why else {"held_by": holder}
        change = self._change(ticket, Move.RELEASE, by, holder=holder, details=details, name=name)
        change.hset(change.ticket, officer="")
        change.zrem(self.claims_key, ticket.docket)
        if ticket.storm_of is None:  # a storm member waits on its master, in no queue
            change.zadd(self._keys.queue(ticket.dept), ticket.docket, ticket.created_at.timestamp())
        return change

    async def reassign(self, docket: str, head: str, to: str) -> Ticket:
        """A head gives a claimed ticket to another officer: released, then claimed for them.

        Two moves, each atomic: a crash between them leaves the ticket waiting in its queue,
        a state any officer can take, never held by two.
        """
        ticket = await self._store.require(docket)
        if ticket.state is not State.CLAIMED or not ticket.officer:
            raise TicketConflictError(f"{docket}: only a claimed ticket is reassigned")
        change = self._release(ticket, head, holder=ticket.officer, why=f"reassigned to {to}")
        await apply(self._redis, change)
        return await self.claim(docket, to)

    async def requeue_idle(self, timeout_s: float) -> list[str]:
        """Return claims idle past the timeout to their queue; list the dockets."""
        cutoff = self._clock.time() - timeout_s
        returned = []
        for raw in await self._redis.zrangebyscore(self.claims_key, "-inf", cutoff):
            ticket = await self._store.get(str(raw))
            if ticket is None or ticket.state is not State.CLAIMED:
                await self._redis.zrem(self.claims_key, str(raw))  # a stale entry: no move
                continue
            change = self._release(
                ticket, "desk", holder=ticket.officer or "", why="idle", name="claim_expired"
            )
            try:
                await apply(self._redis, change)
            except TicketConflictError:
                continue  # moved meanwhile (answered, say): nothing to give back
            returned.append(ticket.docket)
        return returned

    async def reply(
        self,
        docket: str,
        officer: str,
        text: str,
        translations: dict[str, str] | None = None,
    ) -> ReplyJob:
        """Answer the citizen through the outbox (threaded, length-checked); mark answered.

        ``translations`` ({"hi": ..., "hinglish": ...}) are the same answer in the citizens'
        other languages: each author (the master's, and every storm member) gets the one in
        the language they wrote in, or ``text``.

        The job is queued in the same Lua call that marks the ticket answered, and only
        from "claimed by this officer": a second submit (two clicks, two officers) is
        refused and posts nothing. A ticket whose post may not be answered through the API
        (hashtag-only) is not sent: the officer replies by hand on X and records it.
        """
        ticket = await self._store.require(docket)
        if ticket.state is not State.CLAIMED or ticket.officer != officer:
            held = f", held by {ticket.officer}" if ticket.officer else ""
            msg = f"{docket}: claim it first (it is {ticket.state.value}{held})"
            raise TicketConflictError(msg)
        if not ticket.reply_allowed:
            raise TicketError(
                f"{docket}: X does not allow an API reply to this post; reply by hand at "
                f"{manual_reply_link(ticket)} and record it with `seva tickets close --manual`"
            )
        answers = {"": text} | {k: v for k, v in (translations or {}).items() if v.strip()}
        for version in answers.values():
            await self._refuse_personal_data(ticket, version)
        n = int(ticket.extra.get("replies") or 0) + 1
        parts = await self._answer_parts(ticket, answers.get(ticket.lang, text), n)
        job = ReplyJob(
            job_id=f"answer:{docket}:{n}",
            in_reply_to=ticket.post_id,
            parts=parts,
            kind="answer",
            priority=Priority.HIGH,
            docket=docket,
            account=ticket.reply_as,  # the department handle its author summoned, if any
        )
        now = self._clock.now().isoformat()
        change = self._change(
            ticket, Move.REPLY, officer, holder=officer,
            details={"job": job.job_id, "parts": len(parts)},
        )  # fmt: skip
        change.expect["replies"] = ticket.extra.get("replies", "")
        # The answer stays on the master: from now it takes no new members, and a crash
        # before the fan-out loses nothing (``Storms.finish_fan_outs`` sends it on).
        change.hset(
            change.ticket, answered_at=now, replies=str(n), answer_job=job.job_id,
            storm_answer=json.dumps(answers, ensure_ascii=False), storm_answered_by=officer,
        )  # fmt: skip
        change.hsetnx(change.ticket, "first_response_at", now)
        self._stop_clock(change, ticket)
        change.sadd(self._keys.storm_fanout, docket)
        change.enqueue(job)
        self.answered.file(change, ticket, answers, officer)  # for "similar answered tickets"
        await apply(self._redis, change)
        await self.answered.trim(ticket.dept)
        # A storm's master: the same answer goes to every member, each under its own docket.
        await self._storms.answer(docket)
        return job

    async def _answer_parts(self, ticket: Ticket, text: str, n: int) -> list[str]:
        """The posts of the ``n``-th answer to the ticket's own author."""
        return await self._storms.composer.compose(
            "answer", ticket.lang, Target(ticket.post_id, ticket.text),
            {"answer": text, "docket": ticket.docket, "ref": f"{ticket.docket}:{n}"},
        )  # fmt: skip

    async def languages(self, docket: str) -> list[str]:
        """The languages a ticket's authors wrote in: its own first, then its storm's."""
        ticket = await self._store.require(docket)
        members = await self._storms.each_member(docket)
        return list(dict.fromkeys([ticket.lang, *(m.lang for m in members)]))

    async def draft(self, docket: str, answers: Mapping[str, str]) -> dict[str, list[str]]:
        """The posts each language's answer becomes, composed as ``reply`` composes them.

        ``answers`` maps a language to its text. Each is shown as its first author would
        get it: the ticket's own author, else the first storm member who wrote in it. The
        desk's preview is this, so what an officer sees is what will be posted.
        """
        ticket = await self._store.require(docket)
        n = int(ticket.extra.get("replies") or 0) + 1
        members = {m.lang: m for m in reversed(await self._storms.each_member(docket))}
        drafts: dict[str, list[str]] = {}
        for lang, text in answers.items():
            if not text.strip():
                drafts[lang] = []
            elif lang == ticket.lang or lang not in members:
                drafts[lang] = await self._answer_parts(ticket, text, n)
            else:
                drafts[lang] = await self._storms.member_parts(members[lang], text)
        return drafts

    async def _refuse_personal_data(self, ticket: Ticket, text: str) -> None:
        """Refuse an answer that repeats a citizen's personal data.

        Not the ticket's author's, nor, for a storm's master, any member's: the answer goes
        to all of them.
        """
        posts = [ticket.text, *(m.text for m in await self._storms.each_member(ticket.docket))]
        for source in posts:
            if leaked := pii.echoes(text, source):
                kinds = ", ".join(sorted({m.kind.value for m in leaked}))
                raise TicketError(
                    f"{ticket.docket}: the answer repeats a citizen's personal data ({kinds}); "
                    "a public reply must not. Remove it and reply again."
                )

    async def transfer(self, docket: str, officer: str, to_dept: str) -> None:
        """Move a ticket to another department; the history and the SLA clock go with it."""
        ticket = await self._store.require(docket)
        if ticket.state not in OPEN:
            raise TicketError(f"{docket}: cannot transfer a {ticket.state.value} ticket")
        change = self._change(
            ticket, Move.TRANSFER, officer, details={"from": ticket.dept, "to": to_dept}
        )
        change.hset(change.ticket, dept=to_dept, officer="")
        change.zrem(self._keys.queue(ticket.dept), docket)
        change.zrem(self.claims_key, docket)
        if ticket.storm_of is None:
            change.zadd(self._keys.queue(to_dept), docket, ticket.created_at.timestamp())
        await apply(self._redis, change)
        await self._storms.follow(docket, officer, None, {"dept": to_dept}, responded=False)

    async def refer(self, docket: str, officer: str, body_id: str) -> None:
        """Refer to another ministry: the local SLA clock stops (reported separately)."""
        ticket = await self._store.require(docket)
        change = self._change(ticket, Move.REFER, officer, details={"body": body_id})
        change.hset(change.ticket, referred_to=body_id, officer=officer)
        change.hsetnx(change.ticket, "first_response_at", change.at.isoformat())
        self._stop_clock(change, ticket)
        await apply(self._redis, change)
        fields = {"referred_to": body_id, "officer": officer}
        await self._storms.follow(docket, officer, State.REFERRED, fields, responded=True)

    def _stop_clock(self, change: Change, ticket: Ticket) -> None:
        for key in (self._keys.sla_due, self._keys.sla_warn, self._keys.queue(ticket.dept)):
            change.zrem(key, ticket.docket)
        change.zrem(self.claims_key, ticket.docket)

    async def merge(self, docket: str, master: str, officer: str) -> None:
        """Put a waiting ticket into an open storm: its author gets the master's answer."""
        await self._storms.merge(docket, master, officer)

    async def storm_members(self, docket: str) -> list[str]:
        """The dockets grouped under a storm's master (none for a lone ticket)."""
        return await self._storms.members(docket)

    async def similar(self, docket: str) -> list[tuple[str, float, str | None]]:
        """Open storms a ticket resembles, best first, with why the sweep kept it apart."""
        return await self._storms.similar(docket)

    async def reopen(self, docket: str, officer: str, why: str) -> Ticket:
        """Reopen an answered or closed ticket: back in its queue with a fresh SLA period."""
        return await self._store.reopen(docket, officer, why)

    async def close(self, docket: str, officer: str, reason: str, *, manual: bool = False) -> None:
        """Close a ticket (``manual``: the officer replied by hand on X); the clock stops."""
        ticket = await self._store.require(docket)
        now = self._clock.now().isoformat()
        change = self._change(
            ticket, Move.CLOSE, officer, details={"reason": reason, "manual": manual}
        )
        close_reason = "manual_reply" if manual else reason
        change.hset(change.ticket, closed_at=now, close_reason=close_reason, officer=officer)
        if manual:
            change.hsetnx(change.ticket, "first_response_at", now)
        self._stop_clock(change, ticket)
        await apply(self._redis, change)
        if manual:
            # A hand reply on X reached the master's author only: the members still wait.
            await self._storms.release(docket, "master answered by hand on X")
            return
        # An answer whose fan-out a crash cut short still goes out before the members close.
        await self._storms.answer(docket)
        fields = {
            "officer": officer,
            "closed_at": now,
            "close_reason": f"{reason} (with storm {docket})",
        }
        await self._storms.follow(docket, officer, State.CLOSED, fields, responded=False)
