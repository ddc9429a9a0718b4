"""Fuzz ``bot.kb.files`` and ``bot.kb.schema``: any YAML file loads or is named as a problem."""

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(enable_loader_override=False):
    from bot.kb.files import load

WORK = Path(tempfile.mkdtemp(prefix="seva-fuzz-kb-"))
(WORK / "kb" / "faq").mkdir(parents=True)
(WORK / "responses" / "en").mkdir(parents=True)
(WORK / "responses" / "en" / "ack.j2").write_text("Ref {{ docket }}", encoding="utf-8")
FILES = ["faq/fuzz.yml", "directory.yml", "departments.yml"]


def one_input(data: bytes) -> None:
    """Write fuzzed bytes as one KB file; load() must return problems, never raise."""
    fdp = atheris.FuzzedDataProvider(data)
    target = fdp.PickValueInList(FILES)
    body = fdp.ConsumeBytes(fdp.remaining_bytes())
    for name in FILES:
        (WORK / "kb" / name).write_bytes(body if name == target else b"")
    kb, problems = load(WORK / "kb", WORK / "responses")
    assert all(str(p) for p in problems)
    assert kb.templates


if __name__ == "__main__":
    atheris.instrument_all()  # the editable install's loader hides imports from instrument_imports
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
