"""Deterministic entities: dockets, other bodies, our departments, and personal data.

Statistical NER would guess; these must not. A blank multilingual spaCy pipeline gives a
tokenizer that handles English and Devanagari alike, and a ``PhraseMatcher`` on lower-case
tokens finds the directory's and the departments' names and aliases (from the knowledge
base, so an admin who adds an alias changes matching at once), and their own sites as
written ("dgft.gov.in" names DGFT: a named portal is as concrete as the name; a domain two
departments share names neither). A department's own
hashtags and handles (``#DOTSeva``, ``@BSNLSeva``) route to it before any alias does.
Dockets are matched by pattern; personal data comes from the one personal-data module,
``bot.pii``.

The nine other scripts the desk recognises (Tamil, Bengali, Urdu...) have no aliases in
the KB, but citizens write English loanwords in them: "ಪೇಟೆಂಟ್" (patent), "స్టార్టప్"
(startup), "ಟ್ರೇಡ್‌ಮಾರ್ಕ್" (trademark). A word of those scripts whose consonant skeleton
(``bot.nlu.skeleton``) begins with the skeleton of a one-word alias names its owner, if
only one owner has that skeleton and it has at least ``LOANWORD_MIN`` letters.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import spacy
from spacy.matcher import PhraseMatcher

from bot import pii
from bot.kb.schema import KnowledgeBase
from bot.nlu.lang import HINGLISH_WORDS
from bot.nlu.skeleton import skeleton

# Acronyms that are also everyday romanised Hindi: "DIN" (a director's number, MCA) is
# "din" (day) in "2 din se portal band hai". These match only as written, in capitals.
_EVERYDAY_WORDS = HINGLISH_WORDS | {"din", "mai", "main", "par", "sab", "aaj", "kal"}
# A department's own #hashtag or @handle, as X delimits them (not inside a word or an e-mail).
_TAG = re.compile(r"(?<![\w@#])([#@])(\w{1,100})")
# The words of a handle: "DGFTIndia" -> DGFT, India; "FDDI_India" -> FDDI, India.
_HANDLE_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
# Words of the other Indian scripts (Bengali to Malayalam, and the Arabic script of Urdu).
_OTHER_SCRIPT_WORD = re.compile(
    r"[\u200c\u200d\u0980-\u0DFF\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]+"
)
LOANWORD_MIN = 4  # skeleton letters: "ptnt" (patent), "strtp"; shorter ones are too common


@dataclass(frozen=True)
class Entities:
    """What was found in one text."""

    dockets: tuple[str, ...] = ()
    bodies: tuple[str, ...] = ()  # directory ids, in order of first mention
    depts: tuple[str, ...] = ()  # department ids, in order of first mention
    pii: tuple[str, ...] = ()  # kinds of personal data present (never the values)
    spans: list[tuple[str, str, str]] = field(default_factory=list)  # (label, id, text)


def _site_names(domains: list[str]) -> list[str]:
    """A site as posts write it: "dgft.gov.in" and "www.dgft.gov.in" (one token each)."""
    return [name for d in domains for name in (d, f"www.{d}")]


class EntityFinder:
    """Finds entities with matchers built from one version of the knowledge base."""

    def __init__(self, kb: KnowledgeBase, docket_prefix: str) -> None:
        self.version = kb.version
        self._names: list[tuple[str, list[str]]] = []
        self._nlp = spacy.blank("xx")
        self._matcher = PhraseMatcher(self._nlp.vocab, attr="LOWER")
        self._exact = PhraseMatcher(self._nlp.vocab, attr="ORTH")
        for body in kb.directory:
            if body.id == "cpgrams":  # CPGRAMS is a channel, not a body to refer to
                continue
            names = [
                body.name.en,
                body.name.hi,
                *body.aliases.en,
                *body.aliases.hi,
                *body.aliases.hinglish,
            ]
            sites = [body.web, *([body.portal] if body.portal else [])]
            self._add(f"body:{body.id}", names + _site_names(sites))
        shared = Counter(d for dept in kb.departments for d in set(dept.domains))
        for dept in kb.departments:
            names = [
                dept.name.en,
                dept.name.hi,
                *dept.aliases.en,
                *dept.aliases.hi,
                *dept.aliases.hinglish,
            ]
            own = [d for d in dept.domains if shared[d] == 1]
            self._add(f"dept:{dept.id}", names + _site_names(own))
        self._docket = re.compile(
            rf"\b{re.escape(docket_prefix)}[-\s]?(\d{{4}})[-\s]?(\d{{6}})\b", re.IGNORECASE
        )
        self._prefix = docket_prefix.upper()
        self._tags = kb.tag_owners()
        self._loanwords = _loanwords(self._names)

    def _add(self, key: str, names: list[str]) -> None:
        unique = [n for n in dict.fromkeys(n.strip() for n in names) if n]
        self._names.append((key, unique))
        exact = [n for n in unique if n.isupper() and n.lower() in _EVERYDAY_WORDS]
        self._matcher.add(key, [self._nlp.make_doc(n) for n in unique if n not in exact])
        if exact:
            self._exact.add(key, [self._nlp.make_doc(n) for n in exact])

    def find(self, text: str) -> Entities:
        """Return the entities in ``text``."""
        dockets = tuple(
            dict.fromkeys(f"{self._prefix}-{y}-{n}" for y, n in self._docket.findall(text))
        )
        doc = self._nlp.make_doc(text)
        found = [*self._matcher(doc), *self._exact(doc)]
        matches = sorted(found, key=lambda m: (m[1], -(m[2] - m[1])))
        bodies: list[str] = []
        # A department's own hashtag or handle routes first: the citizen chose that desk.
        depts = [
            self._tags[sigil + tag.lower()]
            for sigil, tag in _TAG.findall(text)
            if sigil + tag.lower() in self._tags
        ]
        spans: list[tuple[str, str, str]] = []
        for match_id, start, end in matches:
            label, _, ident = self._nlp.vocab.strings[match_id].partition(":")
            (bodies if label == "body" else depts).append(ident)
            spans.append((label, ident, doc[start:end].text))
        depts += self._handle_depts(text, spans)
        for label, ident, word in self._loaned(text):
            (bodies if label == "body" else depts).append(ident)
            spans.append((label, ident, word))
        kinds = tuple(sorted(k.value for k in pii.kinds(text)))
        return Entities(
            dockets=dockets,
            bodies=tuple(dict.fromkeys(bodies)),
            depts=tuple(dict.fromkeys(depts)),
            pii=kinds,
            spans=spans,
        )

    def _handle_depts(self, text: str, spans: list[tuple[str, str, str]]) -> list[str]:
        """Our departments named in an @handle's words ("@DGFTIndia": DGFT), after the text's.

        A citizen who tags DGFT's account is writing about DGFT. Only departments: a body's
        handle (``@IndianRailways``) is no sign that the body is the post's subject, and
        must not make a referral.
        """
        found = []
        for sigil, tag in _TAG.findall(text):
            if sigil != "@" or sigil + tag.lower() in self._tags:
                continue
            doc = self._nlp.make_doc(" ".join(_HANDLE_WORD.findall(tag)))
            for match_id, start, end in [*self._matcher(doc), *self._exact(doc)]:
                label, _, ident = self._nlp.vocab.strings[match_id].partition(":")
                if label == "dept":
                    found.append(ident)
                    spans.append((label, ident, f"@{tag}: {doc[start:end].text}"))
        return found

    def _loaned(self, text: str) -> list[tuple[str, str, str]]:
        """(label, id, word) for each word of another script that spells a one-word alias."""
        found = []
        for word in _OTHER_SCRIPT_WORD.findall(text):
            for bones in skeleton(word):
                owner = next((k for b, k in self._loanwords if bones.startswith(b)), None)
                if owner is not None:
                    label, _, ident = owner.partition(":")
                    found.append((label, ident, word))
        return found


def _loanwords(names: list[tuple[str, list[str]]]) -> list[tuple[str, str]]:
    """(skeleton, owner key) of the one-word Latin aliases only one owner has, longest first."""
    owners: dict[str, set[str]] = {}
    for key, aliases in names:
        for alias in aliases:
            if alias.isascii() and alias.isalpha():
                bones = skeleton(alias)
                if len(bones) == 1 and len(bones[0]) >= LOANWORD_MIN:
                    owners.setdefault(bones[0], set()).add(key)
    unique = [(b, next(iter(k))) for b, k in owners.items() if len(k) == 1]
    return sorted(unique, key=lambda bk: (-len(bk[0]), bk[0]))
