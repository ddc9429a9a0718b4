"""Rendering reply templates: admin-editable data, rendered in a sandbox.

Templates are Jinja2 sources kept in the knowledge base (``responses/<lang>/<kind>.j2``),
so an admin edits them like any KB entry. They run in Jinja's ``SandboxedEnvironment`` with
``StrictUndefined``: a template cannot reach Python internals, and a misspelt variable is
an error, not an empty string in a public reply.

Escaping is for X, not HTML: X stores text as posted, so ``&`` must stay ``&``. What a
value must not do on X is address someone: every inserted value has its ``@handle``
defused (a word joiner after the ``@``), and values are never parsed as templates, so a
citizen's ``{{ ... }}`` or an answer containing braces prints as written.
"""

from __future__ import annotations

import functools
from typing import Any

import regex
from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from bot.errors import KBError
from bot.languages import BILINGUAL, answered

# Every reply kind the desk sends, with the longest values it may be rendered with: the
# validator renders each template with these and checks the result fits one post (FAQ
# answers are threaded, so their frame is checked with an empty answer).
KINDS: dict[str, dict[str, Any]] = {
    "faq": {
        "answer": "",
        "topic": "Applying for an Import-Export Code (IEC)",
        "verified": False,
        "site": "seedfund.startupindia.gov.in",
    },
    "referral": {
        "body": "Ministry of Labour & Employment (EPFO grievance cell)",
        "officer": "Director (Public Grievances)",
        "email": "grievance-cell@ministryname.gov.in",
        "phone": "1800-118-005 / 011-23062487",
        "web": "ministryname.gov.in",
        "portal": "grievances.ministryname.gov.in",
        "verified": True,
        "cpgrams": "pgportal.gov.in",
    },
    "ack": {
        "docket": "MOCI-2026-000123",
        "due": "26 Nov 2026, 14:30 IST",
        "department": "Directorate General of Foreign Trade (DGFT)",
    },
    "status": {
        "docket": "MOCI-2026-000123",
        "state": "transferred",
        "due": "26 Nov 2026, 14:30 IST",
        "department": "Directorate General of Foreign Trade (DGFT)",
    },
    "status_refused": {"docket": "MOCI-2026-000123"},
    "interim": {
        "docket": "MOCI-2026-000123",
        "department": "Directorate General of Foreign Trade (DGFT)",
    },
    "answer": {"answer": "", "docket": "MOCI-2026-000123"},  # threaded: its frame is checked
    "greeting": {},
    "clarify": {"cpgrams": "pgportal.gov.in", "web": "commerce.gov.in"},
}
LANGS = ("en", "hi")  # every kind in both; ``hinglish/<kind>`` templates are optional
# Snippets: sentences an officer may insert into an answer (``responses/<lang>/snippet-*.j2``).
# They take no values and state no fact (no figure, link or handle): facts live in FAQ
# entries, with their sources.
SNIPPET_PREFIX = "snippet-"
_NOT_IN_SNIPPETS = regex.compile(r"\d|https?://|www\.|\.(?:gov|nic|in|com|org)\b|@")

# twitter-text's rule: an @ starts a mention unless an ASCII letter, digit or one of
# _!#$%&*@ comes just before it (so "a@b.in" is an address, but "À@b" mentions @b).
# X also reads the fullwidth at.
_MENTION = regex.compile(r"(?<![A-Za-z0-9_!#$%&*@\uFF20])([@\uFF20])(?=\w)")
_WORD_JOINER = "\u2060"


def defuse(value: Any) -> Any:
    """Make an inserted value safe for X: no @mention can come out of it."""
    if isinstance(value, str):
        return _MENTION.sub(lambda m: m.group(1) + _WORD_JOINER, value)
    return value


_ENV = SandboxedEnvironment(
    undefined=StrictUndefined,
    autoescape=False,  # X is not HTML; ``finalize`` does X's escaping
    finalize=defuse,
    keep_trailing_newline=False,
    trim_blocks=True,
    lstrip_blocks=True,
)


def template_key(lang: str, kind: str) -> str:
    """The knowledge-base key of a template."""
    return f"{lang}/{kind}"


@functools.lru_cache(maxsize=512)
def _compiled(source: str) -> Template:
    """A template source compiled once: the KB holds a few dozen, rendered for every reply."""
    return _ENV.from_string(source)


def render(source: str, variables: dict[str, Any]) -> str:
    """Render one template source; whitespace runs collapse to single spaces per line."""
    try:
        text = _compiled(source).render(**variables)
    except TemplateError as err:
        msg = f"template failed: {err}"
        raise KBError(msg) from err
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    return "\n".join(line for line in lines if line)


def snippets(templates: dict[str, str], lang: str) -> dict[str, str]:
    """The snippets an answer in ``lang`` may use: name -> text (English where it has none)."""
    found: dict[str, str] = {}
    for candidate in ("en", lang):  # the language's own replace English ones
        head = template_key(candidate, SNIPPET_PREFIX)
        found |= {
            key.removeprefix(head): text.strip() for key, text in templates.items()
            if key.startswith(head)
        }  # fmt: skip
    return dict(sorted(found.items()))


def snippet_problem(text: str) -> str | None:
    """Why a snippet's text is not fit to insert (None if it is)."""
    if _NOT_IN_SNIPPETS.search(text):
        return "a snippet states no figure, link or handle (facts belong in FAQ entries)"
    return None


def pick(templates: dict[str, str], lang: str, kind: str) -> str:
    """The template for a language, falling back from hinglish to English.

    A language the desk does not answer in (``bot.languages``) gets the English-and-Hindi
    template of the kind where one exists (``responses/bilingual/``), else English.
    """
    first = lang if answered(lang) else BILINGUAL
    for candidate in (first, "en"):
        source = templates.get(template_key(candidate, kind))
        if source is not None:
            return source
    msg = f"no template for {kind!r} in {lang!r} or English"
    raise KBError(msg)
