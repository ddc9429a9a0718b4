"""Tickets in Redis: created atomically with a docket, followed up, looked up for status.

A ticket is a hash (``Keys.ticket``) with a JSON history list beside it. Creating one is a
single Lua call, so a crash can never leave a docket without its queue entry or due time:
INCR the year's counter, write the hash, append the history event, queue the docket in its
department (a sorted set by creation time), schedule the SLA due time and map the X
conversation to the docket for follow-ups.

This is the part the pipeline needs (``bot.pipeline.effects.TicketDesk``); the officer's
workflow and the SLA scheduler build on the same keys.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from bot.clock import Clock
from bot.errors import AmnesiaError, TicketError
from bot.kb.source import KBSource
from bot.keys import SLA_DEFAULT_HOURS, Keys
from bot.settings import Settings
from bot.tickets.desk_index import INDEX_LUA
from bot.tickets.hours import WorkingHours, due_after
from bot.tickets.model import SLA_WARNINGS, Move, State, Ticket, event
from bot.tickets.transitions import Change, announce_lua, apply
from bot.x.models import Post

# KEYS: seq, queue, sla_due, sla_warn, storm_pending, hold, epoch, the post's ticket link,
# events, the daily figures' dirty set and their dockets by creation time. ARGV: docket
# prefix, year, ticket key prefix, hash JSON, history event JSON, created score, due
# score, conversation key ('' for none), conv TTL, warning-time score, '1' if the storm
# sweep should look at it, '1' if the epoch is required, the desk index's prefix and
# departments set (``bot.tickets.desk_index``: the new ticket is filed there).
# The docket number is only known inside the script, so the ticket keys are built here. A
# post that has a ticket gets that docket back (a redelivered post never opens a second
# one). A Redis that lost its data (bot.epoch) issues no docket: its counter would start
# again at 1 and repeat numbers citizens already hold.
_CREATE = (
    INDEX_LUA
    + """
local had = redis.call('GET', KEYS[8])
if had then return {had, 0} end
local forgot = ARGV[12] == '1' and redis.call('EXISTS', KEYS[7]) == 0
if redis.call('EXISTS', KEYS[6]) == 1 or forgot then
  return redis.error_reply('SEVA_AMNESIA no docket while Redis has no epoch; run seva recover')
end
local n = redis.call('INCR', KEYS[1])
local docket = string.format('%s-%s-%06d', ARGV[1], ARGV[2], n)
local fields = cjson.decode(ARGV[4])
fields['docket'] = docket
local flat = {}
for k, v in pairs(fields) do table.insert(flat, k); table.insert(flat, v) end
redis.call('HSET', ARGV[3] .. docket, unpack(flat))
local event = cjson.decode(ARGV[5])
event['docket'] = docket
redis.call('RPUSH', ARGV[3] .. docket .. ':history', cjson.encode(event))
redis.call('ZADD', KEYS[2], ARGV[6], docket)
redis.call('ZADD', KEYS[3], ARGV[7], docket)
redis.call('ZADD', KEYS[4], ARGV[10], docket)
if ARGV[8] ~= '' then redis.call('SET', ARGV[8], docket, 'EX', ARGV[9]) end
if ARGV[11] == '1' then redis.call('ZADD', KEYS[5], ARGV[6], docket) end
redis.call('SET', KEYS[8], docket, 'EX', ARGV[9])
redis.call('ZADD', KEYS[11], ARGV[6], docket)
local key = ARGV[3] .. docket
desk_index(key, docket, ARGV[13], ARGV[14])
"""
    + announce_lua("KEYS[9]", "key", "docket", "'create'", "'desk'", "KEYS[10]")
    + """
return {docket, 1}
"""
)
_CONVERSATION_TTL_S = 90 * 24 * 3600  # a conversation (and a post) maps to its docket


class TicketStore:
    """Creates and reads tickets; departments' SLA hours come from the live KB."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        clock: Clock,
        kb: KBSource,
        settings: Settings,
        *,
        require_epoch: bool = False,
    ) -> None:
        self._require_epoch = require_epoch
        self.settings = settings  # public: the workflow reads its desk settings from here
        self.redis = redis  # public: the workflow and the CLI read the same keys
        self.keys = keys
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self._kb = kb
        self._prefix = settings.docket_prefix
        self._working = WorkingHours.from_settings(settings)

    @property
    def kb(self) -> KBSource:
        """The live knowledge base the store reads departments from (the composer reads it too)."""
        return self._kb

    async def clock_for(self, dept: str, start: datetime) -> tuple[datetime, datetime]:
        """(due, first warning) times of a ticket of ``dept`` whose period starts at ``start``.

        The warning comes at the model's first share of the period (``SLA_WARNINGS``),
        counted the same way as the period: in working hours for a business-hours department.
        """
        hours, working = await self._period(dept)
        return due_after(start, hours, working), due_after(start, hours * SLA_WARNINGS[0], working)

    async def period_point(self, dept: str, start: datetime, share: float) -> datetime:
        """When ``share`` of ``dept``'s SLA period from ``start`` has passed."""
        hours, working = await self._period(dept)
        return due_after(start, hours * share, working)

    async def _period(self, dept: str) -> tuple[float, WorkingHours | None]:
        """The department's SLA hours, and its working hours when it counts only those."""
        department = (await self._kb.load()).department(dept)
        hours = department.sla_hours if department else float(SLA_DEFAULT_HOURS)
        working = self._working if department and department.business_hours else None
        return hours, working

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
        """Open a ticket for ``post`` in ``dept``; return it with its docket and due time.

        ``since``: when its SLA period started, if not now (a post converted from triage
        is timed from the post itself).

        A post that already has a ticket (a redelivered post) gets that ticket back: the
        post's link to its docket is written in the same Lua call that issues the docket.
        """
        now = since or self._clock.now()
        due, warn_at = await self.clock_for(dept, now)
        ticket = Ticket(
            docket="",
            dept=dept,
            state=State.NEW,
            post_id=post.id,
            author_id=post.author_id,
            author_handle=post.author_handle,
            conversation_id=post.conversation_id,
            text=post.text,
            reason=reason,
            reply_allowed=reply_allowed,
            created_at=now,
            due_at=due,
            nlu=nlu or {},
        )
        created = event(now, "desk", "created", dept=dept, reason=reason, state=State.NEW.value)
        conv = self._keys.conversation(post.conversation_id) if post.conversation_id else ""
        fields = ticket.to_hash() | {
            "first_due_at": due.isoformat(),
            "warn_at": warn_at.isoformat(),  # kept: a storm member released gets it back
        }
        if post.reply_as:  # every later reply on the ticket comes from the same handle
            fields["reply_as"] = post.reply_as
        try:
            docket, new = await self._redis.eval(
                _CREATE,
                11,
                self._keys.docket_seq(self._prefix, now.year),
                self._keys.queue(dept),
                self._keys.sla_due,
                self._keys.sla_warn,
                self._keys.storm_pending,
                self._keys.hold,
                self._keys.epoch,
                self._keys.post_ticket(post.id),
                self._keys.ticket_events,
                self._keys.report_dirty,
                self._keys.report_created,
                self._prefix,
                str(now.year),
                self._keys.ticket(""),
                json.dumps(fields, ensure_ascii=False),
                json.dumps(created),
                str(now.timestamp()),
                str(due.timestamp()),
                conv,
                str(_CONVERSATION_TTL_S),
                str(warn_at.timestamp()),
                # Hashtag-only posts need a hand reply each, so grouping them saves no work.
                "1" if ticket.reply_allowed else "0",
                "1" if self._require_epoch else "0",
                self._keys.desk_prefix,
                self._keys.desk_depts,
            )
        except ResponseError as exc:
            if "SEVA_AMNESIA" in str(exc):
                raise AmnesiaError(str(exc).removeprefix("SEVA_AMNESIA ")) from None
            raise
        if not new:
            return await self.require(str(docket))
        ticket.docket = str(docket)
        ticket.extra = {k: v for k, v in fields.items() if k not in ticket.to_hash()}
        return ticket

    async def ticket_for_post(self, post_id: str) -> str | None:
        """The docket opened (or reopened) for a post, if any."""
        raw = await self._redis.get(self._keys.post_ticket(post_id))
        return None if raw is None else str(raw)

    async def get(self, docket: str) -> Ticket | None:
        """The ticket with this docket, if any."""
        raw: Any = await self._redis.hgetall(self._keys.ticket(docket))
        return Ticket.from_hash(raw) if raw else None

    async def history(self, docket: str) -> list[dict[str, Any]]:
        """The ticket's history events, oldest first."""
        raw: Any = await self._redis.lrange(self._keys.ticket_history(docket), 0, -1)
        return [json.loads(r) for r in raw]

    async def _conversation_ticket(self, post: Post) -> Ticket | None:
        """The ticket the post's conversation started, whatever its state."""
        if not post.conversation_id:
            return None
        docket = await self._redis.get(self._keys.conversation(post.conversation_id))
        return await self.get(str(docket)) if docket else None

    async def open_ticket_for(self, post: Post) -> str | None:
        """The open ticket of the post's conversation, if any."""
        ticket = await self._conversation_ticket(post)
        return ticket.docket if ticket and ticket.is_open else None

    async def attach_followup(self, post: Post) -> Ticket | None:
        """Record a follow-up post on its conversation's open ticket."""
        ticket = await self._conversation_ticket(post)
        if ticket is None or not ticket.is_open:
            return None
        change = Change(
            ticket.docket, Move.NOTE, post.author_handle or post.author_id, self._clock.now(),
            self._keys, details={"post_id": post.id, "text": post.text}, name="followup",
        )  # fmt: skip
        change.hincrby(change.ticket, "followups", 1)
        await apply(self._redis, change)
        return await self.get(ticket.docket)

    async def reopen(
        self,
        docket: str,
        by: str,
        why: str,
        *,
        author_id: str | None = None,
        post_id: str | None = None,
    ) -> Ticket:
        """Reopen an answered or closed ticket with a fresh SLA period; ``TicketError`` if not.

        ``author_id``: only that author may reopen it (a citizen's follow-up); None for an
        officer. ``post_id``: the post that reopened it, linked to the docket in the same
        move. The first due time stays, so "answered within the SLA" keeps its meaning.
        """
        ticket = await self.require(docket)
        now = self._clock.now()
        due, warn_at = await self.clock_for(ticket.dept, now)
        change = Change(docket, Move.REOPEN, by, now, self._keys, details={"why": why})
        change.expect = {"dept": ticket.dept, "storm_of": ticket.storm_of or ""}
        if author_id is not None:
            change.expect["author_id"] = author_id
        change.hset(
            change.ticket, due_at=due.isoformat(), warn_at=warn_at.isoformat(),
            reopened_at=now.isoformat(), period_from=now.isoformat(), level="0", officer="",
        )  # fmt: skip
        # A reopened ticket stands on its own: it leaves its storm, and as a master it may
        # take members and a new answer again.
        change.hdel(change.ticket, "storm_of", "storm_answer")
        if ticket.storm_of:
            change.zrem(self._keys.storm(ticket.storm_of), docket)
            change.hincrby(self._keys.ticket(ticket.storm_of), "storm_size", -1)
        change.hincrby(change.ticket, "reopens", 1)
        change.zadd(self._keys.queue(ticket.dept), docket, now.timestamp())
        change.zadd(self._keys.sla_due, docket, due.timestamp())
        change.zadd(self._keys.sla_warn, docket, warn_at.timestamp())
        if post_id:
            change.set(self._keys.post_ticket(post_id), docket, _CONVERSATION_TTL_S)
        await apply(self._redis, change)
        return await self.require(docket)

    async def reopen_for(self, post: Post) -> Ticket | None:
        """A complaint by a ticket's author in its conversation, after it was answered: reopen.

        Returns the reopened ticket, or None when the conversation has no such ticket (then
        the post gets a ticket of its own).
        """
        ticket = await self._conversation_ticket(post)
        if ticket is None or ticket.author_id != post.author_id:
            return None
        if ticket.state not in {State.ANSWERED, State.CLOSED}:
            return None
        why = f"the citizen wrote again (post {post.id})"
        try:
            return await self.reopen(
                ticket.docket, post.author_handle or post.author_id, why,
                author_id=post.author_id, post_id=post.id,
            )  # fmt: skip
        except TicketError:
            return None  # changed state meanwhile: a ticket of its own is the safe outcome

    async def status_for(self, docket: str, author_id: str) -> Ticket | None:
        """The ticket, for its own author only: None when unknown or someone else's.

        The desk answers both the same way, so it never confirms to a stranger that a
        docket exists.
        """
        ticket = await self.get(docket)
        return ticket if ticket is not None and ticket.author_id == author_id else None

    async def require(self, docket: str) -> Ticket:
        """The ticket, or ``TicketError``."""
        ticket = await self.get(docket)
        if ticket is None:
            msg = f"no ticket {docket}"
            raise TicketError(msg)
        return ticket

    async def mark_manual(self, docket: str, reason: str) -> None:
        """X refused an automatic reply: an officer must answer this ticket by hand."""
        change = Change(
            docket, Move.NOTE, "outbox", self._clock.now(), self._keys,
            details={"reason": reason}, name="manual_reply_needed",
        )  # fmt: skip
        change.hset(change.ticket, reply_allowed="0", manual_reason=reason)
        await apply(self._redis, change)
