"""Composing a reply: template + knowledge base → guarded, unique, threaded posts.

The desk's ``Composer`` (``bot.replies.protocol``). For each reply it:
- fills the kind's template (``responses/``) with facts from the live knowledge base, in
  the citizen's language (Hinglish falls back to English where no Hinglish text exists);
- never posts an unverified (or review-overdue) contact, nor an unverified portal: the
  referral then points to the body's site and CPGRAMS;
- treats an FAQ whose review is overdue as unverified, and withholds (``withheld``) an
  unverified answer that states a fee, amount, date, duration, limit or contact
  (``bot.kb.answers``, ``bot.kb.claims``): the pipeline then hands the question to a human;
- masks any personal data of the citizen that the text would echo (the directory's
  official contacts are allowed);
- adds a short reference derived from the post id to every part, so no two citizens ever
  get identical text (X rejects duplicate content) and a retry renders the same text;
- threads anything longer than one post.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock, SystemClock
from bot.errors import KBError
from bot.kb.answers import DESK_DEPARTMENT, cpgrams_web, faq_values, ministry_web, withheld_reason
from bot.kb.schema import KnowledgeBase
from bot.kb.source import KBSource
from bot.pii import echoes, find
from bot.replies.protocol import Addressee
from bot.replies.render import pick, render
from bot.replies.thread import thread

_REF_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud on a phone call
_REF_LEN = 7


def reference(post_id: str) -> str:
    """A short per-query reference: deterministic, so a retried reply renders the same."""
    digest = int.from_bytes(hashlib.blake2b(post_id.encode(), digest_size=8).digest(), "big")
    chars = []
    for _ in range(_REF_LEN):
        digest, rem = divmod(digest, len(_REF_ALPHABET))
        chars.append(_REF_ALPHABET[rem])
    return "".join(chars)


def _localised(lang: str) -> str:
    return "hi" if lang == "hi" else "en"


class ReplyComposer:
    """Builds reply threads from the live knowledge base."""

    def __init__(self, kb: KBSource, *, timezone: str, clock: Clock | None = None) -> None:
        self._kb = kb
        self._tz = ZoneInfo(timezone)
        self._clock = clock or SystemClock()

    def today(self) -> date:
        """Today's date where the desk works (review due dates are dates there)."""
        return self._clock.now().astimezone(self._tz).date()

    async def withheld(self, faq_id: str) -> tuple[str | None, str | None]:
        """Return (why the FAQ's answer is withheld or None, the FAQ's department)."""
        kb = await self._kb.load()
        faq = kb.faq(faq_id)
        if faq is None:
            return f"no FAQ {faq_id!r}", None
        return withheld_reason(faq, self.today()), faq.department

    async def compose(
        self, kind: str, lang: str, post: Addressee, variables: dict[str, Any]
    ) -> list[str]:
        """Return the posts of the reply to ``post``."""
        kb = await self._kb.load()
        values, allowed = self._values(kb, kind, lang, variables)
        text = render(pick(kb.templates, lang, kind), values)
        text = _mask_echoes(text, post.text, allowed)
        ref = reference(str(variables.get("ref") or post.id))
        # An FAQ answer is cut only at a sentence or step end (it is written to fit one post).
        return thread(text, ref=ref, sentences_only=kind == "faq")

    def _values(
        self, kb: KnowledgeBase, kind: str, lang: str, variables: dict[str, Any]
    ) -> tuple[dict[str, Any], set[str]]:
        """The template's values, and the official contacts the reply may contain."""
        values: dict[str, Any] = {"cpgrams": cpgrams_web(kb), "web": ministry_web(kb)}
        allowed: set[str] = set()
        if kind == "faq":
            faq = kb.faq(str(variables["faq_id"]))
            if faq is None:
                raise KBError(f"no FAQ {variables['faq_id']!r}")
            values |= faq_values(kb, faq, lang, self.today())
        elif kind == "referral":
            body = kb.body(str(variables["body_id"]))
            if body is None:
                raise KBError(f"no directory entry {variables['body_id']!r}")
            # An unverified or overdue contact is never posted: the template falls back to the
            # site; a portal goes out only when it was itself read on an official page.
            contact = body.trusted(self.today())
            values |= {
                "body": getattr(body.name, _localised(lang)),
                "officer": body.officer if contact else None,
                "email": body.email if contact else None,
                "phone": body.phone if contact else None,
                "web": body.web,
                "portal": body.portal if contact and body.portal_verified else None,
                "verified": contact,
            }
            allowed = {v for v in (body.email, body.phone) if v and contact}
        elif kind == "answer":  # an officer's words, for a ticket and each storm member
            values["answer"] = str(variables["answer"]).strip()
        if "docket" in variables:
            values["docket"] = variables["docket"]
        if kind in {"ack", "status", "interim"}:
            values["department"] = self._department(kb, variables.get("dept"), lang)
            values["due"] = self._due(variables.get("due_at"))
            values["state"] = str(variables.get("state") or "new")  # its words: the template's
        return values, allowed

    @staticmethod
    def _department(kb: KnowledgeBase, dept_id: Any, lang: str) -> str:
        dept = kb.department(str(dept_id)) if dept_id else None
        dept = dept or kb.department(DESK_DEPARTMENT)  # unknown: the ministry's own desk
        if dept is None:
            raise KBError(f"departments.yml has no {DESK_DEPARTMENT!r} department")
        return str(getattr(dept.name, _localised(lang)))

    def _due(self, due_at: Any) -> str:
        if not due_at:
            return ""
        when = due_at if isinstance(due_at, datetime) else datetime.fromisoformat(str(due_at))
        return when.astimezone(self._tz).strftime("%d %b %Y, %H:%M %Z")


def _mask_echoes(text: str, citizen_text: str, allowed: set[str]) -> str:
    """Replace personal data the reply would repeat from the citizen's post."""
    allowed_norm = {m.normalised for value in allowed for m in find(value)}
    bad = [m for m in echoes(text, citizen_text) if m.normalised not in allowed_norm]
    for m in sorted(bad, key=lambda m: m.start, reverse=True):
        text = text[: m.start] + f"[{m.kind.value} removed]" + text[m.end :]
    return text
