"""Misspelt words put right before the NLU (``bot.nlu.spelling``), against the shipped KB."""

from __future__ import annotations

import pytest

from bot.kb.schema import KnowledgeBase
from bot.nlu.spelling import Speller, vocabulary


@pytest.fixture(scope="module")
def speller(shipped_kb: KnowledgeBase) -> Speller:
    return Speller(vocabulary(shipped_kb))


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("hw to aply fr imprt exprt cd", "hw to apply fr import export cd"),
        ("IEC aplication kaise kre", "IEC application kaise kare"),
        ("tradmark registrtion fee kitni hai", "trademark registration fee kitni hai"),
    ],
)
def test_sms_spellings_become_the_words_the_model_knows(
    speller: Speller, text: str, fixed: str
) -> None:
    """Dropped vowels and slips become the KB's words; words under three letters stay."""
    assert fixed == speller.correct(text)


@pytest.mark.parametrize(
    "text",
    [
        "mera laptop kharab hai electrician nahi aaya",  # unknown words with no close match
        "मेरा IEC आवेदन अटका है",  # another script
        "my IEC 2024 renewal",  # known words, a number
    ],
)
def test_what_is_not_misspelt_stays_as_written(speller: Speller, text: str) -> None:
    """Known words, words with no close match, digits and other scripts are left alone."""
    assert text == speller.correct(text)
