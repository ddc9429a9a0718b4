"""Script-blind spelling: every word as the consonant skeleton of its transliteration.

"पोर्टल" becomes "portl" (anyascii), then "prtl", which is also the skeleton of "portal";
"नहीं खुल रहा" and "nahi khul raha" come out nearly the same, and so do a Tamil or Kannada
spelling of a loanword and its English ("ட்ரேட்மார்க்", "trademark": "trdmrk"). Storm
grouping (``bot.tickets.gist``), FAQ-gap clustering (``bot.tickets.gaps``) and the entity
matchers' reading of other scripts (``bot.nlu.entities``) compare words this way.
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

_NOISE = re.compile(r"https?://\S+|[@#][\w\u0900-\u097F]+|[a-z]{2,8}-\d{4}-\d{6}|\d+")
# Vowels dropped, sound-alike consonants merged: "website" and "वेबसाइट" (vebsait) meet.
_SKELETON = str.maketrans(
    {"a": "", "e": "", "i": "", "o": "", "u": "", "w": "v", "z": "j", "q": "k"}
)
_NON_WORD = re.compile(r"[^a-z]+")


# The anusvara (ं) before a stop is that stop's nasal, "n" in पंजीकरण (panjikaran) and in
# डंपिंग's second one (dumping); before p, b, m, v and the rest it stays "m" (संवर्धन,
# samvardhan). anyascii always writes "m", so a Hindi word and its Latin spelling would
# miss each other. The Indic blocks share one layout (anusvara at +0x02, the stops from ka
# to na at +0x15 to +0x28, na at +0x28, virama at +0x4D), so the rule holds for Bengali,
# Gurmukhi, Gujarati, Odia, Telugu, Kannada and Malayalam too ("ಪೇಟೆಂಟ್" is patent).
_INDIC_BLOCKS = (0x0900, 0x0980, 0x0A00, 0x0A80, 0x0B00, 0x0C00, 0x0C80, 0x0D00)
_ANUSVARA = re.compile(
    "|".join(f"{chr(b + 0x02)}(?=[{chr(b + 0x15)}-{chr(b + 0x28)}])" for b in _INDIC_BLOCKS)
)


def _nasal(match: re.Match[str]) -> str:
    base = ord(match.group(0)) - 0x02
    return chr(base + 0x28) + chr(base + 0x4D)  # na and virama of the same script


def skeleton(text: str) -> list[str]:
    """The words of ``text`` as script-blind consonant skeletons."""
    text = unicodedata.normalize("NFC", text).lower()
    text = _ANUSVARA.sub(_nasal, text)  # न् before the stop
    ascii_text = anyascii(_NOISE.sub(" ", text)).lower()
    words = []
    for word in _NON_WORD.split(ascii_text):
        bones = re.sub(r"(.)\1+", r"\1", word.translate(_SKELETON)) or word[:1]
        if bones:
            words.append(bones)
    return words
