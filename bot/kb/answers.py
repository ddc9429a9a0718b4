"""What an FAQ answer says, decided from the knowledge base alone (no rendering).

Shared by the composer (``bot.replies.composer``, which posts answers) and the validator
(``bot.kb.validate``, which checks that every answer fits its posts): both fill the ``faq``
template with ``faq_values`` and ask ``withheld_reason`` whether it may go out.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.kb.claims import claims, describe
from bot.kb.schema import FAQEntry, KnowledgeBase

MINISTRY_WEB = "commerce.gov.in"  # the ministry's own site: a reply's last resort


def faq_site(kb: KnowledgeBase, faq: FAQEntry) -> str:
    """The one domain an answer names: its own ``domain``, else its department's first."""
    if faq.domain:
        return faq.domain
    dept = kb.department(faq.department)
    return dept.domains[0] if dept and dept.domains else MINISTRY_WEB


def faq_values(kb: KnowledgeBase, faq: FAQEntry, lang: str, today: date) -> dict[str, Any]:
    """The ``faq`` template's values (the validator renders answers with the same)."""
    return {
        "answer": faq.answer.text(lang),
        "topic": faq.topic,
        # An answer not (or no longer) checked on an official page says where to confirm it.
        "verified": faq.trusted(today),
        "site": faq_site(kb, faq),
    }


def withheld_reason(faq: FAQEntry, today: date) -> str | None:
    """Why an answer may not be posted automatically today, or None if it may.

    An answer that is unverified, or verified but overdue for review, must state no fee,
    amount, date, duration, limit or contact: those go to a human until it is verified.
    """
    if faq.trusted(today):
        return None
    for lang in ("en", "hi", "hinglish"):
        text = getattr(faq.answer, lang)
        found = claims(text) if text else []
        if found:
            why = "review overdue" if faq.verified else "unverified"
            return f"{why} answer states {describe(found[:3])} ({lang})"
    return None
