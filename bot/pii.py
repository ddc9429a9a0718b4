"""The one definition of personal data in Seva.

Everything that must recognise personal data uses this module: the log processor masks
it, the NLU flags it on a post, and the reply guard refuses to echo it. The kinds are
Aadhaar (12 digits, Verhoeff checksum), PAN, IEC (an IEC *is* the holder's PAN), GSTIN
(which contains a PAN), Indian phone numbers and e-mail addresses.

Citizens write them in many spellings, and every spelling is the same datum:
- digits in any script (Devanagari ``९८७६``, Bengali, Gurmukhi, Gujarati, Odia, Tamil,
  Telugu, Kannada, Malayalam, ...) are read as ASCII digits before matching;
- numbers in groups with one space, dash or dot between them (``98 76 54 32 10``,
  ``+91 98 76 54 32 10``, ``1234.5678.9012``);
- e-mail addresses written out (``name at gmail dot com``, ``name [at] gmail [dot] com``,
  ``name(at)gmail(dot)com``).
``PIIMatch.normalised`` maps every spelling to one form, so an echo is caught across them.

Post ids (19 digits) and dockets (``MOCI-2026-000123``) are deliberately *not* personal
data, and every pattern is anchored so that it cannot match inside them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class PIIKind(StrEnum):
    """A kind of personal data."""

    AADHAAR = "aadhaar"
    PAN = "pan"
    GSTIN = "gstin"
    PHONE = "phone"
    EMAIL = "email"


@dataclass(frozen=True)
class PIIMatch:
    """One piece of personal data found in a text."""

    kind: PIIKind
    start: int
    end: int
    value: str
    checksum_ok: bool = True

    @property
    def normalised(self) -> str:
        """The value in one spelling (ASCII digits, no separators, ``@`` and ``.``, no case)."""
        if self.kind is PIIKind.EMAIL:
            return _canonical_email(self.value)
        digits_only = re.sub(r"[\s\-().]", "", ascii_digits(self.value)).upper()
        if self.kind is PIIKind.PHONE:
            # +91 98xxxxxxxx, 098xxxxxxxx and 98xxxxxxxx are the same number.
            return digits_only.removeprefix("+91").lstrip("0")[-10:]
        return digits_only


# Boundaries: not preceded or followed by a word character or a hyphen, so nothing
# matches inside a 19-digit post id or a docket such as MOCI-2026-000123.
_B = r"(?<![\w\-/])"
_E = r"(?![\w\-/])"

_AADHAAR = re.compile(_B + r"[2-9]\d{3}(?:[ \-]?\d{4}){2}" + _E)
_GSTIN = re.compile(_B + r"\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]" + _E, re.IGNORECASE)
# The 4th letter of a PAN encodes the holder type (P person, C company, H HUF, ...).
_PAN = re.compile(_B + r"[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z]" + _E, re.IGNORECASE)
_MOBILE = re.compile(_B + r"(?:\+91[ \-]?|0)?[6-9]\d{4}[ \-]?\d{5}" + _E)
# Landlines need a trunk prefix: +91 or 0, an STD code of 2-4 digits, then 6-8 digits.
_LANDLINE = re.compile(_B + r"(?:\+91[ \-]?|0)\d{2,4}[ \-]\d{6,8}" + _E)
_EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")

# E-mail addresses written out: "at"/"dot" as words, or in brackets, or mixed with @ and ".".
_OPEN, _CLOSE = r"[\[({<]", r"[\])}>]"
_AT_WORD = r"\s+at\s+"
_AT = rf"(?:\s*@\s*|{_AT_WORD}|\s*{_OPEN}\s*at\s*{_CLOSE}\s*)"
_DOT = rf"(?:\.|\s+dot\s+|\s*{_OPEN}\s*dot\s*{_CLOSE}\s*)"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.+\-])([\w.+\-]+)({_AT})([A-Za-z0-9\-]+)((?:{_DOT}[A-Za-z0-9\-]+)+)", re.IGNORECASE
)
_AT_RE = re.compile(_AT, re.IGNORECASE)
_DOT_RE = re.compile(_DOT, re.IGNORECASE)
# A written-out address must end in a real domain ending ("look at point 3 dot 2" is not one).
TLDS = frozenset({"com", "in", "org", "net", "co", "gov", "nic", "edu", "ac", "res", "info"})
# "name at gmail.com" is an address; "I applied at dgft.gov.in" is a sentence about a site.
WEBMAIL = frozenset(
    {"gmail", "googlemail", "yahoo", "ymail", "rediffmail", "hotmail", "outlook", "live",
     "icloud", "proton", "protonmail", "zoho", "aol"}
)  # fmt: skip

# A run of digit groups (2+ digits each) with one separator between groups, whole: never a
# part of a longer run. Phone numbers and Aadhaar numbers are recognised from its digits.
_RUN = re.compile(r"(?<![\w\-/.+])(?<!\d[ \-.])\+?\d{2,}(?:[ \-.]\d{2,})*(?![\w\-/])(?![ \-.]\d)")
_AADHAAR_GROUP_MAX = 4
_NON_ASCII_DIGIT = re.compile(r"(?![0-9])\d")

# Verhoeff tables (dihedral group D5), used by UIDAI for the Aadhaar check digit.
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_ok(digits: str) -> bool:
    """Return True if ``digits`` ends in a valid Verhoeff check digit."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[i % 8][int(ch)]]
    return c == 0


def ascii_digits(text: str) -> str:
    """Return ``text`` with every decimal digit of any script (``९``, ``৯``, ``௯``) as ASCII.

    One character for one character, so offsets into the result are offsets into ``text``.
    """
    if text.isascii():
        return text
    return _NON_ASCII_DIGIT.sub(lambda m: str(unicodedata.digit(m.group())), text)


def _canonical_email(value: str) -> str:
    """``Ram.K [at] Gmail [dot] com`` -> ``ram.k@gmail.com``."""
    local, domain = _AT_RE.split(value, maxsplit=1)
    return f"{local}@{_DOT_RE.sub('.', domain)}".lower()


def _is_spelled_email(m: re.Match[str]) -> bool:
    """Whether a written-out address is one (the plain ``a@b.c`` form is ``_EMAIL``'s)."""
    at, first, rest = m.group(2), m.group(3), m.group(4)
    labels = [first, *_DOT_RE.split(rest)[1:]]
    literal_dots = all(d == "." for d in _DOT_RE.findall(rest))
    if at == "@" and literal_dots:
        return False  # the ordinary form, already found
    if labels[-1].lower() not in TLDS:
        return False
    return not (re.fullmatch(_AT_WORD, at) and literal_dots and first.lower() not in WEBMAIL)


def _run_kind(run: str) -> PIIKind | None:
    """The kind of a run of digit groups: a phone number, an Aadhaar number or neither."""
    groups = re.split(r"[ \-.]", run.removeprefix("+"))
    digits, sizes = "".join(groups), [len(g) for g in groups]
    with_code = len(digits) == 12 and digits.startswith("91") and digits[2] != "0"  # noqa: PLR2004
    if run.startswith("+"):
        phone = with_code  # +91, then a mobile number or an STD code and number
    else:
        phone = (
            (len(digits) == 10 and digits[0] in "6789")  # noqa: PLR2004 (a mobile number)
            or (len(digits) == 11 and digits[0] == "0" and digits[1] != "0")  # noqa: PLR2004 (0, STD, number)
            or (with_code and groups[0] == "91" and digits[2] in "6789")  # "91 98765 43210"
        )
    if phone:
        return PIIKind.PHONE
    aadhaar = (
        len(digits) == 12  # noqa: PLR2004
        and len(groups) > 1
        and (sizes == [4, 4, 4] or (digits[0] in "23456789" and max(sizes) <= _AADHAAR_GROUP_MAX))
    )
    return PIIKind.AADHAAR if aadhaar and not run.startswith("+") else None


def _aadhaar_checksum(m: re.Match[str]) -> bool:
    return verhoeff_ok(re.sub(r"\D", "", m.group()))


# (kind or a classifier, pattern, an extra test): the longer, more specific shapes first,
# because the first to claim a span keeps it.
_Kind = PIIKind | Callable[[str], PIIKind | None]
_PASSES: tuple[tuple[_Kind, re.Pattern[str], Callable[[re.Match[str]], bool] | None], ...] = (
    (PIIKind.EMAIL, _SPELLED_EMAIL, _is_spelled_email),
    (PIIKind.EMAIL, _EMAIL, None),
    (PIIKind.GSTIN, _GSTIN, None),
    (PIIKind.PAN, _PAN, None),
    (_run_kind, _RUN, None),
    (PIIKind.AADHAAR, _AADHAAR, None),
    (PIIKind.PHONE, _LANDLINE, None),
    (PIIKind.PHONE, _MOBILE, None),
)


def find(text: str) -> list[PIIMatch]:
    """Return every piece of personal data in ``text``, left to right, without overlaps.

    Aadhaar-shaped numbers are reported even when the checksum fails (``checksum_ok``
    False): a mistyped Aadhaar is still somebody's near-Aadhaar and is never echoed.
    """
    found: list[PIIMatch] = []
    normal = ascii_digits(text)  # same length: offsets into it are offsets into ``text``
    for kind_of, pattern, accept in _PASSES:
        for m in pattern.finditer(normal):
            kind = kind_of if isinstance(kind_of, PIIKind) else kind_of(m.group())
            if kind is None or (accept is not None and not accept(m)):
                continue
            s, e = m.span()
            if any(s < f.end and f.start < e for f in found):
                continue
            ok = kind is not PIIKind.AADHAAR or _aadhaar_checksum(m)
            found.append(PIIMatch(kind, s, e, text[s:e], ok))
    found.sort(key=lambda p: p.start)
    return found


def kinds(text: str) -> set[PIIKind]:
    """Return the kinds of personal data present in ``text``."""
    return {m.kind for m in find(text)}


def _mask_value(match: PIIMatch) -> str:
    if match.kind is PIIKind.EMAIL:
        return "[email]"
    # Keep the last two characters: enough for an officer to tell two numbers apart.
    return f"[{match.kind.value}:…{match.normalised[-2:]}]"


def mask(text: str) -> str:
    """Replace every piece of personal data in ``text`` with a short placeholder."""
    out: list[str] = []
    pos = 0
    for m in find(text):
        out.append(text[pos : m.start])
        out.append(_mask_value(m))
        pos = m.end
    out.append(text[pos:])
    return "".join(out)


def echoes(reply: str, source: str) -> list[PIIMatch]:
    """Return the personal data of ``source`` that ``reply`` repeats.

    Officials' contacts from the directory may appear in a reply; only what came from the
    citizen's own post is forbidden.
    """
    theirs = {(m.kind, m.normalised) for m in find(source)}
    return [m for m in find(reply) if (m.kind, m.normalised) in theirs]
