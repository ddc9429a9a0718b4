"""More training examples for each FAQ intent, made from its own: SMS spellings and context.

The KB's examples are clean, short questions. Citizens write "hw 2 aply fr iec", and they
write the question inside a sentence or two about themselves ("I sell handicrafts on
Etsy. Do I need an IEC?"). The model (word counts and character n-grams) learns what it is
shown, so without these it reads a long post as a grievance (the escalate examples are the
long ones) and a post without vowels as nothing it knows. Two variants of every English and
Hinglish example are added at training time (``bot.nlu.project``):

- ``sms``: SMS-style spelling, as the desk's users write it: the inner vowels of the long
  words dropped ("registration" -> "rgstrtn"), and the usual short forms ("you" -> "u",
  "please" -> "pls", "for" -> "fr").
- ``in_context``: the example inside a neutral sentence about the asker or the request
  (``_CONTEXT``), none of which is a complaint: a question stays a question when it comes
  with a greeting, a line about one's business, or thanks.

Hindi examples get one variant, ``hindi_slips``: the slips of Devanagari typing, where
the matra or conjunct is the hard key: ै written े ("केसे" for "कैसे"), ौ as ो, the long ी and
ू as the short ि and ु, and the half र of a conjunct left out ("रजिस्टेशन", "स्टाटअप").

All are deterministic (the same KB always trains the same model, and its hash names it).
"""

from __future__ import annotations

import re

SMS_MIN_LENGTH = 5  # shorter words keep their vowels ("code", "fee")
_SHORT_FORMS = {
    "you": "u", "your": "ur", "are": "r", "for": "fr", "please": "pls", "with": "wid",
    "what": "wat", "how": "hw", "to": "2", "the": "d", "and": "n", "thanks": "thx",
    "kaise": "kese", "karna": "krna", "kare": "kre", "hai": "h",
    "chahiye": "chahie", "batao": "btao", "kitna": "ktna",
}  # fmt: skip
_WORD = re.compile(r"[A-Za-z]+")
_INNER_VOWELS = re.compile(r"(?<=.)[aeiou](?=.)")

# Sentences around a question that do not make it a grievance, by example language.
_CONTEXT: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("Hi team,", ""),
        ("I run a small export business in Surat.", ""),
        ("", "Please guide."),
        ("My CA told me to ask here.", "Thanks in advance."),
        ("", "I want to do it right the first time."),
        ("Hello, I am new to this.", ""),
    ),
    "hinglish": (
        ("Namaste,", ""),
        ("Mera chhota sa business hai Jaipur me.", ""),
        ("", "Please guide karo."),
        ("CA ne bola yahan poochho.", "Dhanyavaad."),
        ("", "Pehli baar kar raha hoon."),
        ("Bhai ek sawaal hai,", ""),
    ),
}


def sms(text: str) -> str:
    """``text`` as an SMS writer would type it (Latin words only)."""

    def one(match: re.Match[str]) -> str:
        word = match.group(0)
        low = word.lower()
        if low in _SHORT_FORMS:
            return _SHORT_FORMS[low]
        if len(low) >= SMS_MIN_LENGTH and not word.isupper():  # "DGFT", "IEC" stay
            return _INNER_VOWELS.sub("", word)
        return word

    return _WORD.sub(one, text)


def in_context(text: str, lang: str, index: int) -> str:
    """``text`` inside the ``index``-th neutral context sentence of ``lang``."""
    contexts = _CONTEXT.get(lang, _CONTEXT["en"])
    before, after = contexts[index % len(contexts)]
    return " ".join(part for part in (before, text, after) if part)


_HINDI_SLIPS = str.maketrans(
    {"\u0948": "\u0947", "\u094c": "\u094b", "\u0940": "\u093f", "\u0942": "\u0941"}
)
_HALF_RA = re.compile("\u0930\u094d(?=[\u0915-\u0939])|\u094d\u0930")  # र् (reph) and ्र


def hindi_slips(text: str) -> str:
    """``text`` (Devanagari) with the usual typing slips."""
    return _HALF_RA.sub("", text.translate(_HINDI_SLIPS))


def variants(examples: list[str], lang: str) -> list[str]:
    """The added examples of one FAQ intent's ``examples`` in ``lang`` (en, hi, hinglish)."""
    if lang == "hi":
        out = [hindi_slips(e) for e in examples]
    else:
        out = [sms(e) for e in examples]
        out += [in_context(e, lang, i) for i, e in enumerate(examples)]
    return list(dict.fromkeys(v for v in out if v not in examples))
