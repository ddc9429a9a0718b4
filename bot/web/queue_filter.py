"""The queue's filters, search and page, from GET query parameters: checked, never trusted.

A value outside its choices, an over-long one or a page that is not a number is refused
with a message (the page answers 400 with the message and an empty table), never a 500.
Parameters the page does not know are ignored (a bookmarklet's cache-buster, say).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlencode

from bot.tickets.desk_index import Narrowing
from bot.tickets.model import OPEN, Ticket

STATES = tuple(sorted(s.value for s in OPEN))
STORMS = ("masters", "members")  # a master holds a storm; a member waits on its master
FLAG = "1"
SEARCH_MAX = 100
VALUE_MAX = 32
PAGE_MAX = 100_000
_LANG = re.compile(r"[a-z][a-z-]{0,15}")


class FilterError(ValueError):
    """A query parameter the queue refuses; the message says which and why."""


def storm_size(ticket: Ticket) -> int:
    """How many members wait on this ticket (0: it holds no storm)."""
    return int(ticket.extra.get("storm_size") or 0)


@dataclass(frozen=True)
class QueueFilter:
    """What the officer asked to see."""

    state: str = ""
    dept: str = ""
    lang: str = ""
    storm: str = ""
    hand: bool = False  # hand-reply-only: X lets the desk not answer through the API
    mine: bool = False
    q: str = ""
    page: int = 1

    def matches(self, ticket: Ticket, user: str, *, state: bool = True) -> bool:
        """Whether ``ticket`` passes every filter (the state one only if ``state``)."""
        checks = (
            not state or not self.state or ticket.state.value == self.state,
            not self.dept or ticket.dept == self.dept,
            not self.lang or ticket.lang == self.lang,
            self.storm != "masters" or storm_size(ticket) > 0,
            self.storm != "members" or ticket.storm_of is not None,
            not self.hand or not ticket.reply_allowed,
            not self.mine or ticket.officer == user,
            not self.q or found(self.q, ticket.docket, ticket.text),
        )
        return all(checks)

    def narrowing(self, user: str) -> Narrowing:
        """The filters a bounded scan judges in Redis: all but the state and the search."""
        return Narrowing(
            lang=self.lang,
            storm=self.storm,
            hand=self.hand,
            officer=user if self.mine else "",
            text=bool(self.q),
        )

    def query(self, **changes: Any) -> str:
        """The filter as a query string (empty values left out), with ``changes``."""
        chosen = replace(self, **changes)
        pairs: dict[str, str] = {}
        for f in fields(chosen):
            value = getattr(chosen, f.name)
            if isinstance(value, bool):
                value = FLAG if value else ""
            if f.name == "page" and value == 1:
                value = ""
            if value:
                pairs[f.name] = str(value)
        return urlencode(pairs)


def found(needle: str, docket: str, text: str) -> bool:
    """Whether ``needle`` is a case-insensitive substring of the docket or the citizen's text."""
    folded = needle.casefold()
    return folded in docket.casefold() or folded in text.casefold()


def _choice(query: Mapping[str, str], name: str, choices: Collection[str], what: str) -> str:
    value = query.get(name, "").strip()[: VALUE_MAX + 1]
    if value and value not in choices:
        shown = value[:VALUE_MAX]
        raise FilterError(f"{what} {shown!r} is not one of: {', '.join(sorted(choices))}.")
    return value


def _flag(query: Mapping[str, str], name: str) -> bool:
    value = query.get(name, "")
    if value not in {"", FLAG}:
        raise FilterError(f"{name} takes {FLAG} or nothing.")
    return value == FLAG


def parse(query: Mapping[str, str], depts: Collection[str]) -> QueueFilter:
    """The filter ``query`` asks for, among ``depts`` (the user's); ``FilterError`` if bad."""
    lang = query.get("lang", "").strip()
    if lang and not _LANG.fullmatch(lang):
        raise FilterError("Language is a short lower-case code such as en, hi or hinglish.")
    q = query.get("q", "").strip()
    if len(q) > SEARCH_MAX:
        raise FilterError(f"Search is too long (at most {SEARCH_MAX} characters).")
    raw_page = query.get("page", "").strip() or "1"
    if not raw_page.isdecimal() or len(raw_page) > len(str(PAGE_MAX)):
        raise FilterError("Page is a whole number from 1.")
    page = int(raw_page)
    if not 1 <= page <= PAGE_MAX:
        raise FilterError("Page is a whole number from 1.")
    return QueueFilter(
        state=_choice(query, "state", STATES, "State"),
        dept=_choice(query, "dept", depts, "Department"),
        lang=lang,
        storm=_choice(query, "storm", STORMS, "Storm"),
        hand=_flag(query, "hand"),
        mine=_flag(query, "mine"),
        q=q,
        page=page,
    )
