"""What X derives from a post's text: mentions, hashtags, URLs (with indices) and a language.

Indices count Unicode code points, end exclusive, as X's v2 ``entities`` do.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from twitter_text import extract_urls_with_indices

# A handle is 1-15 of [A-Za-z0-9_], not glued to a preceding word, e-mail or another handle.
_MENTION = re.compile(
    # twitter-text: no mention right after an ASCII letter, digit, _!#$%&* or either at sign
    r"(?<![A-Za-z0-9_!@#$%&*\uff20])[@\uff20]([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@\uff20])"
)
# Hashtags take letters, digits, marks (Devanagari vowel signs are marks) and underscores.
_HASHTAG = re.compile(r"(?<![\w&#\uff03])[#\uff03]([\w\u0900-\u097F\u200c\u200d]+)")
_DISPLAY = 26  # X shortens display_url to this many characters and an ellipsis
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")


_SURROGATE = re.compile(r"[\ud800-\udfff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


class TextError(ValueError):
    """Text X would never store: a lone surrogate is no Unicode character and has no UTF-8."""


def check_encodable(text: str, what: str = "text") -> str:
    """Return ``text``, or raise ``TextError`` if it holds a lone surrogate."""
    found = _SURROGATE.search(text)
    if found is not None:
        code = ord(found.group())
        raise TextError(f"{what} holds a lone surrogate (U+{code:04X}) at {found.start()}")
    return text


def scrub(text: str) -> str:
    """Replace any lone surrogate with U+FFFD, so a stored oddity can still be written out."""
    return _SURROGATE.sub("\ufffd", text)


def escape(text: str) -> str:
    """Return post text as X's v2 reads carry it: ``&``, ``<`` and ``>`` as HTML entities."""
    return text.translate(_ESCAPES)


def normalise(text: str) -> str:
    """Return the text as X stores it (NFC)."""
    return unicodedata.normalize("NFC", text)


def mentions(text: str) -> list[dict[str, Any]]:
    """Return ``[{start, end, username}]`` for each @handle, in order of appearance."""
    return [
        {"start": m.start(), "end": m.end(), "username": m.group(1)}
        for m in _MENTION.finditer(text)
    ]


def hashtags(text: str) -> list[dict[str, Any]]:
    """Return ``[{start, end, tag}]`` for each #hashtag that is not all digits."""
    return [
        {"start": m.start(), "end": m.end(), "tag": m.group(1)}
        for m in _HASHTAG.finditer(text)
        if not m.group(1).isdigit()
    ]


def urls(text: str) -> list[dict[str, Any]]:
    """Return ``[{start, end, url, expanded_url, display_url}]`` for each URL."""
    found = []
    for item in extract_urls_with_indices(text):
        start, end = item["indices"]
        url = item["url"]
        expanded = url if "://" in url else f"http://{url}"
        display = expanded.split("://", 1)[1]
        found.append(
            {
                "start": start,
                "end": end,
                # X wraps every link in t.co; the emulator keeps the link but says it is one.
                "url": url,
                "expanded_url": expanded,
                "display_url": display[:_DISPLAY] + ("\u2026" if len(display) > _DISPLAY else ""),
            }
        )
    return found


def detect_lang(text: str) -> str:
    """Guess the post's language: "hi" when most letters are Devanagari, else "en"."""
    stripped = text
    for item in sorted(urls(text), key=lambda u: -int(u["start"])):
        stripped = stripped[: item["start"]] + stripped[item["end"] :]
    stripped = _MENTION.sub("", _HASHTAG.sub("", stripped))
    letters = [ch for ch in stripped if unicodedata.category(ch)[0] in "LM"]
    if not letters:
        return "und"  # X's tag for "no linguistic content" (only mentions, links, emoji)
    devanagari = sum(1 for ch in letters if _DEVANAGARI.match(ch))
    return "hi" if devanagari * 2 > len(letters) else "en"
