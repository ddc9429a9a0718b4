"""What an FAQ answer says, decided from the knowledge base alone (no rendering).

Shared by the composer (``bot.replies.composer``, which posts answers) and the validator
(``bot.kb.validate``, which checks that every answer fits its posts): both fill the ``faq``
template with ``faq_values`` and ask ``withheld_reason`` whether it may go out.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.errors import KBError
from bot.kb.claims import claims, describe
from bot.kb.schema import FAQEntry, KnowledgeBase

# departments.yml: the ministry's own desk; its name and first domain are the ministry's,
# the last resort of every reply. directory.yml: CPGRAMS, where any grievance may go.
DESK_DEPARTMENT = "general"
CPGRAMS_BODY = "cpgrams"


def ministry_web(kb: KnowledgeBase) -> str:
    """The ministry's own site (the desk department's first domain; the validator checks it)."""
    dept = kb.department(DESK_DEPARTMENT)
    if dept is None or not dept.domains:
        msg = f"departments.yml: department {DESK_DEPARTMENT!r} must name the ministry's domain"
        raise KBError(msg)
    return dept.domains[0]


def cpgrams_web(kb: KnowledgeBase) -> str:
    """CPGRAMS's site, from its directory entry (the validator checks it is there)."""
    body = kb.body(CPGRAMS_BODY)
    if body is None or not body.web:
        msg = f"directory.yml: entry {CPGRAMS_BODY!r} must give CPGRAMS's web address"
        raise KBError(msg)
    return body.web


def faq_site(kb: KnowledgeBase, faq: FAQEntry) -> str:
    """The one domain an answer names: its own ``domain``, else its department's first."""
    if faq.domain:
        return faq.domain
    dept = kb.department(faq.department)
    return dept.domains[0] if dept and dept.domains else ministry_web(kb)


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
