"""The desk's index of open tickets: a sorted set per department, state and tier, by due time.

The queue page reads one page of it (``first``) and its counts (``counts``), never every
ticket. The index is written in the same Lua calls as the moves (``bot.tickets.transitions``
and the ticket store's create call): after each call's writes, ``INDEX_LUA``'s
``desk_index`` looks at the ticket as it now is and files it under
``Keys.desk(dept, state, tier)``, scored by its due time, or drops it once it is done. So
the index cannot drift from the tickets through a move a caller forgot to mirror: no caller
writes it. A ticket remembers the set it is in (its ``desk_key`` field), so a move that
changes its state, department, escalation level or due time leaves it in one set only.

A storm member (waiting on its master) is in the index like any open ticket; the queue
shows it, greyed, under its own due time.

Tickets written before this index existed are filed by ``rebuild`` (``seva tickets
reindex``), which any desk may run at any time: it files each ticket as it is.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from bot.keys import Keys
from bot.store import Redis
from bot.tickets.model import OPEN, State, Ticket

# "officer": at the officer level (an officer's queue); "up": escalated past it (heads see both).
TIERS = ("officer", "up")
OPEN_STATES = tuple(sorted(s.value for s in OPEN))

# Lua: ``desk_index(ticket key, docket, index prefix, departments key)``. Files the ticket
# by its hash as it is now, and notes its department among those the index has seen.
# ``due_at`` is ISO 8601 (``datetime.isoformat``); ``epoch`` turns it into Unix seconds with
# the days-from-civil rule (proleptic Gregorian calendar), honouring the offset.
INDEX_LUA = (
    "local OPEN_STATE = {"
    + ", ".join(f"{s} = true" for s in OPEN_STATES)
    + """}
local function epoch(iso)
  local y, mo, d, h, mi, s = string.match(iso, '^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)')
  if not y then return 0 end
  local frac = string.match(iso, '^[^T]+T%d+:%d+:%d+(%.%d+)')
  local sign, oh, om = string.match(string.sub(iso, 20), '([+-])(%d%d):(%d%d)')
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  if mo <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * ((mo + 9) % 12) + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  local t = (era * 146097 + doe - 719468) * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60
  t = t + tonumber(s) + (frac and tonumber(frac) or 0)
  if sign then
    local off = tonumber(oh) * 3600 + tonumber(om) * 60
    if sign == '+' then t = t - off else t = t + off end
  end
  return t
end
local function desk_index(tkey, docket, prefix, depts)
  local was = redis.call('HGET', tkey, 'desk_key')
  if was then redis.call('ZREM', was, docket) end
  local t = redis.call('HMGET', tkey, 'state', 'dept', 'level', 'due_at')
  if t[1] and OPEN_STATE[t[1]] and t[2] and t[4] then
    local tier = (tonumber(t[3] or '0') or 0) > 0 and 'up' or 'officer'
    local key = prefix .. t[2] .. ':' .. t[1] .. ':' .. tier
    redis.call('ZADD', key, string.format('%.6f', epoch(t[4])), docket)
    redis.call('HSET', tkey, 'desk_key', key)
    redis.call('SADD', depts, t[2])
  elseif was then
    redis.call('HDEL', tkey, 'desk_key')
  end
end
"""
)

_REINDEX = INDEX_LUA + "\ndesk_index(KEYS[1], ARGV[1], ARGV[2], KEYS[2])\nreturn 1\n"
# Every hash of KEYS, in order (an empty list for a key that is gone).
_HASHES = """
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('HGETALL', key) end
return out
"""
# Of the ticket hashes KEYS (in due order), those still on the queue of the departments
# ARGV[7..] and the tiers ARGV[6] (space-separated) that pass a bounded scan's filters:
# language ARGV[1] ('' any), storm ARGV[2] ('masters', 'members' or ''), hand-reply-only
# ARGV[3], held by ARGV[4] ('' anyone). Each kept one is {docket, state, text}, the text
# only when ARGV[5] asks (a search, matched in Python). Each test reads the hash as
# ``Ticket`` does; the test of ``select`` holds the two to the same answers.
_SELECT = (
    "local OPEN_STATE = {"
    + ", ".join(f"{s} = true" for s in OPEN_STATES)
    + """}
local lang, storm, hand = ARGV[1], ARGV[2], ARGV[3] == '1'
local officer, with_text = ARGV[4], ARGV[5] == '1'
local tier_ok, dept_ok = {}, {}
for name in string.gmatch(ARGV[6], '%S+') do tier_ok[name] = true end
for i = 7, #ARGV do dept_ok[ARGV[i]] = true end
local out = {}
for _, key in ipairs(KEYS) do
  local t = redis.call('HMGET', key, 'docket', 'dept', 'state', 'level', 'storm_size',
    'storm_of', 'reply_allowed', 'officer', 'nlu', 'text')
  local ok = t[1] and t[2] and dept_ok[t[2]] and t[3] and OPEN_STATE[t[3]]
  if ok then ok = tier_ok[(tonumber(t[4] or '0') or 0) > 0 and 'up' or 'officer'] end
  if ok and storm == 'masters' then ok = (tonumber(t[5] or '0') or 0) > 0 end
  if ok and storm == 'members' then ok = t[6] and t[6] ~= '' end
  if ok and hand then ok = t[7] ~= '1' end
  if ok and officer ~= '' then ok = t[8] == officer end
  if ok and lang ~= '' then
    local good, nlu = pcall(cjson.decode, t[9] or '{}')
    local found = good and type(nlu) == 'table' and nlu.lang or nil
    if type(found) ~= 'string' or found == '' then found = 'en' end
    ok = found == lang
  end
  if ok then out[#out + 1] = {t[1], t[3], with_text and (t[10] or '') or ''} end
end
return out
"""
)
_EPOCH = INDEX_LUA + "\nreturn string.format('%.6f', epoch(ARGV[1]))\n"


async def lua_epoch(redis: Redis, iso: str) -> float:
    """What the index's Lua makes of an ISO 8601 time (for the test that holds it to Python)."""
    return float(await redis.eval(_EPOCH, 0, iso))


@dataclass(frozen=True)
class Narrowing:
    """What a bounded scan keeps of the queue's tickets, judged in Redis (``select``)."""

    lang: str = ""  # the NLU's language ('' any)
    storm: str = ""  # "masters" (holding a storm), "members" (waiting on one) or '' (any)
    hand: bool = False  # only tickets X lets the desk answer by hand only
    officer: str = ""  # only tickets this user holds ('' anyone's)
    text: bool = False  # return each kept ticket's text (for a search)


class Kept(NamedTuple):
    """A ticket a bounded scan kept: enough to count it, search it and page it."""

    docket: str
    state: str
    text: str  # '' unless the scan asked for it


@dataclass(frozen=True)
class DeskIndex:
    """Reads the desk's index (the Lua above writes it)."""

    redis: Redis
    keys: Keys

    def names(self, depts: Iterable[str], states: Iterable[str], tiers: Iterable[str]) -> list[str]:
        """The index's sets for every department, state and tier given."""
        return [self.keys.desk(d, s, t) for d in depts for s in states for t in tiers]

    async def sizes(self, names: Collection[str]) -> dict[str, int]:
        """How many tickets each set holds (one pipelined round trip)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.zcard(name)
            found: list[Any] = await pipe.execute()
        return {name: int(size) for name, size in zip(names, found, strict=True)}

    def tally(
        self, sizes: dict[str, int], depts: Collection[str], tiers: Collection[str]
    ) -> dict[str, int]:
        """Open tickets per state over ``depts`` and ``tiers``, from their sets' ``sizes``."""
        return {
            s: sum(sizes.get(self.keys.desk(d, s, t), 0) for d in depts for t in tiers)
            for s in OPEN_STATES
        }

    async def counts(self, depts: Collection[str], tiers: Collection[str]) -> dict[str, int]:
        """Open tickets per state over ``depts`` and ``tiers``."""
        return self.tally(await self.sizes(self.names(depts, OPEN_STATES, tiers)), depts, tiers)

    async def page(self, sizes: dict[str, int], start: int, size: int) -> list[str]:
        """Dockets ``start`` to ``start + size`` in due order across the sets of ``sizes``.

        The one set holding tickets is read at the page's offset; several are merged.
        """
        full = [name for name, n in sizes.items() if n]
        if len(full) == 1:
            return [str(d) for d in await self.redis.zrange(full[0], start, start + size - 1)]
        return (await self.first(full, start + size))[start:]

    async def first(self, names: Collection[str], n: int) -> list[str]:
        """The ``n`` earliest-due dockets across ``names`` (ties by docket).

        Reads at most ``n`` of each set, so a page deep in a long queue costs its depth,
        and a first page costs one page per set.
        """
        if n <= 0 or not names:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.zrange(name, 0, n - 1, withscores=True)
            raw: list[Any] = await pipe.execute()
        runs = [[(float(score), str(docket)) for docket, score in members] for members in raw]
        return [docket for _score, docket in heapq.merge(*runs)][:n]

    async def tickets(self, dockets: Iterable[str]) -> list[Ticket]:
        """The tickets of ``dockets`` in one call, in that order (gone ones left out).

        One script reads every hash: redis-py's cost is per command, so this is about half
        the time of a pipeline of HGETALLs.
        """
        wanted = list(dict.fromkeys(dockets))
        if not wanted:
            return []
        names = [self.keys.ticket(d) for d in wanted]
        raw: list[Any] = await self.redis.eval(_HASHES, len(names), *names)
        found = (dict(zip(flat[::2], flat[1::2], strict=True)) for flat in raw)
        return [Ticket.from_hash(h) for h in found if h.get("docket")]

    async def select(
        self,
        dockets: Sequence[str],
        depts: Collection[str],
        tiers: Collection[str],
        narrowing: Narrowing,
    ) -> list[Kept]:
        """Those of ``dockets`` (in order) on the queue of ``depts`` and ``tiers`` that pass.

        ``narrowing`` says what passes; one script judges them all.

        A bounded scan judges thousands of tickets: doing it in Redis sends back a few
        fields of the kept ones instead of building a ``Ticket`` of each in Python, which
        was most of a scanned page's time (``benchmarks/desk.py``).
        """
        if not dockets or not depts or not tiers:
            return []
        names = [self.keys.ticket(d) for d in dockets]
        args = (
            narrowing.lang, narrowing.storm, "1" if narrowing.hand else "", narrowing.officer,
            "1" if narrowing.text else "", " ".join(tiers), *depts,
        )  # fmt: skip
        rows: list[Any] = await self.redis.eval(_SELECT, len(names), *names, *args)
        return [Kept(str(d), str(s), str(t)) for d, s, t in rows]

    async def open_tickets(
        self, depts: Collection[str], tiers: Collection[str], limit: int
    ) -> list[Ticket]:
        """The earliest-due ``limit`` open tickets of ``depts`` in ``tiers``, as they are now.

        The index and the hashes are read apart, so a ticket that moved in between is
        judged by its hash: one that left ``depts`` or ``tiers``, or closed, is left out.
        """
        names = self.names(depts, OPEN_STATES, tiers)
        found = await self.tickets(await self.first(names, limit))
        return [t for t in found if t.dept in depts and t.state in OPEN and tier(t) in tiers]

    async def file(self, docket: str) -> None:
        """File one ticket as its hash now is (or drop it from the index)."""
        ticket, depts = self.keys.ticket(docket), self.keys.desk_depts
        await self.redis.eval(_REINDEX, 2, ticket, depts, docket, self.keys.desk_prefix)

    async def departments(self) -> set[str]:
        """Every department the index has filed a ticket of (an admin's queue reads these)."""
        return {str(d) for d in await self.redis.smembers(self.keys.desk_depts)}

    async def rebuild(self) -> int:
        """File every ticket anew (for tickets older than the index); how many were read.

        Empties the index first, so a ticket that no longer exists leaves it. A move made
        meanwhile files its ticket itself, and the pass then files it again as it is.
        """
        stale = [k async for k in self.redis.scan_iter(self.keys.desk_prefix + "*", count=500)]
        if stale:
            await self.redis.delete(*stale)
        prefix, seen = self.keys.ticket(""), 0
        async for key in self.redis.scan_iter(prefix + "*", count=500):
            name = str(key)
            docket = name.removeprefix(prefix)
            if ":" in docket:  # a ticket's history list, not its hash
                continue
            await self.file(docket)
            seen += 1
        return seen


def tier(ticket: Ticket) -> str:
    """The tier a ticket is filed under (its escalation level's)."""
    return TIERS[1] if ticket.level else TIERS[0]


def state_names(state: str) -> tuple[str, ...]:
    """The states a queue's state filter selects ('' for every open state)."""
    if state and State(state) not in OPEN:
        msg = f"{state} is not an open state"
        raise ValueError(msg)
    return (state,) if state else OPEN_STATES
