"""The text the model sees: a post without @handles, links or extra whitespace.

Training examples carry no handles, and every post to the desk starts with one, so leaving
them in would only add noise. Hashtags keep their word ("#IEC" -> "IEC").
"""

from __future__ import annotations

import re

_HANDLE = re.compile(r"(?<![\w@])[@\uFF20]\w{1,15}")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def for_nlu(text: str) -> str:
    """Return ``text`` as the NLU model should see it."""
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = text.replace("#", " ")
    return " ".join(text.split())
