"""Fuzz ``bot.replies.render``: shipped templates with citizen text, and fuzzed templates."""

import contextlib
import sys
from pathlib import Path

import atheris

with atheris.instrument_imports(enable_loader_override=False):
    from bot.errors import KBError
    from bot.kb.files import load
    from bot.replies.render import KINDS, render
    from bot.x.emulator.text import mentions  # what X reads as an @mention

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = load(ROOT / "faq_kb", ROOT / "responses")[0].templates
KEYS = sorted(TEMPLATES)


def one_input(data: bytes) -> None:
    """Citizen text must never address anyone; a broken template is a KBError, not a crash."""
    fdp = atheris.FuzzedDataProvider(data)
    key = fdp.PickValueInList(KEYS)
    kind = key.split("/", 1)[1]
    citizen = fdp.ConsumeUnicode(120)
    variables = {
        name: citizen if isinstance(value, str) else value for name, value in KINDS[kind].items()
    }
    out = render(TEMPLATES[key], variables)
    assert not mentions(out) or mentions(TEMPLATES[key]), out
    with contextlib.suppress(KBError):
        render(fdp.ConsumeUnicode(200), {"x": citizen})


if __name__ == "__main__":
    atheris.instrument_all()  # the editable install's loader hides imports from instrument_imports
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
