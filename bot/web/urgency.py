"""How urgent a ticket looks on the desk: the share of its SLA period left, as a colour and words.

The period runs from the ticket's creation (or its last escalation or reopening:
``period_from``) to ``due_at``. The share is of wall-clock time: a department that counts
working hours only (``bot.tickets.hours``) has its due time placed by those hours already,
so "breached" is exact; "low" is an approximation outside working hours, good enough for a
colour. Every state has a word as well as a colour (no colour-only meaning).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.tickets.model import Ticket

LOW_SHARE = 0.25  # under this share of the period left: "low"


@dataclass(frozen=True)
class Urgency:
    """A ticket's SLA standing: its CSS class, its word, and how long is left (or over)."""

    css: str  # sla-ok, sla-low, sla-breached
    label: str
    left: str


def _span(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {mins:02d}m" if hours else f"{mins}m"


def period_start(ticket: Ticket) -> datetime:
    """Where the ticket's current SLA period began."""
    raw = ticket.extra.get("period_from")
    return datetime.fromisoformat(raw) if raw else ticket.created_at


def urgency(ticket: Ticket, now: datetime) -> Urgency:
    """The ticket's standing at ``now``."""
    left = (ticket.due_at - now).total_seconds()
    if left <= 0:
        return Urgency("sla-breached", "breached", f"{_span(left)} over")
    period = (ticket.due_at - period_start(ticket)).total_seconds()
    if period <= 0 or left < LOW_SHARE * period:
        return Urgency("sla-low", "due soon", f"{_span(left)} left")
    return Urgency("sla-ok", "on time", f"{_span(left)} left")
