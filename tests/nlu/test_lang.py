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
