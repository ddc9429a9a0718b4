"""Training variants of the FAQ examples (``bot.nlu.augment``): SMS, context, Hindi slips."""

from __future__ import annotations

from bot.nlu.augment import hindi_slips, in_context, sms, variants


def test_sms_spelling_drops_inner_vowels_of_long_words_and_keeps_acronyms() -> None:
    """ "Import" and "online" lose their inner vowels, "you" and "for" their letters; the
    acronym IEC and short words stay."""
    assert sms("How do you apply for an IEC online?") == "hw do u apply fr an IEC onlne?"
    assert sms("Import Export Code kaise milega") == "Imprt Exprt Code kese mlga"


def test_a_question_in_context_is_still_the_question() -> None:
    """The example is kept whole inside a neutral sentence; the index picks the sentence."""
    text = "How do I apply for an IEC?"
    assert text in in_context(text, "en", 0)
    assert in_context(text, "en", 0) != in_context(text, "en", 1)
    assert text in in_context(text, "hinglish", 3)


def test_hindi_slips_are_the_matras_and_half_ra_of_devanagari_typing() -> None:
    """ "कैसे" is typed "केसे", "रजिस्ट्रेशन" "रजिस्टेशन", "स्टार्टअप" "स्टाटअप"."""
    assert hindi_slips("स्टार्टअप रजिस्ट्रेशन कैसे करें") == "स्टाटअप रजिस्टेशन केसे करें"


def test_variants_add_only_new_examples_once() -> None:
    """An example that no rule changes adds nothing; none repeats an original."""
    examples = ["IEC fee?", "How do I apply for an IEC?"]
    added = variants(examples, "en")
    assert not set(added) & set(examples)
    assert len(added) == len(set(added))
    assert variants(["कोड"], "hi") == []
