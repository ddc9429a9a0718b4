"""Statements a ministry must not post unless an official page was read for them.

An unverified answer may still go out (it points to the official site), but only if it
states no fee, amount, date or deadline, duration, eligibility limit, phone number or
e-mail address: a wrong one of those harms a citizen who relies on it. This is a small,
deliberately eager detector for those statements in English, Hindi and Hinglish; the
validator lists what it finds and the composer hands such an answer to a human.

Numbered steps ("1) register; 2) ...") are not claims. Every other number is, since in a
grievance answer a number is almost always a fee, a limit, a period or a date.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import regex

from bot.pii import PIIKind, ascii_digits, find


class ClaimKind(StrEnum):
    """A kind of statement that needs an official source."""

    AMOUNT = "amount"
    FEE = "fee"
    DATE = "date"
    DURATION = "duration"
    LIMIT = "limit"
    CONTACT = "contact"
    NUMBER = "number"


@dataclass(frozen=True)
class Claim:
    """One statement found: its kind and the words that make it one."""

    kind: ClaimKind
    text: str


_I = regex.IGNORECASE | regex.VERSION1
_MONTHS_EN = (
    "january|february|march|april|june|july|august|september|october|november|december"
    "|jan|feb|apr|jun|jul|aug|sept|oct|nov|dec"
)
_MONTHS_HI = (
    "जनवरी|फ़रवरी|फरवरी|मार्च|अप्रैल|मई|जून|जुलाई|अगस्त|सितंबर|सितम्बर|अक्टूबर|अक्तूबर|नवंबर|नवम्बर|दिसंबर|दिसम्बर"
)
_UNITS = (
    r"days?|weeks?|months?|years?|hours?|hrs?|working\s+days?"
    r"|din|dino|hafte?|mahin[ea]|mahino|saal|varsh|ghante?"
    r"|दिन|दिनों|सप्ताह|हफ़्ते|हफ्ते|महीने|महीनों|माह|साल|सालों|वर्ष|वर्षों|घंटे|घंटों"
)
_PATTERNS: tuple[tuple[ClaimKind, regex.Pattern[str]], ...] = (
    (
        ClaimKind.AMOUNT,
        regex.compile(
            r"(?:₹|\brs\.?|\binr\b|\brupees?\b|रुपये|रुपए|रु\.)\s*\d|\d[\d,.]*\s*(?:₹|rupees?\b"
            r"|rs\b|lakh|lac|crore|cr\b|लाख|करोड़|करोड|रुपये|रुपए|%|percent|प्रतिशत)",
            _I,
        ),
    ),
    (
        ClaimKind.FEE,
        regex.compile(
            r"\bfree\b|\bno\s+(?:fee|charge|cost)s?\b|\bwithout\s+(?:any\s+)?(?:fee|charge)s?\b"
            r"|\b(?:fee|fees|charges?)\s+(?:is|are|of)\b|\bmuft\b|\bfree\s+hai\b|koi\s+fees?\s+nahi"
            r"|मुफ़्त|मुफ्त|निःशुल्क|निशुल्क|नि:शुल्क|कोई\s+शुल्क\s+नहीं|शुल्क\s+नहीं",
            _I,
        ),
    ),
    (
        ClaimKind.DATE,
        regex.compile(
            rf"\b(?:{_MONTHS_EN})\b|(?:{_MONTHS_HI})|\b(?:19|20)\d\d\b|\b\d{{1,2}}[/-]\d{{1,2}}[/-]\d{{2,4}}\b"
            r"|\b\d{1,2}\s+May\b|\bMay\s+\d|\bdeadline\b|\blast\s+date\b|\bdue\s+date\b|\bby\s+the\s+end\s+of\b"
            r"|अंतिम\s+तिथि|आखिरी\s+तारीख|समय\s*सीमा|aakhri\s+tareekh|last\s+date|deadline",
            _I,
        ),
    ),
    (
        ClaimKind.DURATION,
        regex.compile(
            rf"\d+\s*(?:-\s*\d+\s*)?(?:{_UNITS})\b|\b(?:every|each)\s+year\b|\bannual(?:ly)?\b"
            r"|\bwithin\s+(?:a|one|two|three)\s+(?:day|week|month|year)|\bhar\s+saal\b"
            r"|हर\s+साल|प्रति\s+वर्ष|प्रतिवर्ष|वार्षिक",
            _I,
        ),
    ),
    (
        ClaimKind.LIMIT,
        regex.compile(
            r"\bup\s*to\b|\bat\s+(?:most|least)\b|\bmaximum\b|\bminimum\b|\bnot\s+more\s+than\b"
            r"|\bless\s+than\b|\bmore\s+than\b|\bexceed(?:s|ing)?\b|\bturnover\b|\bcap(?:ped)?\b"
            r"|\bceiling\b|\d+\s*tak\b|\bse\s+kam\b|\bse\s+zyada\b"
            r"|अधिकतम|न्यूनतम|से\s+कम|से\s+अधिक|से\s+ज़्यादा|से\s+ज्यादा|टर्नओवर|कारोबार\s+सीमा|\d+\s*तक",
            _I,
        ),
    ),
    (
        ClaimKind.CONTACT,
        regex.compile(
            r"\b(?:helpline|toll[\s-]*free|call|phone|dial|whatsapp)\b\s*(?:no\.?|number)?\s*:?\s*\+?\d"
            r"|हेल्पलाइन\s*\d|टोल\s*फ्री\s*\d",
            _I,
        ),
    ),
)
# "1) ", "2. " or "(3) " opening a step; the only numbers an unverified answer may carry.
_STEP = regex.compile(r"(?:(?<=^)|(?<=[\s:;]))\(?\d\)\s|(?:(?<=^)|(?<=[\s:;]))\d\.\s")
_DIGITS = regex.compile(r"\d+")


def claims(text: str) -> list[Claim]:
    """Return every statement in ``text`` that needs an official source, in order found."""
    plain = ascii_digits(text)
    found: list[Claim] = []
    for kind, pattern in _PATTERNS:
        found += [Claim(kind, m.group(0).strip()) for m in pattern.finditer(plain)]
    found += [
        Claim(ClaimKind.CONTACT, m.value)
        for m in find(text)
        if m.kind in {PIIKind.PHONE, PIIKind.EMAIL}
    ]
    if not found:
        stepless = _STEP.sub(" ", plain)
        found += [Claim(ClaimKind.NUMBER, m.group(0)) for m in _DIGITS.finditer(stepless)]
    return found


def describe(found: list[Claim]) -> str:
    """One line for an admin: ``amount "Rs 500"; date "June"``."""
    return "; ".join(f'{c.kind.value} "{c.text}"' for c in found)
