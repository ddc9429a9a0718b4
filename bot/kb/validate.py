"""What makes a knowledge base fit to speak for a ministry, checked across all of it.

The schema (``bot.kb.schema``) checks shape; this checks meaning: every entry is sourced,
a ``verified`` entry's source is an official page, examples are enough and do not collide
between intents, departments exist, contacts look like contacts, and every template
renders within one post. ``seva kb validate`` and every write to the live KB run it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from urllib.parse import urlparse

from bot.errors import KBError
from bot.kb.answers import cpgrams_web, faq_site, faq_values, ministry_web, withheld_reason
from bot.kb.files import Problem
from bot.kb.schema import DirectoryEntry, FAQEntry, KnowledgeBase
from bot.replies.render import (
    KINDS,
    LANGS,
    SNIPPET_PREFIX,
    pick,
    render,
    snippet_problem,
    template_key,
)
from bot.replies.thread import thread
from bot.weighted import MAX_WEIGHTED, urls, weighted_length

MIN_EXAMPLES = 8
OFFICIAL_SUFFIXES = ("gov.in", "nic.in")
MAX_ANSWER_WEIGHTED = 1200  # about four posts; longer answers belong on the official site
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_MENTION = re.compile(r"(?<![\w@])@\w")
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
_PHONE = re.compile(r"^[\d +()/-]{3,40}$")
_REQUIRED_DEPARTMENT = "general"
ANSWER_LANGS = ("en", "hi", "hinglish")
_SAMPLE_REF = "ABCDEFG"
# X's rules: a hashtag is letters, digits and underscores, not only digits; a handle 1-15.
_HASHTAG = re.compile(r"^#?(?=\w*[^\W\d])\w{1,100}$")
_HANDLE = re.compile(r"^@?[A-Za-z0-9_]{1,15}$")
_PART_END = re.compile(r"(?:[.!?।॥][\"')\]]*|;)$")


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


def validate(kb: KnowledgeBase, *, own_tags: Iterable[str] = ()) -> list[Problem]:
    """Return every problem with ``kb``; an empty list means it may go live.

    ``own_tags`` are the desk's own ``@handle`` and ``#hashtags`` (``Settings.own_tags``),
    which no department may claim.
    """
    problems: list[Problem] = []
    problems += _unique_ids(kb)
    problems += _desk_facts(kb)
    problems += _departments(kb)
    problems += _department_tags(kb, {t.lower() for t in own_tags})
    seen_examples: dict[str, str] = {}
    for faq in kb.faqs:
        problems += _faq(faq, kb, seen_examples)
        problems += _review(
            f"faq [{faq.id}]", faq.verified, faq.reviewed_by, faq.review_due, faq.evidence
        )
        if template_key("en", "faq") in kb.templates:
            problems += _posts(faq, kb)
    for entry in kb.directory:
        problems += _directory(entry)
        problems += _review(
            f"directory [{entry.id}]",
            entry.verified,
            entry.reviewed_by,
            entry.review_due,
            entry.evidence,
        )
    problems += _templates(kb)
    return problems


def _desk_facts(kb: KnowledgeBase) -> list[Problem]:
    """What every reply may fall back on: the ministry's site, CPGRAMS's."""
    problems = []
    for where, check in (("departments.yml", ministry_web), ("directory.yml", cpgrams_web)):
        try:
            check(kb)
        except KBError as err:
            problems.append(Problem(where, str(err).split(": ", 1)[1]))
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


def _department_tags(kb: KnowledgeBase, own: set[str]) -> list[Problem]:
    """Hashtags and handles: well-formed, each owned by one department, none the desk's."""
    problems = []
    owner: dict[str, str] = {}
    for dept in kb.departments:
        where = f"departments [{dept.id}]"
        tags = [("#", "hashtag", t, _HASHTAG) for t in dept.hashtags]
        tags += [("@", "handle", h, _HANDLE) for h in dept.handles]
        for sigil, label, raw, pattern in tags:
            if not pattern.match(raw):
                problems.append(Problem(where, f"{label} {raw!r} is not a valid X {label}"))
                continue
            tag = sigil + raw.lstrip(sigil).lower()
            if tag in own:
                problems.append(Problem(where, f"{label} {tag} is the desk's own"))
            elif tag in owner and owner[tag] != dept.id:
                problems.append(Problem(where, f"{label} {tag} is also {owner[tag]}'s"))
            elif tag in owner:
                problems.append(Problem(where, f"{label} {tag} is listed twice"))
            owner.setdefault(tag, dept.id)
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
    for lang in ANSWER_LANGS:
        text = getattr(faq.answer, lang) or ""
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
    if entry.portal_verified and not (
        entry.portal and entry.verified and is_official(f"https://{entry.portal}", [entry.web])
    ):
        problems.append(
            Problem(
                where, "portal_verified needs a verified entry and a portal on an official domain"
            )
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
        if kind.startswith(SNIPPET_PREFIX):
            problems += _snippet(where, kb.templates[key])
            continue
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


def _snippet(where: str, source: str) -> list[Problem]:
    try:
        text = render(source, {})
    except Exception as err:
        return [Problem(where, f"a snippet takes no values: {err}")]
    why = snippet_problem(text)
    if why is None and weighted_length(text) > MAX_WEIGHTED // 2:
        why = f"a snippet fits in half a post ({MAX_WEIGHTED // 2} weighted characters)"
    return [] if why is None else [Problem(where, why)]


def _review(
    where: str, verified: bool, by: str | None, due: date | None, evidence: str | None
) -> list[Problem]:
    problems = []
    if not (by or "").strip():
        problems.append(Problem(where, "reviewed_by is missing: who checked these facts"))
    if due is None:
        problems.append(Problem(where, "review_due is missing: when they must be checked again"))
    if verified and not (evidence or "").strip():
        problems.append(
            Problem(where, "verified: true needs evidence: the supporting sentence on the page")
        )
    return problems


def answer_parts(faq: FAQEntry, kb: KnowledgeBase, lang: str) -> list[str]:
    """The posts an answer needs, footer and reference included.

    Measured as if unverified (the footer shown), so an answer that fits still fits when
    its review falls overdue.
    """
    values = faq_values(kb, faq, lang, date.min) | {"verified": False}
    text = render(pick(kb.templates, lang, "faq"), values)
    return thread(text, ref=_SAMPLE_REF, sentences_only=True)


def _posts(faq: FAQEntry, kb: KnowledgeBase) -> list[Problem]:
    where = f"faq [{faq.id}]"
    problems = []
    if faq.max_posts > 1 and not (faq.max_posts_reason or "").strip():
        problems.append(Problem(where, f"max_posts: {faq.max_posts} needs a max_posts_reason"))
    site = faq_site(kb, faq).removeprefix("www.")
    for lang in ANSWER_LANGS:
        if not getattr(faq.answer, lang):
            continue
        try:
            parts = answer_parts(faq, kb, lang)
        except Exception as err:
            problems.append(Problem(where, f"answer.{lang} does not render: {err}"))
            continue
        if len(parts) > faq.max_posts:
            problems.append(
                Problem(where, f"answer.{lang} needs {len(parts)} posts (allowed {faq.max_posts})")
            )
        bodies = [_body(p, len(parts)) for p in parts]
        problems += [
            Problem(where, f"answer.{lang} post {i} is cut mid-sentence: ...{b[-30:]!r}")
            for i, b in enumerate(bodies[:-1], 1)
            if not _PART_END.search(b)
        ]
        with_url = [i for i, p in enumerate(parts, 1) if urls(p)]
        if len(with_url) > 1:
            problems.append(Problem(where, f"answer.{lang}: posts {with_url} each name a domain"))
        hosts = sorted({_host(u) for p in parts for u in urls(p)} - {site})
        # An unknown department is reported already; its site would only be a guess.
        if hosts and (faq.domain or kb.department(faq.department)):
            problems.append(
                Problem(where, f"answer.{lang} names {', '.join(hosts)}; its domain is {site}")
            )
    return problems


def _body(part: str, total: int) -> str:
    """A post without its ``n/N`` prefix and reference."""
    body = part.rsplit(f" · Ref {_SAMPLE_REF}", 1)[0]
    return body.split(" ", 1)[1] if total > 1 else body


def report(kb: KnowledgeBase, today: date) -> list[str]:
    """What ``seva kb validate`` prints on success: posts per answer, trust, what is held back.

    Not problems: a withheld or overdue entry is a state the desk handles (the question goes
    to a human), but an admin must see it.
    """
    lines = []
    total = len(kb.faqs)
    for lang in ANSWER_LANGS:
        counts = [len(answer_parts(f, kb, lang)) for f in kb.faqs if getattr(f.answer, lang)]
        one = sum(1 for c in counts if c == 1)
        lines.append(
            f"{lang}: {one} of {total} answers fit one post"
            + (f" (max {max(counts)} posts)" if counts else "")
            + ("" if len(counts) == total else f"; {total - len(counts)} have no {lang} answer")
        )
    allowed = [f.id for f in kb.faqs if f.max_posts > 1]
    lines.append(f"entries allowed more than one post: {len(allowed)} {allowed or ''}".rstrip())
    verified_faq = sum(1 for f in kb.faqs if f.verified)
    verified_dir = sum(1 for d in kb.directory if d.verified)
    lines.append(
        f"verified: {verified_faq} of {total} FAQ entries, {verified_dir} of "
        f"{len(kb.directory)} directory entries"
    )
    for faq in kb.faqs:
        why = withheld_reason(faq, today)
        if why:
            lines.append(f"warning: faq [{faq.id}] goes to a human: {why}")
    stale = [f.id for f in kb.faqs if f.stale(today)]
    stale += [d.id for d in kb.directory if d.stale(today)]
    if stale:
        lines.append(f"warning: review overdue (treated as unverified): {', '.join(stale)}")
    return lines
