"""The languages the desk knows: the three it answers in, and the scripts it only recognises.

The desk answers in English, Hindi (Devanagari) and Hinglish (romanised Hindi). A post in
another major Indian script is recognised by its letters (``bot.nlu.lang``), goes to an
officer with its language recorded on the ticket, and is acknowledged in English and Hindi
together (``responses/bilingual/``): no automatic answer, since neither the NLU nor the KB
knows these languages. Marathi shares Devanagari with Hindi, so its script cannot tell it:
its everyday words can (``MARATHI_WORDS``: "आहे", "नाही", "अजून"...). A Marathi post is
treated as another script's: an officer reads it (the NLU, trained on Hindi, misreads it:
"निकाल अजून लागला नाही" is a result not yet out, not an FAQ question), it is acknowledged in
English and Hindi, which its readers mostly read too, and the officer answers in Marathi by
hand. Nepali and Konkani are not told apart from Hindi.
"""

from __future__ import annotations

ANSWERED = ("en", "hi", "hinglish")  # the NLU is trained and the KB written in these
BILINGUAL = "bilingual"  # the templates dir for posts in a script the desk does not answer

# Script -> (language code, name, Unicode ranges of its letters). Bengali script also
# writes Assamese; Gurmukhi, Punjabi; the Arabic script, Urdu (and Kashmiri, Sindhi).
OTHER_SCRIPTS: dict[str, tuple[str, tuple[tuple[int, int], ...]]] = {
    "ta": ("Tamil", ((0x0B80, 0x0BFF),)),
    "te": ("Telugu", ((0x0C00, 0x0C7F),)),
    "kn": ("Kannada", ((0x0C80, 0x0CFF),)),
    "ml": ("Malayalam", ((0x0D00, 0x0D7F),)),
    "bn": ("Bengali", ((0x0980, 0x09FF),)),
    "gu": ("Gujarati", ((0x0A80, 0x0AFF),)),
    "pa": ("Punjabi (Gurmukhi)", ((0x0A00, 0x0A7F),)),
    "or": ("Odia", ((0x0B00, 0x0B7F),)),
    "ur": ("Urdu", ((0x0600, 0x06FF), (0x0750, 0x077F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))),
}

# Words of everyday Marathi that Hindi does not use (Hindi: है, नहीं, अभी, मेरा, हमारे...).
MARATHI = "mr"
MARATHI_WORDS = frozenset(
    [
        "आहे",
        "आहेत",
        "नाही",
        "नाहीत",
        "झाले",
        "झाला",
        "झाली",
        "अजून",
        "माझा",
        "माझी",
        "माझे",
        "मला",
        "आम्ही",
        "आमच्या",
        "आमची",
        "आमचा",
        "आमचे",
        "तुम्ही",
        "तुमच्या",
        "कोणीच",
        "कोणी",
        "पाहिजे",
        "मिळाली",
        "मिळाला",
        "मिळाले",
        "केला",
        "केली",
        "केले",
        "होते",
        "लागला",
        "लागली",
        "करून",
        "गेल्या",
        "पुन्हा",
    ]
)
MARATHI_MIN_WORDS = 2  # two of them: one could be a Hindi typo ("नाही" for "नहीं")

NAMES = {"en": "English", "hi": "Hindi", "hinglish": "Hinglish", MARATHI: "Marathi"} | {
    code: name for code, (name, _ranges) in OTHER_SCRIPTS.items()
}


def answered(lang: str) -> bool:
    """Whether the desk answers posts in ``lang`` itself (the NLU and the KB know it)."""
    return lang in ANSWERED
