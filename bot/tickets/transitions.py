"""Ticket moves, each one Lua call: the guard, every write, the history event, the announcement.

A ``Change`` collects what one move of one ticket writes (its hash, queues, claims, SLA
sets, a reply job ...). ``apply`` sends it to Redis as a single script whose guard comes
from the model's table (``bot.tickets.model.lua_guards``): the ticket must be in a state
the move may start from, held by the right officer when the move needs a holder, and
unchanged in the fields the caller read (``expect``), or nothing at all is written. So a
crash before the call leaves the ticket as it was, a crash after leaves it moved, and two
officers acting at once get exactly one winner; the other is told who and why.

Every applied move appends its history event and announces itself on
``Keys.ticket_events`` (a capped stream: docket, move, state, who), which the browser desk
follows for live updates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from bot.errors import TicketConflictError, TicketError
from bot.keys import REPLY_STATE_TTL_S, Keys
from bot.outbox.jobs import ReplyJob, stream_for
from bot.tickets.desk_index import INDEX_LUA
from bot.tickets.model import FOLLOW_ENDS, TRANSITIONS, Move, State, event, lua_guards

EVENTS_MAXLEN = 50_000  # transition announcements kept (the desk needs only the recent ones)


def announce_lua(  # noqa: PLR0917 (Lua expressions, one per part of the entry)
    events: str, ticket: str, docket: str, move: str, by: str, dirty: str
) -> str:
    """Lua that announces a move on the events stream (the arguments are Lua expressions).

    An entry holds the docket, the move, the state and department after it, and who acted;
    its stream id says when. The docket is also marked for the daily figures
    (``bot.tickets.daily``), in the same call, so no move escapes the reports.
    """
    return f"""
redis.call('XADD', {events}, 'MAXLEN', '~', '{EVENTS_MAXLEN}', '*', 'docket', {docket},
  'move', {move}, 'state', redis.call('HGET', {ticket}, 'state') or '', 'by', {by},
  'dept', redis.call('HGET', {ticket}, 'dept') or '')
redis.call('SADD', {dirty}, {docket})
"""


# KEYS[1] ticket hash, KEYS[2] its history, KEYS[3] the events stream, KEYS[4] the daily
# figures' dirty set, then the keys the ops name by index. ARGV[1] move, ARGV[2] the change
# as JSON: end state override, holder, expected fields, event, ops, other tickets touched;
# ARGV[3] and [4] the desk index's prefix and departments set.
# Every guard runs before the first write; the last write files the ticket in the desk's
# index as the move left it.
_APPLY = (
    lua_guards()
    + INDEX_LUA
    + """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return redis.error_reply('SEVA_GONE no such ticket') end
local move = ARGV[1]
local c = cjson.decode(ARGV[2])
local officer = redis.call('HGET', KEYS[1], 'officer') or ''
local by = ''
if state == 'claimed' then by = ', held by ' .. officer
elseif officer ~= '' then by = ' (by ' .. officer .. ')' end
if not START[move][state] then
  return redis.error_reply('SEVA_CONFLICT ticket is ' .. state .. by)
end
if c.holder ~= '' and officer ~= c.holder then
  if by == '' then by = ', held by nobody' end
  return redis.error_reply('SEVA_CONFLICT ticket is ' .. state .. by)
end
for f, want in pairs(c.expect) do
  local have = redis.call('HGET', KEYS[1], f) or ''
  if have ~= want then
    return redis.error_reply('SEVA_CONFLICT ' .. f .. ' changed meanwhile (' .. have .. ')')
  end
end
local new = c['end'] ~= '' and c['end'] or END[move]
if new == '' then new = state end
redis.call('HSET', KEYS[1], 'state', new, 'updated_at', c.event.at)
for _, op in ipairs(c.ops) do
  local name, k = op[1], KEYS[op[2]]
  if name == 'hset' then redis.call('HSET', k, unpack(op, 3))
  elseif name == 'hdel' then redis.call('HDEL', k, unpack(op, 3))
  elseif name == 'hsetnx' then redis.call('HSETNX', k, op[3], op[4])
  elseif name == 'hincrby' then redis.call('HINCRBY', k, op[3], op[4])
  elseif name == 'zadd' then redis.call('ZADD', k, op[3], op[4])
  elseif name == 'zrem' then redis.call('ZREM', k, op[3])
  elseif name == 'sadd' then redis.call('SADD', k, op[3])
  elseif name == 'srem' then redis.call('SREM', k, op[3])
  elseif name == 'rpush' then redis.call('RPUSH', k, op[3])
  elseif name == 'set' then redis.call('SET', k, op[3], 'EX', op[4])
  elseif name == 'expire' then redis.call('EXPIRE', k, op[3])
  elseif name == 'xadd' then redis.call('XADD', k, '*', unpack(op, 3))
  elseif name == 'job' then
    -- bot.outbox.jobs: a job id is queued once, ever (its marker is the idempotency key).
    if redis.call('HSETNX', k, 'state', 'pending') == 1 then
      redis.call('HSET', k, 'in_reply_to', op[5], 'kind', op[6], 'docket', op[7])
      redis.call('EXPIRE', k, op[8])
      redis.call('XADD', KEYS[op[3]], '*', 'job', op[4])
    end
  end
end
c.event['state'] = new
redis.call('RPUSH', KEYS[2], cjson.encode(c.event))
desk_index(KEYS[1], c.event.docket, ARGV[3], ARGV[4])
for _, other in ipairs(c.touch) do redis.call('SADD', KEYS[4], other) end
"""
    + announce_lua("KEYS[3]", "KEYS[1]", "c.event.docket", "move", "c.event.by", "KEYS[4]")
    + """
return state
"""
)


@dataclass
class Change:
    """What one move of one ticket writes; built by the workflow, applied in one call."""

    docket: str
    move: Move
    by: str
    at: datetime
    keys: Keys
    details: dict[str, Any] = field(default_factory=dict)  # the history event's own fields
    holder: str = ""  # the officer who must hold the ticket ('' for no such guard)
    expect: dict[str, str] = field(default_factory=dict)  # field -> value read ('' absent)
    end: State | None = None  # Move.STORM_FOLLOW only: the master's end state
    name: str = ""  # the history event's name when not the move's own ("claim_expired")
    _names: list[str] = field(init=False, default_factory=list)  # KEYS, in order
    ops: list[list[Any]] = field(init=False, default_factory=list)
    _touched: set[str] = field(init=False, default_factory=set)  # ticket hashes the ops write

    def __post_init__(self) -> None:
        self._names = [
            self.keys.ticket(self.docket),
            self.keys.ticket_history(self.docket),
            self.keys.ticket_events,
            self.keys.report_dirty,
        ]
        own_end = self.move is Move.STORM_FOLLOW and self.end in FOLLOW_ENDS
        if self.end is not None and not own_end:
            msg = f"{self.move}: no end state of its own ({self.end})"
            raise TicketError(msg)

    def _key(self, name: str) -> int:
        ticket_prefix = self.keys.ticket("")
        if name.startswith(ticket_prefix) and not name.endswith(":history"):
            self._touched.add(name.removeprefix(ticket_prefix))  # another ticket's hash
        if name not in self._names:
            self._names.append(name)
        return self._names.index(name) + 1  # Lua indexes from 1

    @property
    def ticket(self) -> str:
        """The ticket's hash key (most ops write it)."""
        return self._names[0]

    def hset(self, key: str, **fields: str) -> Change:
        """Set hash fields (HSET)."""
        flat = [x for pair in fields.items() for x in pair]
        if flat:
            self.ops.append(["hset", self._key(key), *flat])
        return self

    def hdel(self, key: str, *names: str) -> Change:
        """Delete hash fields."""
        self.ops.append(["hdel", self._key(key), *names])
        return self

    def hsetnx(self, key: str, name: str, value: str) -> Change:
        """Set a hash field unless it is set (a first response stays the first)."""
        self.ops.append(["hsetnx", self._key(key), name, value])
        return self

    def hincrby(self, key: str, name: str, by: int) -> Change:
        """Add to a hash field."""
        self.ops.append(["hincrby", self._key(key), name, str(by)])
        return self

    def zadd(self, key: str, member: str, score: float) -> Change:
        """Add or rescore a sorted-set member."""
        self.ops.append(["zadd", self._key(key), repr(float(score)), member])
        return self

    def zrem(self, key: str, member: str) -> Change:
        """Remove a sorted-set member."""
        self.ops.append(["zrem", self._key(key), member])
        return self

    def sadd(self, key: str, member: str) -> Change:
        """Add a set member."""
        self.ops.append(["sadd", self._key(key), member])
        return self

    def srem(self, key: str, member: str) -> Change:
        """Remove a set member."""
        self.ops.append(["srem", self._key(key), member])
        return self

    def rpush(self, key: str, value: str) -> Change:
        """Append to a list (another ticket's history, say)."""
        self.ops.append(["rpush", self._key(key), value])
        return self

    def set(self, key: str, value: str, ttl_s: int) -> Change:
        """Set a string key with an expiry."""
        self.ops.append(["set", self._key(key), value, str(ttl_s)])
        return self

    def expire(self, key: str, ttl_s: int) -> Change:
        """Give a key an expiry."""
        self.ops.append(["expire", self._key(key), str(ttl_s)])
        return self

    def xadd(self, key: str, **fields: str) -> Change:
        """Append a stream entry (a reply job for the outbox, say)."""
        self.ops.append(["xadd", self._key(key), *[x for pair in fields.items() for x in pair]])
        return self

    def enqueue(self, job: ReplyJob) -> Change:
        """Queue a reply job with the move (``bot.outbox.jobs.enqueue``'s writes, once per id)."""
        marker, stream = self.keys.reply(job.job_id), stream_for(self.keys, job.priority)
        self.ops.append(
            ["job", self._key(marker), self._key(stream), job.to_fields()["job"],
             job.in_reply_to, job.kind, job.docket or "", str(REPLY_STATE_TTL_S)]
        )  # fmt: skip
        return self

    @property
    def _event_name(self) -> str:
        return self.name or TRANSITIONS[self.move].event

    def script_args(self) -> tuple[list[str], list[str]]:
        """KEYS and ARGV of the call."""
        body = {
            "end": self.end.value if self.end else "",
            "holder": self.holder,
            "expect": self.expect,
            "event": event(self.at, self.by, self._event_name, docket=self.docket, **self.details),
            "ops": self.ops,
            # Other tickets' hashes this move writes (a master's storm size, say): their
            # days' figures change too.
            "touch": sorted(self._touched - {self.docket}),
        }
        body_json = json.dumps(body, ensure_ascii=False)
        desk = [self.keys.desk_prefix, self.keys.desk_depts]
        return list(self._names), [self.move.value, body_json, *desk]


async def apply(redis: Redis, change: Change) -> State:
    """Carry ``change`` out atomically; return the state it moved from.

    ``TicketConflictError`` when the guard refused (the ticket moved meanwhile, or another
    officer holds it: the message says which), ``TicketError`` for an unknown docket.
    """
    names, args = change.script_args()
    try:
        before = await redis.eval(_APPLY, len(names), *names, *args)
    except ResponseError as err:
        text = str(err)
        if text.startswith("SEVA_CONFLICT "):
            why = text.removeprefix("SEVA_CONFLICT ")
            msg = f"{change.docket}: {change.move.value} refused: {why}"
            raise TicketConflictError(msg) from None
        if text.startswith("SEVA_GONE "):
            raise TicketError(f"no ticket {change.docket}") from None
        raise
    return State(str(before))


def allowed_moves(state: State) -> list[Move]:
    """The moves a ticket in ``state`` may take (what the desk offers an officer)."""
    return [m for m, t in TRANSITIONS.items() if state in t.start]
