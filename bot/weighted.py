"""X's weighted length (twitter-text v3), from the maintained ``twitter-text-parser``.

One place for the whole project: the emulator's 280 check, the reply threader and the KB
validator all call ``weighted_length``, so they can never disagree.
"""

from __future__ import annotations

import unicodedata

from twitter_text import extract_urls, parse_tweet

MAX_WEIGHTED = 280
URL_WEIGHT = 23


def weighted_length(text: str) -> int:
    """Return the weighted length X computes for ``text`` (NFC-normalised first)."""
    result = parse_tweet(unicodedata.normalize("NFC", text))
    return int(result.weightedLength)


def fits(text: str, limit: int = MAX_WEIGHTED) -> bool:
    """Return whether ``text`` fits in one post."""
    return 0 < weighted_length(text) <= limit


def urls(text: str) -> list[str]:
    """Return every URL twitter-text links in ``text``, bare domains such as ``dgft.gov.in`` too.

    X's clients render exactly these as links, so this is what the conservative price reading
    (docs/ARCHITECTURE.md, "Money") bills at the "with URL" rate.
    """
    return [str(u) for u in extract_urls(unicodedata.normalize("NFC", text))]
