"""Storms: many posts about one issue, grouped under a master ticket and answered once.

When a portal goes down, hundreds of citizens post about it in three languages. Officers
should see one ticket, answer it once, and every author should still get an answer.

- Every new ticket that X lets us answer is queued for the storm sweep
  (``Keys.storm_pending``, written in the same Lua call that creates the ticket).
- The sweep runs in the SLA leader (one process at a time, under its lease), so storms
  are never built twice in parallel. For each pending ticket it compares the post's gist
  with the open storms' profiles (``bot.tickets.gist``). A match *joins* the storm: the
  member leaves its department queue and the SLA sets (the master's clock governs), and
  both tickets record it in their history. No match, and the ticket becomes a possible
  master itself.
- When an officer answers the master, the answer goes to every member through the
  outbox's low-priority stream, so the fan-out spreads over X's rate windows behind fresh
  answers. Each member's text carries its own docket, so no two posts are identical (X
  refuses duplicate content) and every job id is unique (``answer:<docket>:storm:<n>``). A
  fan-out interrupted by a crash is finished by the next sweep.
- Transfers, referrals and closes of the master carry over to the members; a master
  closed after a hand reply on X releases its members, who still need an answer.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import structlog
from redis.asyncio import Redis

from bot.clock import Clock
from bot.errors import TicketError
from bot.keys import Keys
from bot.outbox.jobs import Priority, ReplyJob
from bot.replies.composer import ReplyComposer
from bot.replies.protocol import Composer, Target
from bot.settings import Settings
from bot.tickets.answered import profile_of
from bot.tickets.gist import (
    VAGUE_PROBLEMS,
    Profile,
    best_storm,
    concrete,
    merges,
    refusal,
    score,
)
from bot.tickets.model import OPEN, Move, State, Ticket, lua_guards
from bot.tickets.store import TicketStore
from bot.tickets.transitions import Change, announce_lua, apply

log = structlog.get_logger("storm")


def storm_job_id(member: str, answer_no: str) -> str:
    """The job id of a member's copy of its master's answer number ``answer_no``."""
    return f"answer:{member}:storm:{answer_no}"


_SWEEP_BATCH = 500

# Join a ticket to a master (Move.MERGE: two tickets at once, so a script of its own, with
# the model's guards), atomically with the ticket's own members if it was a master itself
# (a fold or an officer's merge). Refused unless the ticket may merge (new), is in no storm
# and answerable through the API, and the master is open, in no storm itself and has no
# answer on its way (``storm_answer``: a member that joined during the officer's reply
# would never get it), and X lets the desk answer it too.
# KEYS: ticket hash, its history, master hash, master history, master's members zset, queue
# of the ticket's dept, sla_due, sla_warn, the ticket's own members zset, events stream,
# the daily figures' dirty set.
# ARGV: master docket, ticket docket, created score, ticket event JSON, master event JSON,
# ticket key prefix, moved-member event JSON, who.
_JOIN = (
    lua_guards()
    + """
if ARGV[1] == ARGV[2] then return 0 end
if not START['merge'][redis.call('HGET', KEYS[1], 'state') or ''] then return 0 end
if redis.call('HGET', KEYS[1], 'storm_of') then return 0 end
if redis.call('HGET', KEYS[1], 'reply_allowed') ~= '1' then return 0 end
if not OPEN[redis.call('HGET', KEYS[3], 'state') or ''] then return 0 end
if redis.call('HGET', KEYS[3], 'storm_of') then return 0 end
if redis.call('HGET', KEYS[3], 'storm_answer') then return 0 end
if redis.call('HGET', KEYS[3], 'reply_allowed') ~= '1' then return 0 end
redis.call('HSET', KEYS[1], 'storm_of', ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('HINCRBY', KEYS[3], 'storm_size', 1)
redis.call('RPUSH', KEYS[4], ARGV[5])
redis.call('ZADD', KEYS[5], ARGV[3], ARGV[2])
redis.call('ZREM', KEYS[6], ARGV[2])
redis.call('ZREM', KEYS[7], ARGV[2])
redis.call('ZREM', KEYS[8], ARGV[2])
"""
    + announce_lua("KEYS[10]", "KEYS[1]", "ARGV[2]", "'merge'", "ARGV[8]", "KEYS[11]")
    + """
redis.call('SADD', KEYS[11], ARGV[1])
local own = redis.call('ZRANGE', KEYS[9], 0, -1, 'WITHSCORES')
for i = 1, #own, 2 do
  redis.call('HSET', ARGV[6] .. own[i], 'storm_of', ARGV[1])
  redis.call('SADD', KEYS[11], own[i])
  redis.call('RPUSH', ARGV[6] .. own[i] .. ':history', ARGV[7])
  redis.call('ZADD', KEYS[5], own[i + 1], own[i])
end
if #own > 0 then
  redis.call('HINCRBY', KEYS[3], 'storm_size', #own / 2)
  redis.call('HSET', KEYS[1], 'storm_size', 0)
  redis.call('DEL', KEYS[9])
end
return 1 + #own / 2
"""
)


class Storms:
    """Groups new tickets into storms and carries the master's actions to its members."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        clock: Clock,
        store: TicketStore,
        settings: Settings,
        *,
        composer: Composer | None = None,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self._store = store
        # Every word the desk posts goes through one composer (the daemon passes its own).
        self.composer: Composer = composer or ReplyComposer(
            store.kb, timezone=settings.reply_timezone, clock=clock
        )
        self._threshold = settings.storm_threshold
        self._window_s = settings.storm_window_h * 3600
        self._vague_window_s = settings.storm_vague_window_h * 3600

    # --- grouping ----------------------------------------------------------------------
    async def sweep(self) -> list[tuple[str, str]]:
        """Group every pending new ticket, then fold storms; return (member, master) pairs."""
        pending = [
            str(d) for d in await self._redis.zrange(self._keys.storm_pending, 0, _SWEEP_BATCH)
        ]
        if not pending:
            return []
        storms = await self._open_storms()
        joined: list[tuple[str, str]] = []
        for docket in pending:
            ticket = await self._store.get(docket)
            if ticket is not None and ticket.state is State.NEW and ticket.reply_allowed:
                pair = await self._place(ticket, storms)
                if pair:
                    joined.append(pair)
            await self._redis.zrem(self._keys.storm_pending, docket)
        joined += await self._fold(storms)
        if joined:
            log.info("storm: grouped", moved=len(joined), masters=len({m for _, m in joined}))
        return joined

    async def _place(self, ticket: Ticket, storms: dict[str, Profile]) -> tuple[str, str] | None:
        alone = profile_of(ticket)
        if not concrete(alone):
            return None  # names nothing concrete: it joins no storm and seeds none (gist.refusal)
        near = [p for p in storms.values() if self._near(alone, p)]
        storm = best_storm(alone, near, self._threshold)
        if storm is not None and await self._join(ticket, storm.master):
            storm.absorb(alone)
            await self._save(storm)
            return ticket.docket, storm.master
        storms[ticket.docket] = alone
        await self._save(alone)
        return None

    def _near(self, a: Profile, b: Profile) -> bool:
        """Whether two storms (or a post and a storm) are close enough in time to be one.

        Waiting ("pending", "no reply") is one incident only among posts of one working
        day (``SEVA_STORM_VAGUE_WINDOW_H``): two SEZ applications pending a day apart are
        two files, whereas results that were due this morning keep a crowd waiting today.
        """
        vague = a.main_problem in VAGUE_PROBLEMS or b.main_problem in VAGUE_PROBLEMS
        window = self._vague_window_s if vague else self._window_s
        return abs(a.created_at - b.created_at) <= window

    async def _fold(self, storms: dict[str, Profile]) -> list[tuple[str, str]]:
        """Fold storms that turned out to be one (``gist.merges``) into the larger."""
        moved: list[tuple[str, str]] = []
        for small, big in merges(list(storms.values()), self._threshold):
            if not self._near(storms[small], storms[big]):
                continue
            master = await self._store.get(small)
            if master is None or not await self._join(master, big):
                # An officer took the smaller master meanwhile: it stays apart. (The larger
                # profile already counted it; the error fades as the storm grows.)
                continue
            moved.append((small, big))
            await self._redis.hdel(self._keys.storm_profiles, small)
            await self._save(storms[big])
        return moved

    async def _open_storms(self) -> dict[str, Profile]:
        """The profiles of storms that may still take members; closed ones are dropped."""
        raw: Any = await self._redis.hgetall(self._keys.storm_profiles)
        now = self._clock.time()
        storms = {}
        for master, data in raw.items():
            profile = Profile.from_json(json.loads(data))
            ticket = await self._store.get(str(master))
            still_open = ticket is not None and ticket.is_open
            if still_open and now - profile.created_at <= self._window_s:
                storms[str(master)] = profile
            else:
                await self._redis.hdel(self._keys.storm_profiles, str(master))
        return storms

    async def _save(self, profile: Profile) -> None:
        await self._redis.hset(
            self._keys.storm_profiles, profile.master, json.dumps(profile.to_json())
        )

    async def _join(self, member: Ticket, master: str, by: str = "storm") -> bool:
        at = self._clock.now().isoformat()
        k = self._keys
        moved = {
            "at": at,
            "by": by,
            "event": "storm_merged",
            "from": member.docket,
            "master": master,
        }
        joined = await self._redis.eval(
            _JOIN,
            11,
            k.ticket(member.docket),
            k.ticket_history(member.docket),
            k.ticket(master),
            k.ticket_history(master),
            k.storm(master),
            k.queue(member.dept),
            k.sla_due,
            k.sla_warn,
            k.storm(member.docket),
            k.ticket_events,
            k.report_dirty,
            master,
            member.docket,
            str(member.created_at.timestamp()),
            json.dumps({"at": at, "by": by, "event": "storm_joined", "master": master}),
            json.dumps({"at": at, "by": by, "event": "storm_member", "member": member.docket}),
            k.ticket(""),
            json.dumps(moved),
            by,
        )
        if joined:
            log.debug("storm: grouped", member=member.docket, master=master, tickets=joined)
        return bool(joined)

    async def merge(self, docket: str, master: str, officer: str) -> None:
        """An officer puts a ticket the sweep left apart into a storm (``seva tickets merge``).

        A ticket that is a master itself brings its members along, in the same Lua call.
        """
        ticket = await self._store.require(docket)
        if not await self._join(ticket, master, by=officer):
            target = await self._store.get(master)
            msg = (
                f"cannot merge {docket} into {master}: only a new ticket that X lets us answer "
                "joins an open master that is in no storm itself and has no answer on its way "
                f"({docket} is {ticket.state.value}, {master} is "
                f"{target.state.value if target else 'unknown'})"
            )
            raise TicketError(msg)
        await self._redis.hdel(self._keys.storm_profiles, docket)
        raw: Any = await self._redis.hget(self._keys.storm_profiles, master)
        if raw:
            storm = Profile.from_json(json.loads(raw))
            storm.absorb(profile_of(ticket))
            await self._save(storm)

    async def similar(self, docket: str, limit: int = 3) -> list[tuple[str, float, str | None]]:
        """Open storms a ticket resembles: (master, score, why the sweep kept it apart)."""
        ticket = await self._store.require(docket)
        if not ticket.reply_allowed or ticket.extra.get("storm_of"):
            return []  # a hand reply each, or already in a storm
        alone = profile_of(ticket)
        found = []
        for storm in (await self._open_storms()).values():
            if storm.master == docket or storm.size == 1:  # a lone ticket is no storm yet
                continue
            found.append((storm.master, round(score(alone, storm), 2), refusal(alone, storm)))
        return sorted(found, key=lambda f: -f[1])[:limit]

    async def members(self, master: str) -> list[str]:
        """The dockets grouped under ``master``, oldest first."""
        return [str(d) for d in await self._redis.zrange(self._keys.storm(master), 0, -1)]

    # --- carrying the master's actions over ---------------------------------------------
    async def answer(self, master: str) -> list[ReplyJob]:
        """The master is answered (or closed after an answer): send its answer to members."""
        return await self._fan_out(master)

    async def finish_fan_outs(self) -> int:
        """Complete interrupted fan-outs; return how many jobs were queued."""
        queued = 0
        for master in await self._redis.smembers(self._keys.storm_fanout):
            queued += len(await self._fan_out(str(master)))
        return queued

    async def _fan_out(self, master: str) -> list[ReplyJob]:
        ticket = await self._store.require(master)
        if "storm_answer" not in ticket.extra:
            await self._redis.srem(self._keys.storm_fanout, master)  # reopened meanwhile
            return []
        if ticket.state not in {State.ANSWERED, State.CLOSED}:
            return []  # the officer's reply did not go through (yet): members wait with it
        answers: dict[str, str] = json.loads(ticket.extra["storm_answer"])
        officer = ticket.extra.get("storm_answered_by", "desk")
        answer_no = ticket.extra.get("replies", "1")  # a reopened master's next answer is new
        jobs = []
        for member in await self.each_member(master):
            if member.state is State.CLAIMED:
                continue  # an officer took this one by hand: they answer it themselves
            job = await self._member_job(member, answers.get(member.lang, answers[""]), answer_no)
            # The member's answer and its job in one move: answered if and only if queued.
            change = self._member_move(
                member,
                Move.STORM_ANSWER,
                officer,
                master,
                details={"storm_of": master, "job": job.job_id},
            )
            at = change.at.isoformat()
            change.hset(change.ticket, officer=officer, answered_at=at, storm_job=job.job_id)
            change.hsetnx(change.ticket, "first_response_at", at)
            for key in (self._keys.queue(member.dept), self._keys.sla_due, self._keys.sla_warn):
                change.zrem(key, member.docket)
            change.enqueue(job)
            try:
                await apply(self._redis, change)
            except TicketError:
                continue  # claimed or moved meanwhile: it is no longer the storm's to answer
            jobs.append(job)
        await self._redis.srem(self._keys.storm_fanout, master)
        if jobs:
            log.info("storm: answer fanned out", master=master, replies=len(jobs))
        return jobs

    def _member_move(
        self,
        member: Ticket,
        move: Move,
        by: str,
        master: str,
        *,
        details: dict[str, Any],
        end: State | None = None,
    ) -> Change:
        """A member's move for its master, refused if the member left that storm meanwhile."""
        return Change(
            member.docket, move, by, self._clock.now(), self._keys,
            details=details, expect={"storm_of": master}, end=end,
        )  # fmt: skip

    async def _member_job(self, member: Ticket, text: str, answer_no: str) -> ReplyJob:
        """A member's copy of its master's answer, in its language, under its own docket."""
        parts = await self.member_parts(member, text)
        return ReplyJob(
            job_id=storm_job_id(member.docket, answer_no),
            in_reply_to=member.post_id,
            parts=parts,
            kind="answer",
            priority=Priority.LOW,  # behind fresh answers, across as many rate windows as needed
            docket=member.docket,
            lang=member.lang,
            account=member.reply_as,
        )

    async def member_parts(self, member: Ticket, text: str) -> list[str]:
        """The posts a member gets for its master's answer ``text`` (the desk previews it)."""
        return await self.composer.compose(
            "answer", member.lang, Target(member.post_id, member.text),
            {"answer": text, "docket": member.docket, "ref": member.docket},
        )  # fmt: skip

    async def each_member(self, master: str) -> list[Ticket]:
        """The members still waiting for an answer (for answers, transfers, closes...)."""
        found = []
        for docket in await self.members(master):
            member = await self._store.get(docket)
            if member is not None and member.state in OPEN and member.storm_of == master:
                found.append(member)
        return found

    async def follow(
        self,
        master: str,
        officer: str,
        end: State | None,
        fields: dict[str, str],
        *,
        responded: bool,
    ) -> int:
        """Carry a transfer (``end`` None), referral or close of the master to its members.

        ``responded``: the action counts as the desk's response (a referral does), so the
        member's first-response time is set too. Returns how many members followed.
        """
        followed = 0
        for member in await self.each_member(master):
            change = self._member_move(
                member,
                Move.STORM_FOLLOW,
                officer,
                master,
                details={"storm_of": master, **fields},
                end=end,
            )
            change.hset(change.ticket, **fields)
            if responded:
                change.hsetnx(change.ticket, "first_response_at", change.at.isoformat())
            if end is not None:  # the member's own clock stops with the master's
                for key in (self._keys.sla_due, self._keys.sla_warn):
                    change.zrem(key, member.docket)
            try:
                await apply(self._redis, change)
            except TicketError:
                continue  # claimed by an officer meanwhile: it is theirs now
            followed += 1
        return followed

    async def release(self, master: str, why: str) -> list[str]:
        """Give the waiting members back their own queue place and clock.

        The clock is the member's own from its creation: the citizen has been waiting that
        long. Its warning time is the one kept at creation (in working hours where the
        department counts them). A warning and a breach already due fire on the next tick.
        """
        released = []
        for member in await self.each_member(master):
            warn_at = member.extra.get("warn_at")
            if warn_at:
                warn = datetime.fromisoformat(warn_at)
            else:  # a ticket from before warn_at was kept: the same rule as at creation
                _, warn = await self._store.clock_for(member.dept, member.created_at)
            change = self._member_move(
                member, Move.STORM_RELEASE, "storm", master, details={"master": master, "why": why}
            )
            change.hdel(change.ticket, "storm_of")
            change.hset(change.ticket, storm_released=why)
            queue = self._keys.queue(member.dept)
            change.zadd(queue, member.docket, member.created_at.timestamp())
            change.zadd(self._keys.sla_due, member.docket, member.due_at.timestamp())
            change.zadd(self._keys.sla_warn, member.docket, warn.timestamp())
            change.zrem(self._keys.storm(master), member.docket)
            change.hincrby(self._keys.ticket(master), "storm_size", -1)
            try:
                await apply(self._redis, change)
            except TicketError:
                continue
            released.append(member.docket)
        return released
