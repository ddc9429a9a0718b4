"""The ticket model: its states, the moves between them, its history events and its type.

This is the one home of the ticket's life. ``TRANSITIONS`` says, for every move, the states
it may start from and the state it leaves; the Lua scripts that carry the moves out
(``bot.tickets.transitions``) get their guards generated from this table (``lua_guards``),
so Python and Redis cannot disagree about what is allowed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.decision import Understanding


class State(StrEnum):
    """Where a ticket is in its life."""

    NEW = "new"
    CLAIMED = "claimed"
    ANSWERED = "answered"
    CLOSED = "closed"
    TRANSFERRED = "transferred"
    REFERRED = "referred"
    REOPENED = "reopened"


# Open: the desk still owes the citizen an answer, and the SLA clock runs.
OPEN = frozenset({State.NEW, State.CLAIMED, State.TRANSFERRED, State.REOPENED})
# Waiting: open and held by nobody, so in its department's queue (or in a storm).
WAITING = frozenset({State.NEW, State.TRANSFERRED, State.REOPENED})
# Done: the clock stopped (answered, referred to another body, or closed).
DONE = frozenset(State) - OPEN


class Move(StrEnum):
    """Every change a ticket can go through (the history event of each has its name)."""

    CLAIM = "claim"
    RELEASE = "release"  # an officer gives a claim back, or an idle claim expires
    REPLY = "reply"  # the officer's answer is queued, atomically with the state change
    TRANSFER = "transfer"
    REFER = "refer"
    CLOSE = "close"
    REOPEN = "reopen"
    MERGE = "merge"  # a waiting ticket joins a storm's master
    STORM_ANSWER = "storm_answer"  # a storm member gets its master's answer
    STORM_FOLLOW = "storm_follow"  # a member follows its master's transfer, referral or close
    STORM_RELEASE = "storm_release"  # a member leaves its storm for its own queue place
    WARN = "warn"  # the SLA's warning time passed
    ESCALATE = "escalate"  # the SLA breached: up one level, a new period
    NOTE = "note"  # a follow-up post, a manual-reply mark: history only


@dataclass(frozen=True)
class Transition:
    """Which states a move starts from, the state it leaves, and its history event's name.

    ``end`` None leaves the state as it was; a move may name a variant of its event (an
    expired claim is a release).
    """

    start: frozenset[State]
    end: State | None
    event: str


TRANSITIONS: Mapping[Move, Transition] = {
    Move.CLAIM: Transition(WAITING, State.CLAIMED, "claimed"),
    Move.RELEASE: Transition(frozenset({State.CLAIMED}), State.NEW, "released"),
    Move.REPLY: Transition(frozenset({State.CLAIMED}), State.ANSWERED, "answered"),
    Move.TRANSFER: Transition(OPEN, State.TRANSFERRED, "transferred"),
    Move.REFER: Transition(OPEN, State.REFERRED, "referred"),
    Move.CLOSE: Transition(OPEN | {State.ANSWERED, State.REFERRED}, State.CLOSED, "closed"),
    Move.REOPEN: Transition(DONE - {State.REFERRED}, State.REOPENED, "reopened"),
    Move.MERGE: Transition(frozenset({State.NEW}), None, "storm_joined"),
    Move.STORM_ANSWER: Transition(WAITING, State.ANSWERED, "answered"),
    # A member follows with the master's end state (or keeps its own, for a transfer).
    Move.STORM_FOLLOW: Transition(WAITING, None, "storm_followed"),
    Move.STORM_RELEASE: Transition(WAITING, None, "storm_released"),
    Move.WARN: Transition(OPEN, None, "sla_warning"),
    Move.ESCALATE: Transition(OPEN, None, "sla_breach"),
    Move.NOTE: Transition(frozenset(State), None, "note"),
}

# The SLA's warnings: the shares of a ticket's period (from its creation, escalation or
# reopening to its due time) at which the scheduler warns, in order, each once per period.
# A period is counted as the department counts it (working hours or not). Adding a warning
# is adding its share here.
SLA_WARNINGS: tuple[float, ...] = (0.75,)

# The end states a storm member may take when it follows its master (Move.STORM_FOLLOW).
FOLLOW_ENDS = frozenset({State.REFERRED, State.CLOSED})


def allowed(move: Move, state: State) -> bool:
    """Whether ``move`` may start from ``state``."""
    return state in TRANSITIONS[move].start


def event(at: datetime, by: str, name: str, **extra: Any) -> dict[str, Any]:
    """One history event: when, who, what, and the move's own details."""
    return {"at": at.isoformat(), "by": by, "event": name, **extra}


def lua_guards() -> str:
    """Lua tables ``START[move][state]``, ``END[move]`` and ``OPEN[state]``, from this module."""
    start = ", ".join(
        f"{m.value} = {{{', '.join(f'{s.value} = true' for s in sorted(t.start))}}}"
        for m, t in TRANSITIONS.items()
    )
    end = ", ".join(f"{m.value} = '{t.end.value if t.end else ''}'" for m, t in TRANSITIONS.items())
    is_open = ", ".join(f"{s.value} = true" for s in sorted(OPEN))
    return f"local START = {{{start}}}\nlocal END = {{{end}}}\nlocal OPEN = {{{is_open}}}\n"


@dataclass
class Ticket:
    """One ticket, as stored (a Redis hash, ``Keys.ticket``)."""

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
    def is_open(self) -> bool:
        """Whether the desk still owes an answer (the SLA clock runs)."""
        return self.state in OPEN

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

    @property
    def storm_of(self) -> str | None:
        """The master this ticket waits on, when it is a storm member."""
        return self.extra.get("storm_of") or None

    @property
    def understanding(self) -> Understanding:
        """What the NLU found in its post (the part the ticket keeps, ``for_ticket``)."""
        return Understanding.from_record(self.nlu)

    @property
    def lang(self) -> str:
        """The language its author wrote in, as the NLU found it."""
        return self.understanding.lang

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
    def from_hash(cls, h: Mapping[str, str]) -> Ticket:
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


_CORE = frozenset(Ticket.__dataclass_fields__) - {"extra"}
