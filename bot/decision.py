"""The decision: one pure function from what we know about a post to what the desk does.

No I/O here, so every rule is unit-tested with plain values. The module sits below the NLU,
the pipeline and the tickets (``bot.layers``), so any of them may import it: the NLU
evaluation scores what the desk would *do* with this same ``decide``, and names FAQ intents
with ``faq_intent``. The
thresholds come from settings (``Thresholds.from_settings``, the one place they are read)
and were chosen from the NLU evaluation (README, "Choosing the thresholds").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from bot.languages import NAMES, answered
from bot.settings import Settings


class Action(StrEnum):
    """What the desk does with a post."""

    ANSWER_FAQ = "answer_faq"
    REFER = "refer"
    ESCALATE = "escalate"
    STATUS = "status"
    GREET = "greet"
    CLARIFY = "clarify"  # "we could not understand; here is how to reach us"
    FOLLOWUP = "followup"  # attached to the citizen's open ticket
    IGNORE = "ignore"


@dataclass(frozen=True)
class Understanding:
    """What the NLU found in a post.

    Intent and confidence come from Rasa; the entities, the language and the personal-data
    kinds from deterministic matchers. Kept in the decision record, and in part
    (``for_ticket``) on the ticket, where storms and the SLA read it back.
    """

    intent: str = ""
    confidence: float = 0.0
    lang: str = "en"
    dockets: tuple[str, ...] = ()
    bodies: tuple[str, ...] = ()
    depts: tuple[str, ...] = ()
    pii: tuple[str, ...] = ()  # kinds only (``bot.pii``), never the values
    complaint: tuple[str, ...] = ()  # the complaint cues found
    ranking: tuple[tuple[str, float], ...] = ()  # Rasa's top intents
    nlu_url: str | None = None  # the server that answered

    def to_record(self) -> dict[str, Any]:
        """JSON for the decision record (``from_record`` reads it back)."""
        return asdict(self)

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> Understanding:
        """Read a record (or a ticket's ``nlu`` field, which keeps a part of it)."""
        return cls(
            intent=str(data.get("intent") or ""),
            confidence=float(data.get("confidence") or 0.0),
            lang=str(data.get("lang") or "en"),
            dockets=tuple(data.get("dockets") or ()),
            bodies=tuple(data.get("bodies") or ()),
            depts=tuple(data.get("depts") or ()),
            pii=tuple(data.get("pii") or ()),
            complaint=tuple(data.get("complaint") or ()),
            ranking=tuple((str(n), float(c)) for n, c in data.get("ranking") or ()),
            nlu_url=data.get("nlu_url"),
        )

    def for_ticket(self) -> dict[str, Any]:
        """The part a ticket keeps: storm grouping compares departments and bodies."""
        return {
            "intent": self.intent,
            "confidence": self.confidence,
            "lang": self.lang,
            "depts": list(self.depts),
            "bodies": list(self.bodies),
        }


@dataclass(frozen=True)
class Signals:
    """Everything the decision looks at, already extracted."""

    intent: str
    confidence: float
    lang: str
    reply_allowed: bool
    mentions_account: bool
    dockets: tuple[str, ...] = ()
    bodies: tuple[str, ...] = ()  # directory ids found in the text
    depts: tuple[str, ...] = ()  # department ids found in the text
    faq_department: str | None = None  # owner of the FAQ intent, if the intent is an FAQ
    has_open_ticket: bool = False
    nlu_available: bool = True
    complaint: bool = False  # complaint cues in the text (bot.nlu.cues)


@dataclass(frozen=True)
class Thresholds:
    """Confidence floors, from the NLU evaluation (their defaults are the settings')."""

    faq: float
    refer: float
    abuse: float
    chitchat: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Thresholds:
        """The floors configured by ``SEVA_THRESHOLD_*``."""
        return cls(
            faq=settings.threshold_faq,
            refer=settings.threshold_refer,
            abuse=settings.threshold_abuse,
            chitchat=settings.threshold_chitchat,
        )


@dataclass(frozen=True)
class Decision:
    """The outcome, with the reason recorded for the audit trail."""

    action: Action
    reason: str
    faq_id: str | None = None
    body_id: str | None = None
    dept: str = "general"
    manual_reply: bool = False  # hashtag-only: an officer answers by hand on X
    extra: dict[str, str] = field(default_factory=dict)


FAQ_PREFIX = "faq_"  # every FAQ entry trains one intent, named ``faq_<id>``


def faq_intent(faq_id: str) -> str:
    """The Rasa intent of a KB FAQ entry (``iec-apply`` -> ``faq_iec_apply``)."""
    return FAQ_PREFIX + faq_id.replace("-", "_")


def faq_id_of(intent: str) -> str | None:
    """Map a Rasa intent name back to its KB id (``faq_iec_apply`` -> ``iec-apply``)."""
    if not intent.startswith(FAQ_PREFIX):
        return None
    return intent.removeprefix(FAQ_PREFIX).replace("_", "-")


def decide(sig: Signals, th: Thresholds) -> Decision:
    """Reach one decision for a post: gatekeeping rules first, then the intent."""
    dept = sig.depts[0] if sig.depts else (sig.faq_department or "general")
    return _language(sig, dept) or _gate(sig, th, dept) or _by_intent(sig, th, dept)


def _language(sig: Signals, dept: str) -> Decision | None:
    """A post in a language the desk does not answer in goes to an officer."""
    if answered(sig.lang) or not sig.reply_allowed or sig.has_open_ticket:
        return None
    # Neither the NLU nor the KB knows the language: no intent of it can be trusted (not
    # even "abuse"), so an officer reads it; it is acknowledged in English and Hindi.
    name = NAMES.get(sig.lang, sig.lang)
    return Decision(Action.ESCALATE, f"written in {name}: an officer replies", dept=dept)


def _gate(sig: Signals, th: Thresholds, dept: str) -> Decision | None:
    """Rules that apply whatever the question is."""
    if sig.intent == "abuse" and sig.confidence >= th.abuse:
        return Decision(Action.IGNORE, f"abuse/spam ({sig.confidence:.2f})")
    if sig.has_open_ticket:
        return Decision(
            Action.FOLLOWUP, "follow-up in the conversation of an open ticket", dept=dept
        )
    if not sig.reply_allowed:
        # X's 2026 rule: no programmatic reply unless the author summoned the account.
        return Decision(
            Action.ESCALATE,
            "hashtag-only post: an officer replies by hand",
            dept=dept,
            manual_reply=True,
        )
    if sig.dockets:
        return Decision(Action.STATUS, "docket in the text", extra={"docket": sig.dockets[0]})
    if not sig.nlu_available:
        return Decision(Action.ESCALATE, "NLU unavailable for too long: a human answers", dept=dept)
    return None


def _by_intent(sig: Signals, th: Thresholds, dept: str) -> Decision:
    """Rules driven by the NLU's intent and confidence."""
    faq_id = faq_id_of(sig.intent)
    if faq_id and sig.confidence >= th.faq and not sig.complaint:
        return Decision(Action.ANSWER_FAQ, f"faq {faq_id} ({sig.confidence:.2f})", faq_id=faq_id)
    # Another body's matter: named, and none of our departments named alongside it. Even a
    # complaint goes there: this ministry cannot settle a passport or PF case.
    only_theirs = bool(sig.bodies) and not sig.depts and sig.intent not in {"greet", "abuse"}
    if sig.bodies and (sig.intent == "refer" or only_theirs):
        return Decision(Action.REFER, "matter of another body", body_id=sig.bodies[0])
    if sig.intent == "greet" and sig.confidence >= th.chitchat:
        return Decision(Action.GREET, "greeting or thanks")
    if sig.intent == "out_of_scope" and sig.confidence >= th.chitchat and not sig.complaint:
        return Decision(Action.CLARIFY, "out of scope")
    # Policy questions, complaints (also about FAQ topics), unrecognised referrals and
    # anything uncertain go to a human: escalation recall matters more than answering
    # everything automatically.
    why = "complaint about an FAQ topic" if faq_id and sig.complaint else sig.intent or "no intent"
    return Decision(Action.ESCALATE, f"{why} ({sig.confidence:.2f})", dept=dept)
