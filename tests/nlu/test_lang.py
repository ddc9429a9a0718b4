"""Language detection: English, Hindi (Devanagari) and romanised Hinglish, on tweet-like text."""

from __future__ import annotations

import pytest

from bot.nlu.lang import detect

CASES = [
    ("@MoCI_Seva how do I apply for IEC?", "en"),
    ("What documents are needed for startup recognition", "en"),
    ("The anti-dumping duty on solar glass is hurting us", "en"),
    ("please share the SEZ rules", "en"),
    ("IEC fee?", "en"),
    ("Me and my partner need an IEC, what is the fee", "en"),
    ("@MoCI_Seva आईईसी के लिए आवेदन कैसे करें?", "hi"),
    ("स्टार्टअप मान्यता कैसे मिलेगी", "hi"),
    ("मेरा IEC अभी तक नहीं बना, DGFT जवाब नहीं दे रहा", "hi"),
    ("IEC ke liye apply kaise karein?", "hinglish"),
    ("@MoCI_Seva mera IEC abhi tak nahi aaya", "hinglish"),
    ("startup recognition kaise milega bhai", "hinglish"),
    ("patent file karne ka process kya hai", "hinglish"),
    ("sez mein unit kaise lagaye", "hinglish"),
    ("DGFT portal kaam nahi kar raha #mociseva", "hinglish"),
]


@pytest.mark.parametrize(("text", "lang"), CASES)
def test_detects_the_language_of_short_posts(text: str, lang: str) -> None:
    """Each sample is classified as its language; handles, hashtags and domains are ignored."""
    assert detect(text) == lang


def test_detection_accuracy_on_the_held_out_nlu_set() -> None:
    """On the NLU test set (labelled by language), at least 90% are detected correctly."""
    from pathlib import Path

    from bot.nlu.evaluate import load_cases

    path = Path(__file__).resolve().parents[2] / "nlu" / "tests" / "test_set.yml"
    cases = load_cases(path)
    assert len(cases) >= 100
    right = sum(detect(c.text) == c.lang for c in cases)
    assert right / len(cases) >= 0.9, [
        (c.text, c.lang, detect(c.text)) for c in cases if detect(c.text) != c.lang
    ]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("@CommerceSeva IEC எப்படி விண்ணப்பிப்பது?", "ta"),
        ("@CommerceSeva IEC ఎలా దరఖాస్తు చేయాలి?", "te"),
        ("@CommerceSeva IEC ಹೇಗೆ ಅರ್ಜಿ ಸಲ್ಲಿಸುವುದು?", "kn"),
        ("@CommerceSeva IEC എങ്ങനെ അപേക്ഷിക്കാം?", "ml"),
        ("@CommerceSeva আমার IEC আবেদন আটকে আছে", "bn"),
        ("@CommerceSeva IEC માટે કેવી રીતે અરજી કરવી?", "gu"),
        ("@CommerceSeva ਮੇਰਾ IEC ਕਦੋਂ ਆਵੇਗਾ?", "pa"),
        ("@CommerceSeva IEC ପାଇଁ କିପରି ଆବେଦନ କରିବି?", "or"),
        ("@CommerceSeva میرا IEC کب آئے گا؟", "ur"),
        ("@CommerceSeva माझा IEC अर्ज अडकला आहे", "mr"),  # Marathi: Devanagari, its own words
    ],
)
def test_other_indian_scripts_are_recognised_despite_latin_acronyms(text: str, lang: str) -> None:
    """A post mostly in another major Indian script gets that script's code, even with
    an English acronym and a handle in it; Marathi shares Devanagari and is told by its
    words."""
    assert lang == detect(text)


def test_one_marathi_looking_word_leaves_a_hindi_post_hindi() -> None:
    """ "नाही" alone is also a Hindi typo of "नहीं": it takes two Marathi words."""
    assert detect("@CommerceSeva मेरा IEC अभी तक नाही आया, कब आएगा?") == "hi"
    assert detect("@CommerceSeva FDDI चा निकाल अजून लागला नाही") == "mr"
