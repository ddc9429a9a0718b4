"""Which language a citizen wrote in: English, Hindi, Hinglish, or another Indian script.

The desk answers English, Hindi (Devanagari) and Hinglish (romanised); other major Indian
scripts it recognises by their letters but does not answer in (``bot.languages``).

Posts are short and mixed, and general detectors call romanised Hindi "Indonesian" or
"Somali". Two small signals decide instead:
- the share of Devanagari letters among all letters;
- how many words are common romanised-Hindi function words ("kaise", "hai", "ke",
  "mera", "nahi"...) that English does not use.
The word list is small and tested (tests/nlu/test_lang.py); replies follow the result.
"""

from __future__ import annotations

import re

from bot.languages import MARATHI, MARATHI_MIN_WORDS, MARATHI_WORDS, OTHER_SCRIPTS

_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_DEVANAGARI_WORD = re.compile(r"[\u0900-\u097F]+")
_OTHER = {
    code: re.compile("[" + "".join(f"\\u{a:04X}-\\u{b:04X}" for a, b in ranges) + "]")
    for code, (_name, ranges) in OTHER_SCRIPTS.items()
}
_LATIN = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[a-z]+")
_HANDLE_OR_URL = re.compile(r"[@#]\w+|https?://\S+|\b\S+\.(?:gov|nic|com|org)\.?\S*", re.IGNORECASE)

# Romanised Hindi words that are not English words (or are too rare in English to matter).
HINGLISH_WORDS = frozenset(
    [
        "hai",
        "hain",
        "ho",
        "hoga",
        "hogi",
        "honge",
        "tha",
        "thi",
        "nahi",
        "nahin",
        "nhi",
        "na",
        "kya",
        "kyu",
        "kyun",
        "kyon",
        "kaise",
        "kaisa",
        "kaisi",
        "kab",
        "kahan",
        "kaha",
        "kitna",
        "kitni",
        "kitne",
        "kaun",
        "kisko",
        "kise",
        "kisne",
        "mera",
        "meri",
        "mere",
        "mujhe",
        "mujhko",
        "hum",
        "humara",
        "humari",
        "hamara",
        "hamari",
        "aap",
        "aapka",
        "aapki",
        "apna",
        "apni",
        "apne",
        "tum",
        "tumhara",
        "ye",
        "yeh",
        "woh",
        "wo",
        "vo",
        "unka",
        "unki",
        "uska",
        "uski",
        "iska",
        "iski",
        "isko",
        "usko",
        "ke",
        "ki",
        "ka",
        "ko",
        "se",
        "mein",
        "pe",
        "aur",
        "bhi",
        "sirf",
        "abhi",
        "tak",
        "kar",
        "karo",
        "karna",
        "karne",
        "kare",
        "karein",
        "karu",
        "karun",
        "kiya",
        "kiye",
        "raha",
        "rahe",
        "rahi",
        "diya",
        "dijiye",
        "chahiye",
        "chahte",
        "chahta",
        "chahti",
        "milega",
        "milegi",
        "milta",
        "milti",
        "mila",
        "mili",
        "banwana",
        "banaye",
        "banta",
        "batao",
        "bataye",
        "bataiye",
        "batayein",
        "jankari",
        "jaankari",
        "kripya",
        "krupya",
        "bhai",
        "ji",
        "haan",
        "lekin",
        "kyunki",
        "isliye",
        "agar",
        "toh",
        "phir",
        "wala",
        "wali",
        "wale",
        "liye",
        "baare",
        "sakta",
        "sakte",
        "sakti",
        "hua",
        "hui",
        "hue",
        "gaya",
        "gayi",
        "gaye",
        "jaye",
        "jaega",
        "jayega",
        "jata",
        "jati",
        "bahut",
        "bohot",
        "kuch",
        "koi",
        "sab",
        "sabhi",
        "paisa",
        "paise",
        "sarkar",
        "naya",
        "nayi",
        "purana",
        "pehle",
        "baad",
        "dena",
        "lena",
        "dekho",
        "dekhiye",
        "samjhaye",
        "shikayat",
        "kis",
        "kal",
        "raat",
        "bilkul",
        "jeeta",
        "jeeti",
        "wapas",
        "bhejo",
        "darj",
        "madad",
        "sahayata",
        "jawab",
    ]
)
_HINGLISH_MIN_HITS = 2
_HINGLISH_MIN_SHARE = 0.2
_DEVANAGARI_MIN_SHARE = 0.3


def _other_script(text: str, devanagari: int, latin: int) -> str | None:
    """The code of another Indian script the post is mostly written in (None if none)."""
    counts = {code: len(rx.findall(text)) for code, rx in _OTHER.items()}
    code, most = max(counts.items(), key=lambda kv: kv[1], default=("", 0))
    if most and most >= _DEVANAGARI_MIN_SHARE * (most + devanagari + latin):
        return code
    return None


def detect(text: str) -> str:
    """Return ``"hi"``, ``"hinglish"``, ``"en"``, ``"mr"`` or another script's code for a post.

    The other codes are ``bot.languages.OTHER_SCRIPTS``' ("ta", "bn", "ur" ...); a
    Devanagari post with two of ``MARATHI_WORDS`` is Marathi ("mr"). A script
    counts when its letters are at least 30 % of the post's letters, so an English acronym
    ("IEC", "DGFT") in a Tamil post leaves it Tamil.
    """
    text = _HANDLE_OR_URL.sub(" ", text)
    devanagari = len(_DEVANAGARI.findall(text))
    latin = len(_LATIN.findall(text))
    other = _other_script(text, devanagari, latin)
    if other is not None:
        return other
    if devanagari and devanagari >= _DEVANAGARI_MIN_SHARE * (devanagari + latin):
        marathi = MARATHI_WORDS.intersection(_DEVANAGARI_WORD.findall(text))
        return MARATHI if len(marathi) >= MARATHI_MIN_WORDS else "hi"
    words = _WORD.findall(text.lower())
    if not words:
        return "en"
    hits = sum(w in HINGLISH_WORDS for w in words)
    if hits >= _HINGLISH_MIN_HITS or (hits and hits / len(words) >= _HINGLISH_MIN_SHARE):
        return "hinglish"
    return "en"
