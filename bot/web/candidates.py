"""The tickets a queue page shows, read from the desk's index (``bot.tickets.desk_index``).

No page reads every ticket. A queue filtered at most by state and department is read
straight from the index: its counts are the sets' sizes and its page is one slice of them
in due order, so the page costs the same with 100 open tickets or 100,000. The other
filters (language, storm, hand reply, mine, search) look at the tickets themselves: they
judge the earliest-due ``SEVA_WEB_QUEUE_MAX_TICKETS`` of the selected sets and say so when
there were more (a bounded scan). Redis judges them in one script (``DeskIndex.select``)
and sends back only the kept tickets' dockets and states (and texts, for a search), so
the scan builds no ticket in Python but the page's own.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

from bot.keys import Keys
from bot.store import Redis
from bot.tickets.desk_index import OPEN_STATES, TIERS, DeskIndex, state_names, tier
from bot.tickets.model import OPEN, Ticket
from bot.web.queue_filter import QueueFilter, found


@dataclass
class QueuePage:
    """One page of a queue, and what the page's header shows about the whole queue."""

    tickets: list[Ticket]  # the page, earliest due first
    total: int  # tickets passing every filter
    counts: dict[str, int]  # per state, under every filter but the state one
    pages: int
    page: int  # the page shown (the last one when the asked-for page is past it)
    truncated: bool  # a ticket-reading filter read only the earliest-due part of the queue


def tiers_for(escalated: bool) -> tuple[str, ...]:
    """The index tiers a queue shows: an officer's only the officer level, a head's all."""
    return TIERS if escalated else TIERS[:1]


def on_queue(ticket: Ticket, depts: Collection[str], tiers: Collection[str]) -> bool:
    """Whether a ticket's hash (read after the index) still puts it on this queue."""
    return ticket.dept in depts and ticket.state in OPEN and tier(ticket) in tiers


def _narrows_by_index(wanted: QueueFilter) -> bool:
    """Whether the index alone answers the filter (state and department only)."""
    return wanted == QueueFilter(state=wanted.state, dept=wanted.dept, page=wanted.page)


async def queue_page(
    redis: Redis,
    keys: Keys,
    depts: Collection[str],
    wanted: QueueFilter,
    user: str,
    *,
    escalated: bool,
    size: int,
    limit: int,
) -> QueuePage:
    """The page ``wanted`` asks for of the queue of ``depts``, ``user`` asking."""
    index = DeskIndex(redis, keys)
    depts = [d for d in depts if not wanted.dept or d == wanted.dept]
    tiers = tiers_for(escalated)
    names = index.names(depts, state_names(wanted.state), tiers)
    if _narrows_by_index(wanted):
        sizes = await index.sizes(index.names(depts, OPEN_STATES, tiers))
        counts = index.tally(sizes, depts, tiers)
        chosen = {name: n for name, n in sizes.items() if name in names}
        total = sum(chosen.values())  # (= the chosen states' counts)
        pages = max(1, math.ceil(total / size))
        page = min(wanted.page, pages)
        read = await index.tickets(await index.page(chosen, (page - 1) * size, size))
        shown = [t for t in read if on_queue(t, depts, tiers)]
        return QueuePage(shown, total, counts, pages, page, truncated=False)
    # A bounded scan: every state's sets, so each state's count obeys the other filters.
    # Redis judges the structured filters; the search is matched here, as Python folds case.
    every = index.names(depts, OPEN_STATES, tiers)
    dockets = await index.first(every, limit + 1)
    kept = await index.select(dockets[:limit], depts, tiers, wanted.narrowing(user))
    if wanted.q:
        kept = [k for k in kept if found(wanted.q, k.docket, k.text)]
    counts = dict.fromkeys(OPEN_STATES, 0)
    for k in kept:
        counts[k.state] += 1
    matching = [k.docket for k in kept if not wanted.state or k.state == wanted.state]
    pages = max(1, math.ceil(len(matching) / size))
    page = min(wanted.page, pages)
    start = (page - 1) * size
    # The page's rows are read whole, and judged again: a ticket may have moved meanwhile.
    shown = await index.tickets(matching[start : start + size])
    return QueuePage(
        [t for t in shown if on_queue(t, depts, tiers) and wanted.matches(t, user)],
        len(matching),
        counts,
        pages,
        page,
        truncated=len(dockets) > limit,
    )
