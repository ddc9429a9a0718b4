"""The one definition of personal data in Seva.

Everything that must recognise personal data uses this module: the log processor masks
it, the NLU flags it on a post, and the reply guard refuses to echo it. The kinds are
Aadhaar (12 digits, Verhoeff checksum), PAN, IEC (an IEC *is* the holder's PAN), GSTIN
(which contains a PAN), Indian phone numbers and e-mail addresses.

Post ids (19 digits) and dockets (``MOCI-2026-000123``) are deliberately *not* personal
data, and every pattern is anchored so that it cannot match inside them.
"""

from __future__ import annotations

import re
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
        """The value without spaces, dashes or case, for comparing two sightings."""
        if self.kind is PIIKind.EMAIL:
            return self.value.lower()
        digits_only = re.sub(r"[\s\-().]", "", self.value).upper()
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


def find(text: str) -> list[PIIMatch]:
    """Return every piece of personal data in ``text``, left to right, without overlaps.

    Aadhaar-shaped numbers are reported even when the checksum fails (``checksum_ok``
    False): a mistyped Aadhaar is still somebody's near-Aadhaar and is never echoed.
    """
    found: list[PIIMatch] = []
    taken: list[tuple[int, int]] = []

    def add(kind: PIIKind, m: re.Match[str], checksum_ok: bool = True) -> None:
        s, e = m.span()
        if any(s < te and ts < e for ts, te in taken):
            return
        taken.append((s, e))
        found.append(PIIMatch(kind, s, e, m.group(), checksum_ok))

    # Order matters: the longer, more specific shapes claim their span first.
    for m in _EMAIL.finditer(text):
        add(PIIKind.EMAIL, m)
    for m in _GSTIN.finditer(text):
        add(PIIKind.GSTIN, m)
    for m in _PAN.finditer(text):
        add(PIIKind.PAN, m)
    for m in _AADHAAR.finditer(text):
        add(PIIKind.AADHAAR, m, verhoeff_ok(re.sub(r"\D", "", m.group())))
    for m in _LANDLINE.finditer(text):
        add(PIIKind.PHONE, m)
    for m in _MOBILE.finditer(text):
        add(PIIKind.PHONE, m)
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
