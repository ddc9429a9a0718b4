"""The knowledge-base schema (see faq_kb/FORMAT.md for the file format).

Only the models so far; the validator, the sources and the content come with the
knowledge-base issue.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Examples(_Strict):
    """Training examples per language."""

    en: list[str] = Field(default_factory=list)
    hi: list[str] = Field(default_factory=list)
    hinglish: list[str] = Field(default_factory=list)


class Answer(_Strict):
    """An answer in English and Hindi."""

    en: str
    hi: str


class Name(_Strict):
    """A name in English and Hindi."""

    en: str
    hi: str


class Aliases(_Strict):
    """Other names a citizen may use, per language."""

    en: list[str] = Field(default_factory=list)
    hi: list[str] = Field(default_factory=list)
    hinglish: list[str] = Field(default_factory=list)


class FAQEntry(_Strict):
    """One FAQ: its examples train an intent ``faq_<id with _>``; its answer is posted."""

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    topic: str
    department: str
    examples: Examples
    answer: Answer
    links: list[str] = Field(default_factory=list)
    source: str
    reviewed: date
    verified: bool


class DirectoryEntry(_Strict):
    """A public-grievance contact of another ministry or body."""

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    name: Name
    aliases: Aliases = Field(default_factory=Aliases)
    officer: str | None = None
    email: str | None = None
    phone: str | None = None
    web: str
    portal: str | None = None
    source: str
    reviewed: date
    verified: bool


class Department(_Strict):
    """A department of the ministry that owns tickets."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: Name
    aliases: Aliases = Field(default_factory=Aliases)
    sla_hours: float = 48
    business_hours: bool = False
    escalation_chain: list[str] = Field(default_factory=lambda: ["officer", "head", "cell"])
