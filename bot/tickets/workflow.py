"""The officer's workflow: claim, reply, transfer, refer, close, and idle claims returning.

Every transition is one Lua script over the ticket hash, its history list, the department
queues and the SLA set, so two officers can never hold the same ticket and a crash never
leaves a ticket half-moved. The SLA clock (``due_at``) is set at creation and survives a
transfer; a referral to another ministry stops it (the docket leaves the SLA set).
"""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from bot import pii
from bot.clock import Clock
from bot.errors import TicketError
from bot.keys import Keys
from bot.outbox.jobs import Priority, ReplyJob, enqueue
from bot.replies.composer import reference
from bot.replies.thread import thread
from bot.tickets.store import OPEN_STATES, Ticket, TicketStore
from bot.tickets.storm import Storms

# KEYS: ticket hash, history list, claims zset, queue of the ticket's dept.
# ARGV: officer, now (iso), now (score), allowed states (comma list), new state, event JSON.
_TRANSITION = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {err = 'no such ticket'} end
local allowed = false
for s in string.gmatch(ARGV[4], '[^,]+') do if s == state then allowed = true end end
if not allowed then return {err = 'ticket is ' .. state} end
redis.call('HSET', KEYS[1], 'state', ARGV[5], 'officer', ARGV[1], 'updated_at', ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[6])
return state
"""
# Claim: only an open, unclaimed ticket; leaves the queue, enters the claims set.
_CLAIM = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {err = 'no such ticket'} end
if state ~= 'new' and state ~= 'transferred' and state ~= 'reopened' then
  local holder = redis.call('HGET', KEYS[1], 'officer') or '?'
  return {err = 'ticket is ' .. state .. ' (held by ' .. holder .. ')'}
end
redis.call('HSET', KEYS[1], 'state', 'claimed', 'officer', ARGV[1],
  'claimed_at', ARGV[2], 'updated_at', ARGV[2])
redis.call('ZREM', KEYS[4], ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[5])
redis.call('RPUSH', KEYS[2], ARGV[4])
return 'claimed'
"""


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

    def _event(self, officer: str, event: str, **extra: Any) -> str:
        return json.dumps(
            {"at": self._clock.now().isoformat(), "by": officer, "event": event, **extra}
        )

    async def _transition(
        self,
        ticket: Ticket,
        officer: str,
        allowed: set[str],
        new_state: str,
        event: str,
        **extra: Any,
    ) -> None:
        now = self._clock.now()
        try:
            await self._redis.eval(
                _TRANSITION,
                4,
                self._keys.ticket(ticket.docket),
                self._keys.ticket_history(ticket.docket),
                self.claims_key,
                self._keys.queue(ticket.dept),
                officer,
                now.isoformat(),
                str(now.timestamp()),
                ",".join(sorted(allowed)),
                new_state,
                self._event(officer, event, **extra),
            )
        except Exception as err:
            raise TicketError(f"{ticket.docket}: {err}") from err

    async def claim(self, docket: str, officer: str) -> Ticket:
        """Take a ticket; fails if anyone (including another officer a moment ago) holds it."""
        ticket = await self._store.require(docket)
        now = self._clock.now()
        try:
            await self._redis.eval(
                _CLAIM,
                4,
                self._keys.ticket(docket),
                self._keys.ticket_history(docket),
                self.claims_key,
                self._keys.queue(ticket.dept),
                officer,
                now.isoformat(),
                str(now.timestamp()),
                self._event(officer, "claimed"),
                docket,
            )
        except Exception as err:
            raise TicketError(f"{docket}: {err}") from err
        return await self._store.require(docket)

    async def claim_next(self, dept: str, officer: str) -> Ticket | None:
        """Claim the oldest waiting ticket of a department (retrying past lost races)."""
        for docket in await self._redis.zrange(self._keys.queue(dept), 0, 20):
            try:
                return await self.claim(str(docket), officer)
            except TicketError:
                continue
        return None

    async def requeue_idle(self, timeout_s: float) -> list[str]:
        """Return claims idle past the timeout to their queue; list the dockets."""
        cutoff = self._clock.time() - timeout_s
        returned = []
        for raw in await self._redis.zrangebyscore(self.claims_key, "-inf", cutoff):
            ticket = await self._store.get(str(raw))
            await self._redis.zrem(self.claims_key, str(raw))
            if ticket is None or ticket.state.value != "claimed":
                continue
            await self._transition(
                ticket, "desk", {"claimed"}, "new", "claim_expired", held_by=ticket.officer or ""
            )
            await self._redis.zadd(
                self._keys.queue(ticket.dept), {ticket.docket: ticket.created_at.timestamp()}
            )
            returned.append(ticket.docket)
        return returned

    async def reply(
        self,
        docket: str,
        officer: str,
        text: str,
        translations: dict[str, str] | None = None,
    ) -> ReplyJob | None:
        """Answer the citizen through the outbox (threaded, length-checked); mark answered.

        ``translations`` ({"hi": ..., "hinglish": ...}) are the same answer in the citizens'
        other languages: each author (the master's, and every storm member) gets the one in
        the language they wrote in, or ``text``.

        A ticket whose post may not be answered through the API (hashtag-only) is not sent:
        the officer replies by hand on X and records it with ``manual_reply``.
        """
        ticket = await self._store.require(docket)
        if ticket.state.value != "claimed" or ticket.officer != officer:
            raise TicketError(f"{docket}: claim it first (it is {ticket.state.value})")
        if not ticket.reply_allowed:
            raise TicketError(
                f"{docket}: X does not allow an API reply to this post; reply by hand at "
                f"{manual_reply_link(ticket)} and record it with `seva tickets close --manual`"
            )
        answers = {"": text} | {k: v for k, v in (translations or {}).items() if v.strip()}
        for version in answers.values():
            await self._refuse_personal_data(ticket, version)
        await self._storms.prepare_answer(docket, officer, answers)
        n = int(await self._redis.hincrby(self._keys.ticket(docket), "replies", 1))
        mine = answers.get(str(ticket.nlu.get("lang") or ""), text)
        parts = thread(f"{mine.strip()} (docket {docket})", ref=reference(f"{docket}:{n}"))
        job = ReplyJob(
            job_id=f"answer:{docket}:{n}",
            in_reply_to=ticket.post_id,
            parts=parts,
            kind="answer",
            priority=Priority.HIGH,
            docket=docket,
            account=ticket.reply_as,  # the department handle its author summoned, if any
        )
        await enqueue(self._redis, self._keys, job)
        await self._first_response(docket)
        await self._transition(
            ticket, officer, {"claimed"}, "answered", "answered", job=job.job_id, parts=len(parts)
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self.claims_key, docket)
            pipe.hset(self._keys.ticket(docket), "answered_at", self._clock.now().isoformat())
            await pipe.execute()
        # A storm's master: the same answer goes to every member, each under its own docket.
        await self._storms.answer(docket)
        return job

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

    async def _first_response(self, docket: str) -> None:
        await self._redis.hsetnx(
            self._keys.ticket(docket), "first_response_at", self._clock.now().isoformat()
        )

    async def transfer(self, docket: str, officer: str, to_dept: str) -> None:
        """Move a ticket to another department; the history and the SLA clock go with it."""
        ticket = await self._store.require(docket)
        if ticket.state.value not in OPEN_STATES:
            raise TicketError(f"{docket}: cannot transfer a {ticket.state.value} ticket")
        await self._transition(
            ticket,
            officer,
            set(OPEN_STATES),
            "transferred",
            "transferred",
            **{"from": ticket.dept, "to": to_dept},
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._keys.ticket(docket), "dept", to_dept)
            pipe.zrem(self._keys.queue(ticket.dept), docket)
            pipe.zrem(self.claims_key, docket)
            pipe.zadd(self._keys.queue(to_dept), {docket: ticket.created_at.timestamp()})
            await pipe.execute()
        fields = {"dept": to_dept}
        await self._storms.follow(docket, officer, "transferred", fields, responded=False)

    async def refer(self, docket: str, officer: str, body_id: str) -> None:
        """Refer to another ministry: the local SLA clock stops (reported separately)."""
        ticket = await self._store.require(docket)
        await self._transition(
            ticket, officer, set(OPEN_STATES), "referred", "referred", body=body_id
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._keys.ticket(docket), mapping={"referred_to": body_id})
            pipe.zrem(self._keys.sla_due, docket)
            pipe.zrem(self._keys.queue(ticket.dept), docket)
            pipe.zrem(self.claims_key, docket)
            await pipe.execute()
        await self._first_response(docket)
        fields = {"state": "referred", "referred_to": body_id, "officer": officer}
        await self._storms.follow(docket, officer, "referred", fields, responded=True)

    async def merge(self, docket: str, master: str, officer: str) -> None:
        """Put a waiting ticket into an open storm: its author gets the master's answer."""
        await self._storms.merge(docket, master, officer)

    async def similar(self, docket: str) -> list[tuple[str, float, str | None]]:
        """Open storms a ticket resembles, best first, with why the sweep kept it apart."""
        return await self._storms.similar(docket)

    async def reopen(self, docket: str, officer: str, why: str) -> Ticket:
        """Reopen an answered or closed ticket: back in its queue with a fresh SLA period."""
        return await self._store.reopen(docket, officer, why)

    async def close(self, docket: str, officer: str, reason: str, *, manual: bool = False) -> None:
        """Close a ticket (``manual``: the officer replied by hand on X); the clock stops."""
        ticket = await self._store.require(docket)
        allowed = {"answered", "referred", *OPEN_STATES}
        await self._transition(
            ticket, officer, allowed, "closed", "closed", reason=reason, manual=manual
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                self._keys.ticket(docket),
                mapping={
                    "closed_at": self._clock.now().isoformat(),
                    "close_reason": "manual_reply" if manual else reason,
                },
            )
            pipe.zrem(self._keys.sla_due, docket)
            pipe.zrem(self._keys.queue(ticket.dept), docket)
            pipe.zrem(self.claims_key, docket)
            await pipe.execute()
        if manual:
            await self._first_response(docket)
            # A hand reply on X reached the master's author only: the members still wait.
            await self._storms.release(docket, "master answered by hand on X")
            return
        # An answer whose fan-out a crash cut short still goes out before the members close.
        await self._storms.answer(docket)
        fields = {
            "state": "closed",
            "officer": officer,
            "closed_at": self._clock.now().isoformat(),
            "close_reason": f"{reason} (with storm {docket})",
        }
        await self._storms.follow(docket, officer, "closed", fields, responded=False)
