"""A process dying at any write of any ticket move never leaves a ticket half-moved.

Each officer move, the pipeline's ticket creation, the idle-claim return and the SLA's
breach run against a real redis-server through a client that "dies" before its N-th write
(``CrashingRedis``), for every N up to the move's last write. After each death every
ticket is checked against what its state implies: the queues, claims and SLA set it is
in, its history's last state event, its due time, its reply jobs and its post's link.
(Written so that it also runs on the code before the moves were atomic, where it fails.)
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.decision import Action, Decision, Understanding
from bot.keys import Keys
from bot.pipeline.effects import DeskEffects
from bot.replies.composer import ReplyComposer
from bot.settings import Settings
from bot.tickets.sla import Scheduler
from bot.tickets.store import TicketStore
from bot.tickets.storm import Storms
from bot.tickets.workflow import Workflow
from bot.x.models import Post
from tests.tickets.test_workflow_sla import KB

DEPTS = ("dgft", "sez")
OPEN = {"new", "claimed", "transferred", "reopened"}
# History events that set the state, and the state each leaves (storm followers excepted).
STATE_EVENTS = {
    "created": "new", "claimed": "claimed", "claim_expired": "new", "released": "new",
    "answered": "answered", "transferred": "transferred", "referred": "referred",
    "closed": "closed", "reopened": "reopened",
}  # fmt: skip
_WRITES = frozenset(
    {"eval", "evalsha", "set", "hset", "hsetnx", "hincrby", "hdel", "zadd", "zrem", "rpush",
     "sadd", "srem", "xadd", "delete", "expire", "incr"}
)  # fmt: skip
_IDS = itertools.count(1)


class CrashError(BaseException):
    """The process died here (a BaseException: no ``except Exception`` survives it)."""


class CrashingRedis:
    """A Redis client that dies before its ``crash_at``-th write (counting from 0)."""

    def __init__(self, redis: Any, crash_at: int) -> None:
        self._redis = redis
        self.crash_at = crash_at
        self.writes = 0

    def _write(self) -> None:
        if self.writes == self.crash_at:
            raise CrashError
        self.writes += 1

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._redis, name)
        if name not in _WRITES:
            return attr

        async def write(*args: Any, **kwargs: Any) -> Any:
            self._write()
            return await attr(*args, **kwargs)

        return write

    def pipeline(self, *args: Any, **kwargs: Any) -> Any:
        pipe = self._redis.pipeline(*args, **kwargs)
        outer = self

        class Pipe:
            async def __aenter__(self) -> Any:
                await pipe.__aenter__()
                return self

            async def __aexit__(self, *exc: object) -> None:
                await pipe.__aexit__(*exc)

            def __getattr__(self, name: str) -> Any:
                return getattr(pipe, name)

            async def execute(self) -> Any:
                outer._write()
                return await pipe.execute()

        return Pipe()


class Desk:
    """A desk whose every part writes through one (crashing) client."""

    def __init__(self, redis: Any, keys: Keys, settings: Settings, clock: FakeClock) -> None:
        self.redis, self.keys, self.clock = redis, keys, clock
        self.store = TicketStore(redis, keys, clock, KB, settings)
        storms = Storms(redis, keys, clock, self.store, settings)
        self.flow = Workflow(redis, keys, clock, self.store, storms)
        composer = ReplyComposer(KB, timezone=settings.reply_timezone)
        tz = settings.reply_timezone
        self.sla = Scheduler(redis, keys, clock, self.store, KB, composer, storms, timezone=tz)
        self.effects = DeskEffects(
            redis, keys, self.store, composer, status_interval_h=6, clock=clock
        )


def _post(text: str) -> Post:
    pid = str(1_990_000_000_000_000_000 + next(_IDS))
    return Post(
        id=pid, author_id=pid[-6:], author_handle="c", text=f"@MoCI_Seva {text}", lang="en",
        created_at=datetime(2026, 11, 24, tzinfo=UTC), conversation_id=pid, mentions_account=True,
    )  # fmt: skip


async def _open(desk: Desk, text: str, dept: str = "dgft") -> str:
    decision = Decision(Action.ESCALATE, "complaint", dept=dept)
    facts = await desk.effects._ticket_for(_post(text), decision, Understanding(lang="en"))
    return str(facts["docket"])


async def _seed(desk: Desk) -> dict[str, str]:
    """A storm of three (a master, two members), a lone ticket, one claimed, one answered."""
    t = {name: await _open(desk, f"IEC stuck, case {name}") for name in
         ("master", "m1", "m2", "lone", "held", "done", "fresh")}  # fmt: skip
    for member in ("m1", "m2"):
        await desk.flow.merge(t[member], t["master"], "meera")
    await desk.flow.claim(t["held"], "meera")
    await desk.flow.claim(t["done"], "meera")
    await desk.flow.reply(t["done"], "meera", "Your IEC is active again.")
    return t


async def _reply_master(d: Desk, t: dict[str, str]) -> None:
    await d.flow.claim(t["master"], "meera")
    await d.flow.reply(t["master"], "meera", "The portal works again; please retry.")


async def _idle_claim(d: Desk, t: dict[str, str]) -> None:
    d.clock.advance(7200)
    await d.flow.requeue_idle(1800)


async def _breach(d: Desk, t: dict[str, str]) -> None:
    d.clock.advance(49 * 3600)
    await d.sla.tick()


MOVES: dict[str, Callable[[Desk, dict[str, str]], Awaitable[Any]]] = {
    "create": lambda d, _t: _open(d, "my shipping bill is stuck"),
    "claim": lambda d, t: d.flow.claim(t["lone"], "ravi"),
    "reply": lambda d, t: d.flow.reply(t["held"], "meera", "Done: please check the portal."),
    "reply_storm": _reply_master,
    "transfer_storm": lambda d, t: d.flow.transfer(t["master"], "meera", "sez"),
    "refer_storm": lambda d, t: d.flow.refer(t["master"], "meera", "cbic"),
    "close": lambda d, t: d.flow.close(t["lone"], "meera", "duplicate"),
    "close_by_hand": lambda d, t: d.flow.close(t["master"], "meera", "x", manual=True),
    "reopen": lambda d, t: d.flow.reopen(t["done"], "meera", "not fixed"),
    "merge": lambda d, t: d.flow.merge(t["fresh"], t["master"], "meera"),
    "idle_claim": _idle_claim,
    "breach": _breach,
}


async def _problems(redis: Any, keys: Keys, docket: str) -> list[str]:
    h = await redis.hgetall(keys.ticket(docket))
    history = [json.loads(e) for e in await redis.lrange(keys.ticket_history(docket), 0, -1)]
    found = await _placement(redis, keys, docket, h) + _told(h, history)
    if h["state"] in {"new", "claimed", "transferred"}:
        # No SCAN: the suite's Redis holds every other test's keys. An answer's job id is
        # answer:<docket>:<n>, n at most one past the answers counted on the ticket.
        for n in range(1, int(h.get("replies") or 0) + 2):
            if await redis.exists(keys.reply(f"answer:{docket}:{n}")):
                found.append(f"{h['state']} with an answer queued (answer:{docket}:{n})")
    if await redis.get(keys.post_ticket(h["post_id"])) != docket:
        found.append("its post is not linked to it")
    return [f"{docket}: {p}" for p in found]


async def _placement(redis: Any, keys: Keys, docket: str, h: dict[str, str]) -> list[str]:
    """The queues, claims and SLA set a ticket is in, against what its state implies."""
    state, dept, storm = h["state"], h["dept"], h.get("storm_of")
    queues = {q for q in DEPTS if await redis.zscore(keys.queue(q), docket) is not None}
    claimed = await redis.zscore(keys.claims, docket) is not None
    due = await redis.zscore(keys.sla_due, docket)
    found = []
    if state == "claimed" and (not claimed or queues):
        found.append(f"claimed, claims {claimed}, queues {queues}")
    if state != "claimed" and claimed:
        found.append(f"{state} but in the claims")
    if state in OPEN - {"claimed"} and not storm and queues != {dept}:
        found.append(f"{state} in {dept}, queues {queues}")
    if state in OPEN and storm and (queues or due is not None):
        found.append(f"storm member in queues {queues}, due {due}")
    if state in OPEN and not storm and due is None:
        found.append(f"{state} without its SLA clock")
    elif state in OPEN and not storm and abs(due - _ts(h["due_at"])) > 1:
        found.append(f"due {h['due_at']} but the SLA set says {due}")
    if state not in OPEN and (queues or due is not None):
        found.append(f"{state} still in queues {queues}, due {due}")
    return found


def _told(h: dict[str, str], history: list[dict[str, Any]]) -> list[str]:
    """The history's last state event, against the state and department."""
    said = [e for e in history if e["event"] in STATE_EVENTS and "storm_of" not in e]
    if not said:
        return []
    last, found = said[-1], []
    if STATE_EVENTS[last["event"]] != h["state"] and not h.get("storm_of"):
        found.append(f"{h['state']} but the history last said {last['event']}")
    if last["event"] == "transferred" and last.get("to") != h["dept"]:
        found.append(f"transferred to {last.get('to')} but in {h['dept']}")
    return found


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


async def _all_problems(redis: Any, keys: Keys) -> list[str]:
    """Every ticket of the run, by the docket counter (a SCAN would walk every test's keys)."""
    issued = int(await redis.get(keys.docket_seq("MOCI", 2026)) or 0)
    found = []
    for n in range(1, issued + 1):
        docket = f"MOCI-2026-{n:06d}"
        if await redis.exists(keys.ticket(docket)):
            found += await _problems(redis, keys, docket)
    return found


@pytest.mark.parametrize("move", list(MOVES))
async def test_a_death_at_any_write_leaves_no_ticket_half_moved(
    redis: Any, keys: Keys, settings: Settings, move: str
) -> None:
    """For every write the move makes, dying just before it leaves every ticket whole."""
    runs = 0
    for crash_at in itertools.count():
        run_keys = Keys(f"{keys.prefix}:{move}:{crash_at}")
        clock = FakeClock(datetime(2026, 11, 24, 6, tzinfo=UTC).timestamp())
        seeded = await _seed(Desk(redis, run_keys, settings, clock))
        assert [] == await _all_problems(redis, run_keys)
        dying = CrashingRedis(redis, crash_at)
        try:
            await MOVES[move](Desk(dying, run_keys, settings, clock), seeded)
        except CrashError:
            runs += 1
            assert [] == await _all_problems(redis, run_keys), f"died before write {crash_at}"
            continue
        break  # the move finished before write crash_at: every death point was tried
    assert runs >= 1
