"""Misspelt and SMS-style words, put right before the NLU model sees them.

"hw to aply fr imprt exprt cd" is an IEC question the model never saw spelt that way: its
features are words and character n-grams of the training examples. Each Latin word of a
post that is not in the vocabulary of those examples (the KB's FAQ examples and names,
English and Hinglish) is replaced by the closest vocabulary word when rapidfuzz's
similarity ratio reaches ``MIN_SCORE``; short words (under ``MIN_LENGTH`` letters), words
with digits and other scripts are left alone, as are words with no close match. So are the
``COMMON_ENGLISH`` most frequent English words (wordfreq's list): the KB's examples do not
hold every everyday word, and "you", "news" or "very" must not become "your", "new" and
"every". The post's own text (on the ticket, in the logs) is never changed: only what the
model parses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz, process
from wordfreq import top_n_list

from bot.kb.schema import KnowledgeBase
from bot.nlu.lang import HINGLISH_WORDS

MIN_LENGTH = 3  # "cd", "fr", "hw": too short to guess from
CACHE_MAX = 50_000  # words remembered (a long-running daemon sees new ones every day)
MIN_SCORE = 85.0  # "aply" ~ "apply" 88.9; "imprt" ~ "import" 90.9; "kre" ~ "kare" 85.7
COMMON_ENGLISH = 50_000  # everyday English words, never "corrected" to a KB word
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")  # "didn't" is one word


def vocabulary(kb: KnowledgeBase) -> set[str]:
    """The Latin words of the KB's FAQ examples, names and aliases (lower case)."""
    texts: list[str] = []
    for faq in kb.faqs:
        texts += [*faq.examples.en, *faq.examples.hinglish]
    for body in kb.directory:
        texts += [body.name.en, *body.aliases.en, *body.aliases.hinglish]
    for dept in kb.departments:
        texts += [dept.name.en, *dept.aliases.en, *dept.aliases.hinglish]
    return _words(texts) | HINGLISH_WORDS  # a Hinglish word is never "corrected" to English


def _words(texts: Iterable[str]) -> set[str]:
    return {w.lower() for t in texts for w in _WORD.findall(t)}


@lru_cache(maxsize=1)
def common_english() -> frozenset[str]:
    """The ``COMMON_ENGLISH`` most frequent English words, lower case."""
    return frozenset(top_n_list("en", COMMON_ENGLISH))


class Speller:
    """Corrects the words of a post against one vocabulary (everyday English stays)."""

    def __init__(self, vocab: set[str]) -> None:
        self._vocab = vocab | common_english()
        self._choices = sorted(vocab)  # a word is only ever corrected to a KB word
        self._cache: dict[str, str] = {}

    def correct(self, text: str) -> str:
        """``text`` with each unknown Latin word replaced by its closest known one."""
        return _WORD.sub(lambda m: self._word(m.group(0)), text)

    def _word(self, word: str) -> str:
        low = word.lower()
        if len(low) < MIN_LENGTH or low in self._vocab:
            return word
        if low not in self._cache:
            if len(self._cache) >= CACHE_MAX:
                self._cache.clear()
            best = process.extractOne(low, self._choices, scorer=fuzz.ratio, score_cutoff=MIN_SCORE)
            self._cache[low] = best[0] if best else word
        return self._cache[low]
