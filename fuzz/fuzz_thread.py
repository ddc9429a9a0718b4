"""Fuzz ``bot.replies.thread`` and ``bot.weighted``: every part fits, none is empty."""

import sys

import atheris

with atheris.instrument_imports(enable_loader_override=False):
    from bot.replies.thread import thread
    from bot.weighted import MAX_WEIGHTED, weighted_length


def one_input(data: bytes) -> None:
    """Thread fuzzed text with or without a reference; each post must fit X's 280."""
    fdp = atheris.FuzzedDataProvider(data)
    ref = fdp.ConsumeUnicodeNoSurrogates(8) if fdp.ConsumeBool() else None
    text = fdp.ConsumeUnicodeNoSurrogates(1500)
    assert weighted_length(text) >= 0
    parts = thread(text, ref=ref)
    if text.strip():
        assert parts, "non-empty text gave no posts"
    for part in parts:
        assert 0 < weighted_length(part) <= MAX_WEIGHTED, (part, weighted_length(part))


if __name__ == "__main__":
    atheris.instrument_all()  # the editable install's loader hides imports from instrument_imports
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
