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
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from bot.clock import Clock
from bot.errors import AmnesiaError, TicketError
from bot.kb.source import KBSource
from bot.keys import SLA_DEFAULT_HOURS, SLA_WARN_FRACTION, Keys
from bot.settings import Settings
from bot.tickets.hours import WorkingHours, due_after
from bot.x.models import Post

OPEN_STATES = frozenset({"new", "claimed", "transferred", "reopened"})


class State(StrEnum):
    """Where a ticket is in its life."""

    NEW = "new"
    CLAIMED = "claimed"
    ANSWERED = "answered"
    CLOSED = "closed"
    TRANSFERRED = "transferred"
    REFERRED = "referred"
    REOPENED = "reopened"


@dataclass
class Ticket:
    """One ticket, as stored."""

    docket: str
    dept: str
    state: State
    post_id: str
    author_id: str
    author_handle: str | None
    conversation_id: str | None
    text: str
    reason: str
    reply_allowed: bool
    created_at: datetime
    due_at: datetime
    nlu: dict[str, Any] = field(default_factory=dict)
    followups: int = 0
    extra: dict[str, str] = field(default_factory=dict)  # workflow fields (officer, level, ...)

    @property
    def officer(self) -> str | None:
        """Who holds or last acted on the ticket."""
        return self.extra.get("officer") or None

    @property
    def reply_as(self) -> str | None:
        """The department handle that answers this ticket (the one its author summoned)."""
        return self.extra.get("reply_as") or None

    @property
    def level(self) -> int:
        """The escalation level reached (0 = the officer level)."""
        return int(self.extra.get("level") or 0)

    def to_hash(self) -> dict[str, str]:
        """The Redis hash fields."""
        return {
            "docket": self.docket,
            "dept": self.dept,
            "state": self.state.value,
            "post_id": self.post_id,
            "author_id": self.author_id,
            "author_handle": self.author_handle or "",
            "conversation_id": self.conversation_id or "",
            "text": self.text,
            "reason": self.reason,
            "reply_allowed": "1" if self.reply_allowed else "0",
            "created_at": self.created_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "nlu": json.dumps(self.nlu, ensure_ascii=False),
            "followups": str(self.followups),
        }

    @classmethod
    def from_hash(cls, h: dict[str, str]) -> Ticket:
        """Rebuild from the Redis hash."""
        return cls(
            docket=h["docket"],
            dept=h["dept"],
            state=State(h["state"]),
            post_id=h["post_id"],
            author_id=h["author_id"],
            author_handle=h.get("author_handle") or None,
            conversation_id=h.get("conversation_id") or None,
            text=h.get("text", ""),
            reason=h.get("reason", ""),
            reply_allowed=h.get("reply_allowed") == "1",
            created_at=datetime.fromisoformat(h["created_at"]),
            due_at=datetime.fromisoformat(h["due_at"]),
            nlu=json.loads(h.get("nlu") or "{}"),
            followups=int(h.get("followups") or 0),
            extra={k: v for k, v in h.items() if k not in _CORE},
        )


# KEYS: seq, queue, sla_due, sla_warn, storm_pending, hold, epoch. ARGV: docket prefix, year,
# ticket key prefix, hash JSON, history event JSON, created score, due score, conversation
# key ('' for none), conv TTL, warning-time score, '1' if the storm sweep should look at it,
# '1' if the epoch is required. The docket number is only known inside the script, so the
# ticket keys are built here. A Redis that lost its data (bot.epoch) issues no docket: its
# counter would start again at 1 and repeat numbers citizens already hold.
_CREATE = """
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
return docket
"""
# Reopen an answered or closed ticket. KEYS: ticket hash, history, queue, sla_due, sla_warn.
# ARGV: author id that must match ('' for any: an officer reopening), now (iso), now
# (score), due (iso), due (score), warning (score), event JSON, storm key prefix, ticket
# key prefix.
_REOPEN = """
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'answered' and state ~= 'closed' then
  return {err = 'only an answered or closed ticket can be reopened (it is '
    .. tostring(state) .. ')'}
end
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], 'author_id') ~= ARGV[1] then
  return {err = 'not the author of the ticket'}
end
redis.call('HSET', KEYS[1], 'state', 'reopened', 'due_at', ARGV[4], 'reopened_at', ARGV[2],
  'updated_at', ARGV[2], 'level', '0')
-- A reopened ticket stands on its own: it leaves its storm, and a master may take
-- members and a new answer again.
local master = redis.call('HGET', KEYS[1], 'storm_of')
if master then
  redis.call('ZREM', ARGV[8] .. master, redis.call('HGET', KEYS[1], 'docket'))
  redis.call('HINCRBY', ARGV[9] .. master, 'storm_size', -1)
  redis.call('HDEL', KEYS[1], 'storm_of')
end
redis.call('HDEL', KEYS[1], 'storm_answer')
redis.call('HINCRBY', KEYS[1], 'reopens', 1)
redis.call('RPUSH', KEYS[2], ARGV[7])
redis.call('ZADD', KEYS[3], ARGV[3], redis.call('HGET', KEYS[1], 'docket'))
redis.call('ZADD', KEYS[4], ARGV[5], redis.call('HGET', KEYS[1], 'docket'))
redis.call('ZADD', KEYS[5], ARGV[6], redis.call('HGET', KEYS[1], 'docket'))
return 'reopened'
"""
_CONVERSATION_TTL_S = 90 * 24 * 3600
_CORE = frozenset(
    {
        "docket",
        "dept",
        "state",
        "post_id",
        "author_id",
        "author_handle",
        "conversation_id",
        "text",
        "reason",
        "reply_allowed",
        "created_at",
        "due_at",
        "nlu",
        "followups",
    }
)


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
        self.redis = redis  # public: the workflow and the CLI read the same keys
        self.keys = keys
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self._kb = kb
        self._prefix = settings.docket_prefix
        self._working = WorkingHours.from_settings(settings)

    async def clock_for(self, dept: str, start: datetime) -> tuple[datetime, datetime]:
        """(due, warning) times of a ticket of ``dept`` opened (or escalated) at ``start``.

        The warning comes at 75 % of the period, counted the same way as the period: in
        working hours for a business-hours department.
        """
        kb = await self._kb.load()
        department = kb.department(dept)
        hours = department.sla_hours if department else float(SLA_DEFAULT_HOURS)
        working = self._working if department and department.business_hours else None
        return (
            due_after(start, hours, working),
            due_after(start, hours * SLA_WARN_FRACTION, working),
        )

    async def create(
        self, post: Post, dept: str, *, reason: str, reply_allowed: bool, nlu: dict[str, Any] | None
    ) -> Ticket:
        """Open a ticket for ``post`` in ``dept``; return it with its docket and due time."""
        now = self._clock.now()
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
        event = {
            "at": now.isoformat(),
            "by": "desk",
            "event": "created",
            "dept": dept,
            "reason": reason,
        }
        conv = self._keys.conversation(post.conversation_id) if post.conversation_id else ""
        fields = ticket.to_hash() | {"first_due_at": due.isoformat()}
        if post.reply_as:  # every later reply on the ticket comes from the same handle
            fields["reply_as"] = post.reply_as
        try:
            docket = await self._redis.eval(
                _CREATE,
                7,
                self._keys.docket_seq(self._prefix, now.year),
                self._keys.queue(dept),
                self._keys.sla_due,
                self._keys.sla_warn,
                self._keys.storm_pending,
                self._keys.hold,
                self._keys.epoch,
                self._prefix,
                str(now.year),
                self._keys.ticket(""),
                json.dumps(fields, ensure_ascii=False),
                json.dumps(event),
                str(now.timestamp()),
                str(due.timestamp()),
                conv,
                str(_CONVERSATION_TTL_S),
                str(warn_at.timestamp()),
                # Hashtag-only posts need a hand reply each, so grouping them saves no work.
                "1" if ticket.reply_allowed else "0",
                "1" if self._require_epoch else "0",
            )
        except ResponseError as exc:
            if "SEVA_AMNESIA" in str(exc):
                raise AmnesiaError(str(exc).removeprefix("SEVA_AMNESIA ")) from None
            raise
        ticket.docket = str(docket)
        return ticket

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
        return ticket.docket if ticket and ticket.state.value in OPEN_STATES else None

    async def attach_followup(self, post: Post) -> Ticket | None:
        """Record a follow-up post on its conversation's open ticket."""
        docket = await self.open_ticket_for(post)
        if docket is None:
            return None
        event = {
            "at": self._clock.now().isoformat(),
            "by": post.author_handle or post.author_id,
            "event": "followup",
            "post_id": post.id,
            "text": post.text,
        }
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(self._keys.ticket_history(docket), json.dumps(event, ensure_ascii=False))
            pipe.hincrby(self._keys.ticket(docket), "followups", 1)
            await pipe.execute()
        return await self.get(docket)

    async def reopen(
        self, docket: str, by: str, why: str, *, author_id: str | None = None
    ) -> Ticket:
        """Reopen an answered or closed ticket with a fresh SLA period; ``TicketError`` if not.

        ``author_id``: only that author may reopen it (a citizen's follow-up); None for an
        officer. The first due time stays, so "answered within the SLA" keeps its meaning.
        """
        ticket = await self.require(docket)
        now = self._clock.now()
        due, warn_at = await self.clock_for(ticket.dept, now)
        event = {"at": now.isoformat(), "by": by, "event": "reopened", "why": why}
        try:
            await self._redis.eval(
                _REOPEN,
                5,
                self._keys.ticket(docket),
                self._keys.ticket_history(docket),
                self._keys.queue(ticket.dept),
                self._keys.sla_due,
                self._keys.sla_warn,
                author_id or "",
                now.isoformat(),
                str(now.timestamp()),
                due.isoformat(),
                str(due.timestamp()),
                str(warn_at.timestamp()),
                json.dumps(event, ensure_ascii=False),
                self._keys.storm(""),
                self._keys.ticket(""),
            )
        except ResponseError as err:
            raise TicketError(f"{docket}: {err}") from err
        return await self.require(docket)

    async def reopen_for(self, post: Post) -> Ticket | None:
        """A complaint by a ticket's author in its conversation, after it was answered: reopen.

        Returns the reopened ticket, or None when the conversation has no such ticket (then
        the post gets a ticket of its own).
        """
        ticket = await self._conversation_ticket(post)
        if ticket is None or ticket.author_id != post.author_id:
            return None
        if ticket.state.value not in {"answered", "closed"}:
            return None
        why = f"the citizen wrote again (post {post.id})"
        try:
            return await self.reopen(ticket.docket, post.author_handle or post.author_id, why,
                                     author_id=post.author_id)  # fmt: skip
        except TicketError:
            return None  # changed state meanwhile: a ticket of its own is the safe outcome

    async def status_for(self, docket: str, author_id: str) -> Ticket | str | None:
        """The ticket for its own author; "not_yours" for anyone else; None if unknown."""
        ticket = await self.get(docket)
        if ticket is None:
            return None
        if ticket.author_id != author_id:
            return "not_yours"
        return ticket

    async def require(self, docket: str) -> Ticket:
        """The ticket, or ``TicketError``."""
        ticket = await self.get(docket)
        if ticket is None:
            msg = f"no ticket {docket}"
            raise TicketError(msg)
        return ticket

    async def mark_manual(self, docket: str, reason: str) -> None:
        """X refused an automatic reply: an officer must answer this ticket by hand."""
        event = {
            "at": self._clock.now().isoformat(),
            "by": "outbox",
            "event": "manual_reply_needed",
            "reason": reason,
        }
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                self._keys.ticket(docket), mapping={"reply_allowed": "0", "manual_reason": reason}
            )
            pipe.rpush(self._keys.ticket_history(docket), json.dumps(event))
            await pipe.execute()
