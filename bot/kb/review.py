"""The review queue: the knowledge-base entries the ministry cannot yet stand behind.

Four concerns, each a reason an admin must look at an entry:

- **unverified**: ``verified: false`` (its facts were not read on the official page);
- **review overdue**: past ``review_due`` (or none set), so treated as unverified;
- **contact without evidence**: a directory entry lists an e-mail, a phone or a portal
  but keeps no supporting sentence from the official page;
- **unsupported claim**: an answer states a fee, an amount, a date, a limit or a contact
  while the entry is not trusted (``bot.kb.answers.withheld_reason``); the desk does not
  post it, so the question goes to a human until someone verifies it.

``seva kb review [--json]`` prints the queue; the SLA leader raises the warnings
``kb_review_overdue`` and ``kb_unverified`` from it, which ``seva status`` shows without
failing (the desk runs with unverified entries: it simply posts less of them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from bot.kb.answers import withheld_reason
from bot.kb.schema import DirectoryEntry, FAQEntry, KnowledgeBase


class Concern(StrEnum):
    """Why an entry is in the review queue."""

    UNVERIFIED = "unverified"
    OVERDUE = "review overdue"
    NO_EVIDENCE = "contact without evidence"
    UNSUPPORTED = "unsupported claim"


@dataclass(frozen=True)
class ReviewItem:
    """One entry and what is wrong with it."""

    kind: str  # "faq" or "directory"
    id: str
    concerns: tuple[tuple[Concern, str], ...]  # (concern, the detail an admin reads)

    def to_json(self) -> dict[str, Any]:
        """For ``seva kb review --json``."""
        return {
            "kind": self.kind,
            "id": self.id,
            "concerns": [{"concern": c.value, "detail": d} for c, d in self.concerns],
        }


def _contact_without_evidence(entry: DirectoryEntry) -> str | None:
    listed = [name for name in ("email", "phone", "portal") if getattr(entry, name)]
    if listed and not (entry.evidence or "").strip():
        return f"lists {', '.join(listed)} with no supporting sentence from the official page"
    return None


def _reviewed(entry: FAQEntry | DirectoryEntry, today: date) -> list[tuple[Concern, str]]:
    """The concerns every entry can have: not verified, or due for review."""
    concerns: list[tuple[Concern, str]] = []
    if not entry.verified:
        concerns.append((Concern.UNVERIFIED, f"source {entry.source}"))
    if entry.stale(today):
        due = entry.review_due.isoformat() if entry.review_due else "none set"
        concerns.append((Concern.OVERDUE, f"review_due {due}"))
    return concerns


def review_queue(kb: KnowledgeBase, today: date) -> list[ReviewItem]:
    """Every entry with at least one concern: FAQ entries first, then the directory."""
    items = []
    for faq in kb.faqs:
        concerns = _reviewed(faq, today)
        if why := withheld_reason(faq, today):
            concerns.append((Concern.UNSUPPORTED, why))
        if concerns:
            items.append(ReviewItem("faq", faq.id, tuple(concerns)))
    for entry in kb.directory:
        concerns = _reviewed(entry, today)
        if why := _contact_without_evidence(entry):
            concerns.append((Concern.NO_EVIDENCE, why))
        if concerns:
            items.append(ReviewItem("directory", entry.id, tuple(concerns)))
    return items


def counts(items: list[ReviewItem]) -> dict[Concern, int]:
    """Entries per concern (an entry with two concerns counts in both)."""
    out = dict.fromkeys(Concern, 0)
    for item in items:
        for concern in {c for c, _ in item.concerns}:
            out[concern] += 1
    return out
