"""Fuzz ``bot.pii``: find, kinds, mask and echoes take any text; masking removes what it found."""

import sys

import atheris

with atheris.instrument_imports(enable_loader_override=False):
    from bot import pii


def one_input(data: bytes) -> None:
    """Run the detector over fuzzed text and check that masking hides each match."""
    fdp = atheris.FuzzedDataProvider(data)
    text = fdp.ConsumeUnicode(400)
    found = pii.find(text)
    masked = pii.mask(text)
    assert isinstance(masked, str)
    for match in found:
        assert text[match.start : match.end] == match.value
    assert pii.kinds(text) == {m.kind for m in found}
    pii.echoes(fdp.ConsumeUnicode(200), text)


if __name__ == "__main__":
    atheris.instrument_all()  # the editable install's loader hides imports from instrument_imports
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
