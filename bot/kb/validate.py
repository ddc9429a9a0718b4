"""What makes a knowledge base fit to speak for a ministry, checked across all of it.

The schema (``bot.kb.schema``) checks shape; this checks meaning: every entry is sourced,
a ``verified`` entry's source is an official page, examples are enough and do not collide
between intents, departments exist, contacts look like contacts, and every template
renders within one post. ``seva kb validate`` and every write to the live KB run it.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlparse

from bot.kb.files import Problem
from bot.kb.schema import DirectoryEntry, FAQEntry, KnowledgeBase
from bot.replies.render import KINDS, LANGS, pick, render, template_key
from bot.weighted import MAX_WEIGHTED, weighted_length

MIN_EXAMPLES = 8
OFFICIAL_SUFFIXES = ("gov.in", "nic.in")
MAX_ANSWER_WEIGHTED = 1200  # about four posts; longer answers belong on the official site
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_MENTION = re.compile(r"(?<![\w@])@\w")
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
_PHONE = re.compile(r"^[\d +()/-]{3,40}$")
_REQUIRED_DEPARTMENT = "general"


def normalise(text: str) -> str:
    """The form in which two training examples count as the same (also used by NLU tests)."""
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _host(url: str) -> str:
    return (urlparse(url if "//" in url else f"//{url}").hostname or "").removeprefix("www.")


def is_official(source: str, own_domains: list[str]) -> bool:
    """Whether ``source`` is on gov.in, nic.in, or one of the body's own domains."""
    host = _host(source)
    if not host or (not source.startswith("https://") and not source.startswith("http://")):
        return False
    allowed = list(OFFICIAL_SUFFIXES) + [_host(d) for d in own_domains if d]
    return any(host == d or host.endswith(f".{d}") for d in allowed)


def validate(kb: KnowledgeBase) -> list[Problem]:
    """Return every problem with ``kb``; an empty list means it may go live."""
    problems: list[Problem] = []
    problems += _unique_ids(kb)
    problems += _departments(kb)
    seen_examples: dict[str, str] = {}
    for faq in kb.faqs:
        problems += _faq(faq, kb, seen_examples)
    for entry in kb.directory:
        problems += _directory(entry)
    problems += _templates(kb)
    return problems


def _unique_ids(kb: KnowledgeBase) -> list[Problem]:
    problems = []
    for label, ids in (
        ("faq", [f.id for f in kb.faqs]),
        ("directory", [d.id for d in kb.directory]),
        ("departments", [d.id for d in kb.departments]),
    ):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        problems += [Problem(f"{label} [{i}]", "id is used more than once") for i in dupes]
    return problems


def _departments(kb: KnowledgeBase) -> list[Problem]:
    problems = []
    if kb.department(_REQUIRED_DEPARTMENT) is None:
        problems.append(
            Problem(
                "departments",
                f"the {_REQUIRED_DEPARTMENT!r} department (unrouted tickets) is missing",
            )
        )
    for dept in kb.departments:
        where = f"departments [{dept.id}]"
        if dept.sla_hours <= 0:
            problems.append(Problem(where, "sla_hours must be positive"))
        if not dept.escalation_chain:
            problems.append(Problem(where, "escalation_chain is empty"))
        if not dept.aliases.en:
            problems.append(Problem(where, "needs routing keywords (aliases.en)"))
    return problems


def _faq(faq: FAQEntry, kb: KnowledgeBase, seen: dict[str, str]) -> list[Problem]:
    where = f"faq [{faq.id}]"
    problems = []
    dept = kb.department(faq.department)
    if dept is None:
        problems.append(
            Problem(where, f"unknown department {faq.department!r} (not in departments.yml)")
        )
    problems += _source(where, faq.source, faq.verified, dept.domains if dept else [])
    for lang in ("en", "hi", "hinglish"):
        examples: list[str] = getattr(faq.examples, lang)
        if len(examples) < MIN_EXAMPLES:
            problems.append(
                Problem(
                    where, f"too few {lang} examples: {len(examples)} (at least {MIN_EXAMPLES})"
                )
            )
        for example in examples:
            problems += _example(where, lang, example, faq.id, seen)
    for lang in ("en", "hi"):
        text = getattr(faq.answer, lang)
        if not text.strip():
            problems.append(Problem(where, f"answer.{lang} is empty"))
        if _MENTION.search(text):
            problems.append(Problem(where, f"answer.{lang} @mentions someone (X restricts that)"))
        if weighted_length(text) > MAX_ANSWER_WEIGHTED:
            problems.append(
                Problem(where, f"answer.{lang} is over {MAX_ANSWER_WEIGHTED} weighted characters")
            )
    if not _DEVANAGARI.search(faq.answer.hi):
        problems.append(Problem(where, "answer.hi is not in Devanagari"))
    return problems


def _example(
    where: str, lang: str, example: str, owner: str, seen: dict[str, str]
) -> list[Problem]:
    problems = []
    key = normalise(example)
    if not key:
        return [Problem(where, f"empty {lang} example")]
    other = seen.setdefault(key, owner)
    if other != owner:
        problems.append(Problem(where, f"example {example!r} also trains {other!r}"))
    has_devanagari = bool(_DEVANAGARI.search(example))
    if lang == "hi" and not has_devanagari:
        problems.append(Problem(where, f"hi example {example!r} is not in Devanagari"))
    if lang != "hi" and has_devanagari:
        problems.append(Problem(where, f"{lang} example {example!r} should be romanised"))
    return problems


def _source(where: str, source: str, verified: bool, own_domains: list[str]) -> list[Problem]:
    if not source.strip():
        return [Problem(where, "source is missing: every entry needs the public page it came from")]
    if not source.startswith(("https://", "http://")):
        return [Problem(where, f"source {source!r} is not a URL")]
    if verified and not is_official(source, own_domains):
        return [
            Problem(
                where,
                "verified: true needs an official source (gov.in, nic.in or the body's own "
                f"domain), not {_host(source)}",
            )
        ]
    return []


def _directory(entry: DirectoryEntry) -> list[Problem]:
    where = f"directory [{entry.id}]"
    own = [entry.web] + ([entry.portal] if entry.portal else [])
    problems = _source(where, entry.source, entry.verified, own)
    if entry.email and not _EMAIL.match(entry.email):
        problems.append(
            Problem(where, f"email {entry.email!r} does not look like an e-mail address")
        )
    if entry.phone and not _PHONE.match(entry.phone):
        problems.append(Problem(where, f"phone {entry.phone!r} does not look like a phone number"))
    if "/" in entry.web.removeprefix("https://").removeprefix("http://").rstrip("/"):
        problems.append(Problem(where, f"web {entry.web!r} should be the short site name"))
    return problems


def _templates(kb: KnowledgeBase) -> list[Problem]:
    problems = []
    problems += [
        Problem(f"responses/{lang}/{kind}.j2", "template is missing")
        for kind in KINDS
        for lang in LANGS
        if template_key(lang, kind) not in kb.templates
    ]
    for key in kb.templates:
        lang, _, kind = key.partition("/")
        where = f"responses/{key}.j2"
        if kind not in KINDS:
            problems.append(
                Problem(where, f"unknown reply kind {kind!r} (known: {', '.join(KINDS)})")
            )
            continue
        try:
            text = render(pick(kb.templates, lang, kind), KINDS[kind])
        except Exception as err:
            problems.append(Problem(where, str(err)))
            continue
        # One post, with room for the per-reply reference the composer adds.
        room = MAX_WEIGHTED - len(" · Ref ABCDEFG")
        length = weighted_length(text)
        if length > room:
            problems.append(
                Problem(
                    where,
                    f"renders to {length} weighted characters, over the limit of {room} "
                    "for one post",
                )
            )
    return problems
