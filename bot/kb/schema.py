"""The knowledge-base schema (see faq_kb/FORMAT.md for the file format).

The models check shape only; ``bot.kb.validate`` checks meaning (sources, references,
example counts, template lengths) across the whole knowledge base.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from bot.keys import ESCALATION_CHAIN, SLA_DEFAULT_HOURS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Examples(_Strict):
    """Training examples per language."""

    en: list[str] = Field(default_factory=list)
    hi: list[str] = Field(default_factory=list)
    hinglish: list[str] = Field(default_factory=list)


class Answer(_Strict):
    """An answer in English, Hindi and Hinglish (the validator requires all three).

    Hinglish is optional in the schema so that a live KB from before it was required still
    loads; Hinglish questions then get the English answer.
    """

    en: str
    hi: str
    hinglish: str | None = None

    def text(self, lang: str) -> str:
        """The answer for a reply language (hinglish falls back to English)."""
        if lang == "hi":
            return self.hi
        if lang == "hinglish" and self.hinglish:
            return self.hinglish
        return self.en


class Name(_Strict):
    """A name in English and Hindi."""

    en: str
    hi: str


class Aliases(_Strict):
    """Other names a citizen may use, per language."""

    en: list[str] = Field(default_factory=list)
    hi: list[str] = Field(default_factory=list)
    hinglish: list[str] = Field(default_factory=list)


class _Reviewed(_Strict):
    """Where an entry's facts came from, who checked them and when they must be checked again.

    ``verified: true`` only from the official page itself, whose supporting sentence is kept
    in ``evidence``. An entry whose ``review_due`` has passed is treated as unverified for
    posting (``trusted``) and raises the ``kb_review_overdue`` warning.
    """

    source: str
    reviewed: date
    verified: bool
    reviewed_by: str | None = None
    review_due: date | None = None
    evidence: str | None = None

    def stale(self, today: date) -> bool:
        """Whether the review is overdue (an entry without a due date is stale)."""
        return self.review_due is None or self.review_due < today

    def trusted(self, today: date) -> bool:
        """Whether the entry may be posted as verified today."""
        return self.verified and not self.stale(today)


class FAQEntry(_Reviewed):
    """One FAQ: its examples train an intent ``faq_<id with _>``; its answer is posted.

    ``domain`` is the one site the answer names (default: the department's first domain);
    ``max_posts`` is how many posts the answer may need (1 unless ``max_posts_reason``).
    """

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    topic: str
    department: str
    examples: Examples
    answer: Answer
    links: list[str] = Field(default_factory=list)
    domain: str | None = None
    max_posts: int = Field(default=1, ge=1, le=4)
    max_posts_reason: str | None = None


class DirectoryEntry(_Reviewed):
    """A public-grievance contact of another ministry or body.

    ``portal`` is posted only when ``portal_verified`` (an official domain, read on an
    official page) and the entry is trusted; otherwise the reply points to CPGRAMS.
    """

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    name: Name
    aliases: Aliases = Field(default_factory=Aliases)
    officer: str | None = None
    email: str | None = None
    phone: str | None = None
    web: str
    portal: str | None = None
    portal_verified: bool = False


class Department(_Strict):
    """A department of the ministry that owns tickets.

    ``hashtags`` and ``handles`` are the department's own X tags (written with or without
    ``#`` and ``@``): a post that uses one is routed to the department, and the ingest role
    follows them in its stream rules.
    """

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: Name
    aliases: Aliases = Field(default_factory=Aliases)
    sla_hours: float = SLA_DEFAULT_HOURS
    business_hours: bool = False
    escalation_chain: list[str] = Field(default_factory=lambda: list(ESCALATION_CHAIN))
    domains: list[str] = Field(default_factory=list)
    hashtags: list[str] = Field(default_factory=list)
    handles: list[str] = Field(default_factory=list)

    def own_hashtags(self) -> list[str]:
        """The hashtags, lower case, without ``#``."""
        return [t.lstrip("#").lower() for t in self.hashtags]

    def own_handles(self) -> list[str]:
        """The handles, lower case, without ``@``."""
        return [h.lstrip("@").lower() for h in self.handles]


class KnowledgeBase(BaseModel):
    """The whole knowledge base, as every reader sees it (``bot.kb.source.KBSource``).

    ``faq_files`` keeps which file each FAQ came from, so an export reproduces the layout;
    ``templates`` maps ``<lang>/<kind>`` to the template source.
    """

    model_config = ConfigDict(frozen=True)

    faqs: list[FAQEntry] = Field(default_factory=list)
    directory: list[DirectoryEntry] = Field(default_factory=list)
    departments: list[Department] = Field(default_factory=list)
    templates: dict[str, str] = Field(default_factory=dict)
    faq_files: dict[str, str] = Field(default_factory=dict)
    version: int = 0

    def faq(self, faq_id: str) -> FAQEntry | None:
        """The FAQ with this id, if any."""
        return next((f for f in self.faqs if f.id == faq_id), None)

    def body(self, body_id: str) -> DirectoryEntry | None:
        """The directory entry with this id, if any."""
        return next((d for d in self.directory if d.id == body_id), None)

    def department(self, dept_id: str) -> Department | None:
        """The department with this id, if any."""
        return next((d for d in self.departments if d.id == dept_id), None)

    def tag_owners(self) -> dict[str, str]:
        """Every department tag (``#tag``, ``@handle``, lower case) to its department id."""
        owners: dict[str, str] = {}
        for dept in self.departments:
            for tag in dept.own_hashtags():
                owners.setdefault(f"#{tag}", dept.id)
            for handle in dept.own_handles():
                owners.setdefault(f"@{handle}", dept.id)
        return owners

    def training_inputs(self) -> dict[str, dict[str, list[str]]]:
        """What the NLU model is trained from (FAQ examples): its hash decides staleness."""
        return {f.id: f.examples.model_dump() for f in sorted(self.faqs, key=lambda f: f.id)}
