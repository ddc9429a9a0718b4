"""Hindi words of trade and government, with the English word each means.

The FAQ-gap clustering (``bot.tickets.gaps``) compares posts word by word, and a Hindi
post about the same thing as an English one often shares no word with it:
"उत्पत्ति प्रमाण पत्र" is "certificate of origin". Reading each Hindi term below as its
English word first lets such posts meet. The list is a general glossary of the words
citizens use about trade, licences, schemes and public services (written from the
Rajbhasha glossaries' usual renderings, not from any post of the test corpora); a word
missing here still meets its own spelling in other Hindi posts. Romanised Hindi (as in
Hinglish) is listed too where it differs from the English word.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Hindi (Devanagari or romanised) -> English. Longer phrases are matched first.
TERMS: dict[str, str] = {
    # documents, certificates, registrations
    "प्रमाण पत्र": "certificate",
    "प्रमाणपत्र": "certificate",
    "सर्टिफिकेट": "certificate",
    "praman patra": "certificate",
    "pramanpatra": "certificate",
    "पंजीकरण": "registration",
    "रजिस्ट्रेशन": "registration",
    "पंजीयन": "registration",
    "panjikaran": "registration",
    "registeration": "registration",
    "लाइसेंस": "licence",
    "अनुज्ञप्ति": "licence",
    "license": "licence",
    "दस्तावेज़": "documents",
    "दस्तावेज": "documents",
    "कागजात": "documents",
    "dastavej": "documents",
    "kagzat": "documents",
    "kagaj": "documents",
    "आवेदन": "apply",
    "aavedan": "apply",
    "avedan": "apply",
    "अनुमति": "permission",
    "स्वीकृति": "approval",
    "मंजूरी": "approval",
    "manjuri": "approval",
    "नवीनीकरण": "renewal",
    "सत्यापन": "verification",
    "verify": "verification",
    "उत्पत्ति": "origin",
    "मूल": "origin",
    "ओरिजिन": "origin",
    "पहचान": "identity",
    "खाता": "account",
    "khata": "account",
    # trade and money
    "निर्यात": "export",
    "निर्यातक": "exporter",
    "niryat": "export",
    "niryatak": "exporter",
    "आयात": "import",
    "आयातक": "importer",
    "aayat": "import",
    "व्यापार": "trade",
    "व्यापारी": "trader",
    "vyapar": "trade",
    "vyapari": "trader",
    "विक्रेता": "seller",
    "बेचना": "sell",
    "बेचने": "sell",
    "becha": "sell",
    "bechna": "sell",
    "खरीदार": "buyer",
    "क्रेता": "buyer",
    "kharidar": "buyer",
    "खरीद": "procurement",
    "शुल्क": "fee",
    "फीस": "fee",
    "shulk": "fee",
    "सीमा शुल्क": "customs",
    "कस्टम": "customs",
    "ब्याज": "interest",
    "byaj": "interest",
    "कर्ज": "loan",
    "ऋण": "loan",
    "लोन": "loan",
    "सब्सिडी": "subsidy",
    "अनुदान": "grant",
    "प्रोत्साहन": "incentive",
    "छूट": "rebate",
    "रियायत": "concession",
    "वापसी": "refund",
    "रिफंड": "refund",
    "भुगतान": "payment",
    "पेमेंट": "payment",
    "bhugtan": "payment",
    "बैंक": "bank",
    "बीमा": "insurance",
    "जमा": "deposit",
    "माल": "goods",
    "उत्पाद": "product",
    "उत्पादों": "product",
    "सामान": "goods",
    "कारखाना": "factory",
    "उद्योग": "industry",
    "उद्यम": "enterprise",
    "udyog": "industry",
    "निवेश": "investment",
    "nivesh": "investment",
    "बाजार": "market",
    "बाज़ार": "market",
    "मार्केटप्लेस": "marketplace",
    "बंदरगाह": "port",
    "जहाज": "ship",
    "शिपमेंट": "shipment",
    "कंटेनर": "container",
    "गुणवत्ता": "quality",
    "मानक": "standard",
    "जांच": "inspection",
    # government, schemes, offices
    "सरकार": "government",
    "सरकारी": "government",
    "sarkar": "government",
    "sarkari": "government",
    "govt": "government",
    "विभाग": "department",
    "vibhag": "department",
    "मंत्रालय": "ministry",
    "योजना": "scheme",
    "yojana": "scheme",
    "yojna": "scheme",
    "नीति": "policy",
    "niti": "policy",
    "नियम": "rule",
    "niyam": "rule",
    "अधिकारी": "officer",
    "adhikari": "officer",
    "कार्यालय": "office",
    "दफ्तर": "office",
    "पोर्टल": "portal",
    "वेबसाइट": "website",
    "ऑनलाइन": "online",
    "भौगोलिक संकेत": "geographical indication",
    "भौगोलिक": "geographical",
    "संकेत": "indication",
    "टैग": "tag",
    "पेटेंट": "patent",
    "ट्रेडमार्क": "trademark",
    "कॉपीराइट": "copyright",
    "स्टार्टअप": "startup",
    "कंपनी": "company",
    "फर्म": "firm",
    "जिला": "district",
    "zila": "district",
    "राज्य": "state",
    "हस्तशिल्प": "handicraft",
    "हथकरघा": "handloom",
    "कृषि": "agriculture",
    "चाय": "tea",
    "कॉफी": "coffee",
    "मसाले": "spices",
    "रबर": "rubber",
    "दर्जा": "status",
    "स्टेटस": "status",
    "प्रक्रिया": "process",
    "prakriya": "process",
    "तरीका": "process",
    "tarika": "process",
    "समय सीमा": "deadline",
}

# Trade and government abbreviations citizens write, with what they stand for, so a post
# that writes the letters meets one that writes the words. Letters spelt out in Devanagari
# ("जीआई") are read as letters first (``LETTER_NAMES``).
ABBREVIATIONS: dict[str, str] = {
    "coo": "certificate origin",
    "gem": "government marketplace",
    "जेम": "government marketplace",
    "gi": "geographical indication",
    "ies": "interest equalisation",
    "mai": "market access initiative",
    "epcg": "export promotion capital goods",
    "rcmc": "registration membership certificate",
    "dfia": "duty free import authorisation",
    "ecgc": "export credit guarantee",
    "fta": "free trade agreement",
    "cepa": "trade agreement",
    "lut": "letter undertaking",
    "bis": "bureau indian standards",
    "qco": "quality control order",
    "epc": "export promotion council",
    "msme": "micro small medium enterprise",
    "gst": "gst",
    "iec": "import export code",
    "dgft": "dgft",
    "sez": "special economic zone",
    "drawback": "duty drawback",
    "rodtep": "rodtep",
}


_ALL = TERMS | ABBREVIATIONS


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    # Longest first, so "सीमा शुल्क" wins over "शुल्क"; words whole, in either script.
    names = sorted(_ALL, key=len, reverse=True)
    return re.compile(
        r"(?<![\w\u0900-\u097F])("
        + "|".join(re.escape(n) for n in names)
        + r")(?![\w\u0900-\u097F])",
        re.IGNORECASE,
    )


# English letters as Hindi writes their names: "डीजीएफटी" is DGFT, "एसईज़ेड" SEZ.
LETTER_NAMES: dict[str, str] = {
    "ए": "a", "बी": "b", "सी": "c", "डी": "d", "ई": "e", "एफ": "f", "एफ़": "f", "जी": "g",
    "एच": "h", "आई": "i", "जे": "j", "के": "k", "एल": "l", "एम": "m", "एन": "n", "ओ": "o",
    "पी": "p", "क्यू": "q", "आर": "r", "एस": "s", "टी": "t", "यू": "u", "वी": "v",
    "डब्ल्यू": "w", "डब्लू": "w", "एक्स": "x", "वाई": "y", "ज़ेड": "z", "जेड": "z",
}  # fmt: skip
# Keys as NFC writes them (it splits a nukta letter, ज़, in two), as the text is read.
_NAMES = {unicodedata.normalize("NFC", k): v for k, v in LETTER_NAMES.items()}
_LETTERS = re.compile("|".join(sorted(map(re.escape, _NAMES), key=len, reverse=True)))
_DEVANAGARI_WORD = re.compile(r"[\u0900-\u097F]+")
_DOT_BETWEEN = re.compile(r"(?<=[\u0900-\u097F])\.(?=[\u0900-\u097F])")


def _spelt_out(word: str) -> str:
    """A Devanagari word of two or more English letter names as its letters, else itself.

    One letter name alone is left: "जी" is also the honorific, "आई" "came".
    """
    letters = []
    at = 0
    while at < len(word):
        found = _LETTERS.match(word, at)
        if not found:
            return word
        letters.append(_NAMES[found.group(0)])
        at = found.end()
    return "".join(letters) if len(letters) > 1 else word


def in_english(text: str) -> str:
    """``text`` with every glossary term replaced by its English word.

    Acronyms spelt out in Devanagari letter names are read as their letters first.
    """
    text = _DOT_BETWEEN.sub("", unicodedata.normalize("NFC", text))  # ई.पी.सी.जी. is ईपीसीजी
    text = _DEVANAGARI_WORD.sub(lambda m: _spelt_out(m.group(0)), text)
    return _pattern().sub(lambda m: _ALL.get(m.group(1), _ALL.get(m.group(1).lower(), "")), text)
