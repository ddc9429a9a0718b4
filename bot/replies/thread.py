"""Splitting a long answer into a numbered thread that X accepts part by part.

Every part is at most 280 weighted characters (``bot.weighted``, the same twitter-text
implementation the X adapter and emulator use), decorations included. Cuts fall at a
sentence end when one is close enough, else between words, and never inside a URL, a
number, a docket or a grapheme cluster (a Devanagari conjunct with its matras is one
cluster: cutting it would print a broken letter).

``chunks`` returns consecutive slices of the text, so ``"".join(chunks(text)) == text``;
``thread`` decorates them (``1/3 ``, the reference) into the posts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import regex
from twitter_text import extract_urls_with_indices

from bot.weighted import MAX_WEIGHTED, weighted_length

# A sentence ends at . ! ? or the danda (।, ॥) before whitespace. Abbreviations such as
# "Rs." or "No." are not ends: a cut there would separate the amount from its unit.
_SENTENCE_END = regex.compile(
    r"(?<!\b(?:Rs|No|Nos|Dr|St|Sr|Mr|Ms|Mrs|e\.g|i\.e|[A-Z]))[.!?।॥]+[\"')\]]*\s+"
    r"|;\s+(?=\(?\d\))"  # the end of a numbered step: "...; 2) ..."
)
# Numbers with their separators (1,00,000 / 3.5 / 2026-27) and dockets (MOCI-2026-000123).
_PROTECTED = regex.compile(r"\b[A-Z]{2,10}-\d{4}-\d{3,}\b|\d(?:[\d,./:-]*\d)?")
_GRAPHEME = regex.compile(r"\X")
# Prefer a sentence end when it keeps at least this share of what would fit.
_SENTENCE_REACH = 0.6


@dataclass(frozen=True)
class Part:
    """One post of a thread: its text and the slice of the answer it carries."""

    text: str
    start: int
    end: int


def _protected_spans(text: str) -> list[tuple[int, int]]:
    spans = [(int(u["indices"][0]), int(u["indices"][1])) for u in extract_urls_with_indices(text)]
    spans += [m.span() for m in _PROTECTED.finditer(text)]
    return spans


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < pos < end for start, end in spans)


def _grapheme_bounds(text: str) -> list[int]:
    return [m.end() for m in _GRAPHEME.finditer(text)]


def _word_bounds(text: str) -> list[int]:
    """Positions where a new word starts after whitespace: a cut keeps the space behind."""
    return [m.start() for m in regex.finditer(r"(?<=\s)\S", text)]


def _sentence_bounds(text: str) -> set[int]:
    return {m.end() for m in _SENTENCE_END.finditer(text) if m.end() < len(text)}


def chunks(text: str, fits: Callable[[str], bool], *, sentences_only: bool = False) -> list[str]:
    """Cut ``text`` into consecutive slices, each of which ``fits`` once stripped.

    ``fits`` decides for the stripped slice (the caller adds its decorations there).
    ``sentences_only`` cuts at the farthest sentence or step end that fits, and between
    words only where a single sentence is longer than a post.
    Raises ``ValueError`` for a protected run (a URL, number or docket) that cannot fit on
    its own, since breaking it would be worse than not posting.
    """
    if not text.strip():
        return [text] if text else []
    spans = _protected_spans(text)
    words = [b for b in _word_bounds(text) if not _inside(b, spans)]
    sentences = _sentence_bounds(text)
    graphemes = [b for b in _grapheme_bounds(text) if not _inside(b, spans)]
    out: list[str] = []
    start = 0
    while start < len(text):
        if fits(text[start:].strip()):
            out.append(text[start:])
            break
        cut = _best_cut(text, start, words, sentences, fits, sentences_only=sentences_only)
        if cut is None:  # one word longer than a post: cut between grapheme clusters
            cut = _farthest(text, start, [b for b in graphemes if b > start], fits)
        if cut is None:
            msg = f"cannot split near offset {start}: an unbreakable run is longer than a post"
            raise ValueError(msg)
        out.append(text[start:cut])
        start = cut
    return out


def _farthest(text: str, start: int, bounds: list[int], fits: Callable[[str], bool]) -> int | None:
    """Binary-search the farthest bound whose slice from ``start`` fits."""
    lo, hi, best = 0, len(bounds) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        piece = text[start : bounds[mid]].strip()
        if piece and fits(piece):
            best = bounds[mid]
            lo = mid + 1
        else:
            hi = mid - 1
    return best


def _best_cut(
    text: str,
    start: int,
    words: list[int],
    sentences: set[int],
    fits: Callable[[str], bool],
    *,
    sentences_only: bool = False,
) -> int | None:
    candidates = [b for b in words if b > start]
    cut = _farthest(text, start, candidates, fits)
    if cut is None:
        return None
    good_sentences = [b for b in candidates if b <= cut and b in sentences]
    reach = 0.0 if sentences_only else _SENTENCE_REACH
    if good_sentences and (good_sentences[-1] - start) >= reach * (cut - start):
        return good_sentences[-1]
    return cut


_weight = lru_cache(maxsize=16_384)(weighted_length)


def decorate(body: str, index: int, total: int, ref: str | None) -> str:
    """One post: ``2/3 `` before the body when threaded, `` · Ref X`` after it."""
    prefix = f"{index}/{total} " if total > 1 else ""
    suffix = f" · Ref {ref}" if ref else ""
    return f"{prefix}{body}{suffix}"


def thread(
    text: str, *, ref: str | None = None, limit: int = MAX_WEIGHTED, sentences_only: bool = False
) -> list[str]:
    """Return the posts of the reply thread for ``text``, each within ``limit``.

    The part count is guessed, the text split with room for ``n/n``, and the guess grown
    until the count agrees (it changes only when the digits of n do).
    """
    text = text.strip()
    total = 1
    while True:
        width = total
        # Weights add up across the plain-ASCII decorations (a space separates them from the
        # body), so the body's weight is computed once per distinct body and cached: the same
        # answer threads the same way for every citizen, and twitter-text parsing is slow.
        room = limit - _weight(decorate("", width, width, ref))

        def fits(body: str, room: int = room) -> bool:
            return _weight(body) <= room

        pieces = chunks(text, fits, sentences_only=sentences_only)
        if len(pieces) <= total or (total > 1 and len(str(len(pieces))) <= len(str(total))):
            count = len(pieces)
            return [decorate(p.strip(), i, count, ref) for i, p in enumerate(pieces, 1)]
        total = len(pieces)
