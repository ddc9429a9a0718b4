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
    TRIAGE = "triage"  # no docket, no public promise: an officer looks first
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
    spam: bool = False  # explicit spam markers in the text (bot.nlu.cues)
    problem: bool = False  # a plain problem word ("wrong", "error"): bot.nlu.cues
    private: bool = False  # a private company's product or service named (bot.nlu.cues)
    consumer_route: str | None = None  # the consumer-grievance body, if the KB verified it
    praise: bool = False  # praise or thanks with no "but" (bot.nlu.cues.praise_cues)
    policy: bool = False  # asks about a plan or a change of policy (bot.nlu.cues.policy_cues)
    question: bool = True  # it asks something (bot.nlu.cues.question_cues); True if unread
    questions: int = 1  # how many questions it asks (bot.nlu.cues.question_count)
    # The text speaks to the ministry or of its domain (bot.nlu.cues.ministry_cues). True
    # unless the handler looked and found none: without the check a complaint keeps its ticket.
    ministry_words: bool = True


@dataclass(frozen=True)
class Thresholds:
    """Confidence floors, from the NLU evaluation (their defaults are the settings')."""

    faq: float
    refer: float
    abuse: float
    chitchat: float
    grievance: float  # the escalate intent's floor for a grievance without cues

    @classmethod
    def from_settings(cls, settings: Settings) -> Thresholds:
        """The floors configured by ``SEVA_THRESHOLD_*``."""
        return cls(
            faq=settings.threshold_faq,
            refer=settings.threshold_refer,
            abuse=settings.threshold_abuse,
            chitchat=settings.threshold_chitchat,
            grievance=settings.threshold_grievance,
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
MORE = "more"  # Decision.extra: an answered post asks more; an officer answers the rest


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


def grievance(sig: Signals, th: Thresholds) -> bool:
    """Whether the post is a grievance (a ticket and an acknowledgement).

    Complaint cues in the text, whatever the intent says; the NLU's grievance intent
    (escalate), confident, or naming one of our departments; or a problem word ("wrong",
    "error") about a service the post names (a department, a body, an FAQ topic); or a
    question of policy (a plan, a proposal: no FAQ entry answers what may be). Praise or
    thanks with no complaint cue or docket is none, whatever the intent.
    """
    if sig.praise and not (sig.complaint or sig.dockets):
        # Thanks or praise, and nothing wrong ("thanks for resolving my RoDTEP issue"): the
        # intent alone makes no case, nor does a problem word that is already solved.
        return False
    if sig.policy:
        return True  # a question of policy is for an officer, with a ticket
    confident = sig.intent == "escalate" and sig.confidence >= th.grievance
    service = bool(sig.depts or sig.bodies or faq_id_of(sig.intent)) or sig.intent == "escalate"
    named = sig.intent == "escalate" and bool(sig.depts)
    return sig.complaint or confident or named or (sig.problem and service)


def _gate(sig: Signals, th: Thresholds, dept: str) -> Decision | None:
    """Rules that apply whatever the question is."""
    # A grievance (a complaint, a follow-up of an open ticket, a docket) is never silenced
    # as abuse unless it also carries explicit spam or abuse markers; those markers make
    # the abuse intent enough below its threshold too.
    abusive = sig.intent == "abuse" and (sig.confidence >= th.abuse or sig.spam)
    case = sig.complaint or sig.has_open_ticket or bool(sig.dockets)
    if abusive and (sig.spam or not case):
        return Decision(Action.IGNORE, f"abuse/spam ({sig.confidence:.2f})")
    if sig.has_open_ticket:
        return Decision(
            Action.FOLLOWUP, "follow-up in the conversation of an open ticket", dept=dept
        )
    if not sig.reply_allowed:
        return _hashtag_only(sig, th, dept)
    if sig.dockets:
        return Decision(Action.STATUS, "docket in the text", extra={"docket": sig.dockets[0]})
    if not sig.nlu_available:
        return Decision(Action.ESCALATE, "NLU unavailable for too long: a human answers", dept=dept)
    return None


def _hashtag_only(sig: Signals, th: Thresholds, dept: str) -> Decision:
    """A post that did not summon the account: a ticket for a hand reply, or triage.

    X's 2026 rule allows no programmatic reply to it, so only a grievance becomes a ticket
    (an officer answers by hand); the rest waits in triage.
    """
    if grievance(sig, th):
        why = "hashtag-only post: an officer replies by hand"
        return Decision(Action.ESCALATE, why, dept=dept, manual_reply=True)
    why = f"hashtag-only, no grievance ({sig.intent or 'no intent'})"
    return Decision(Action.TRIAGE, why, dept=dept, manual_reply=True)


def _chitchat(sig: Signals, th: Thresholds, complaint: bool) -> Decision | None:
    """The greeting for a confident greeting, the clarify reply for confident out-of-scope.

    Never for a grievance ("thanks for ignoring my tweets", a question of policy).
    """
    if complaint or sig.confidence < th.chitchat:
        return None
    if sig.intent == "greet":
        return Decision(Action.GREET, "greeting or thanks")
    if sig.intent == "out_of_scope":
        return Decision(Action.CLARIFY, "out of scope")
    return None


def _private(sig: Signals) -> Decision:
    """A complaint about a private company: the consumer-grievance route, or triage.

    Referred (no ticket) only when the KB holds that route verified: the desk never points
    a citizen to a contact it has not checked on the official page.
    """
    if sig.consumer_route:
        why = "a private company's product or service"
        return Decision(Action.REFER, why, body_id=sig.consumer_route)
    why = "a private company's matter; no verified consumer-grievance route in the KB"
    return Decision(Action.TRIAGE, why)


def _complaint(sig: Signals, dept: str, faq_id: str | None) -> Decision:
    """A grievance of no other body: a ticket for an officer, or triage if it is not ours.

    Grievances and policy questions (also about FAQ topics) go to an officer with a
    ticket: escalation recall matters more than answering everything automatically. But
    a complaint that names nothing of ours (no department, FAQ topic, word to the
    ministry or of trade) is most likely someone else's, a repair shop's or a bank's: a
    person places it before anyone is promised an answer.
    """
    if not (sig.depts or faq_id or sig.ministry_words):
        why = f"a complaint naming nothing of this ministry ({sig.confidence:.2f})"
        return Decision(Action.TRIAGE, why, dept=dept)
    why = "complaint about an FAQ topic" if faq_id else sig.intent or "complaint cues"
    return Decision(Action.ESCALATE, f"{why} ({sig.confidence:.2f})", dept=dept)


def _answer(sig: Signals, faq_id: str, dept: str) -> Decision:
    """The FAQ answer; a post with more than one question also waits in triage.

    Two questions in one post: the confident one is answered now (one public post), and an
    officer answers the rest from triage, rather than the citizen getting nothing for the
    part the desk knows, or a ticket (and a promise) for a question the FAQ answers.
    """
    why = f"faq {faq_id} ({sig.confidence:.2f})"
    if sig.questions <= 1:
        return Decision(Action.ANSWER_FAQ, why, faq_id=faq_id)
    why += f"; it asks {sig.questions} questions: the rest to triage"
    return Decision(Action.ANSWER_FAQ, why, faq_id=faq_id, dept=dept, extra={MORE: "1"})


def _by_intent(sig: Signals, th: Thresholds, dept: str) -> Decision:
    """Rules driven by the NLU's intent and confidence."""
    faq_id = faq_id_of(sig.intent)
    complaint = grievance(sig, th)
    # Praise that asks nothing ("super quick reply on my trademark query, thanks!") names
    # an FAQ topic but wants no answer: an FAQ reply to it would be a non sequitur.
    asks = sig.question or not sig.praise
    if faq_id and sig.confidence >= th.faq and not (sig.complaint or sig.policy) and asks:
        return _answer(sig, faq_id, dept)
    # Another body's matter, only when the body is the subject: the NLU's refer intent, or
    # a grievance naming it and none of our departments. A body's name in passing ("on my
    # train journey") refers nothing. Even a complaint goes there: this ministry cannot
    # settle a passport or PF case.
    if complaint and sig.private and not sig.depts:
        return _private(sig)
    asked = sig.intent == "refer"  # at any confidence: the body found makes it concrete
    if sig.bodies and (asked or (complaint and not sig.depts)):
        return Decision(Action.REFER, "matter of another body", body_id=sig.bodies[0])
    if (chat := _chitchat(sig, th, complaint)) is not None:
        return chat
    if complaint:
        return _complaint(sig, dept, faq_id)
    # Neither a confident answer nor a grievance nor another body's matter: no docket and
    # no public promise; an officer looks at it in triage first.
    why = f"no grievance, no confident answer: {sig.intent or 'no intent'} ({sig.confidence:.2f})"
    return Decision(Action.TRIAGE, why, dept=dept)
