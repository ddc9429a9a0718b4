"""`seva kb validate`: the shipped KB passes; each kind of broken entry fails clearly."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.kb import files
from bot.kb.commands import kb
from bot.kb.validate import is_official, validate
from tests.kb.conftest import REPO, small_kb

KBFiles = Callable[[dict[str, Any] | None], tuple[Path, Path]]


def _validate_cli(kb_dir: Path, responses: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        kb, ["validate", "--kb-dir", str(kb_dir), "--responses-dir", str(responses)]
    )
    return result.exit_code, result.output


def test_shipped_knowledge_base_validates() -> None:
    """The repository's faq_kb/ and responses/ pass, with the sizes the issue asks for."""
    code, out = _validate_cli(REPO / "faq_kb", REPO / "responses")
    assert code == 0, out
    data, problems = files.load(REPO / "faq_kb", REPO / "responses")
    assert problems == []
    assert len(data.faqs) >= 30
    assert len(data.directory) >= 20
    assert {"dgft", "dpiit", "dgtr", "sez", "ipr", "fddi", "general"} <= {
        d.id for d in data.departments
    }
    assert any(d.id == "cpgrams" for d in data.directory)


def test_small_kb_validates(kb_files: KBFiles) -> None:
    """The test's own small KB is valid, so each failure below comes from its one edit."""
    code, out = _validate_cli(*kb_files(None))
    assert code == 0, out
    assert "1 FAQ" not in out
    assert "2 FAQ entries" in out
    assert "iec-fee" in out  # listed as unverified


def _broken(edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(small_kb())
    edit(data)
    return data


def _set_template(responses: Path, name: str, text: str) -> None:
    (responses / name).write_text(text, encoding="utf-8")


CASES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "missing source",
        lambda d: d["faq"]["iec"][0].update(source=""),
        "faq [iec-apply]: source is missing",
    ),
    (
        "too few examples",
        lambda d: d["faq"]["iec"][0]["examples"].update(hi=["आईईसी कैसे लें"]),
        "faq [iec-apply]: too few hi examples: 1 (at least 8)",
    ),
    (
        "unknown department",
        lambda d: d["faq"]["iec"][0].update(department="customs"),
        "faq [iec-apply]: unknown department 'customs'",
    ),
    (
        "verified without an official source",
        lambda d: d["faq"]["iec"][1].update(verified=True),
        "faq [iec-fee]: verified: true needs an official source",
    ),
    (
        "a field missing",
        lambda d: d["faq"]["iec"][0].pop("reviewed"),
        "iec.yml [iec-apply] reviewed: Field required",
    ),
    (
        "one example training two intents",
        lambda d: d["faq"]["iec"][1]["examples"]["en"].__setitem__(
            0, "How do I apply IEC number 0?"
        ),
        "example 'How do I apply IEC number 0?' also trains 'iec-apply'",
    ),
    (
        "Hindi example not in Devanagari",
        lambda d: d["faq"]["iec"][0]["examples"]["hi"].__setitem__(0, "iec kaise milega"),
        "hi example 'iec kaise milega' is not in Devanagari",
    ),
    (
        "directory contact verified from a blog",
        lambda d: d["directory"][1].update(verified=True),
        "directory [epfo]: verified: true needs an official source",
    ),
    (
        "an answer that @mentions",
        lambda d: d["faq"]["iec"][0]["answer"].update(en="Ask @DGFT for help."),
        "answer.en @mentions someone",
    ),
    ("no general department", lambda d: d["departments"].pop(), "the 'general' department"),
]


@pytest.mark.parametrize(("label", "edit", "message"), CASES, ids=[c[0] for c in CASES])
def test_each_kind_of_broken_entry_fails_with_a_clear_message(
    kb_files: KBFiles, label: str, edit: Callable[[dict[str, Any]], None], message: str
) -> None:
    """The validator exits 1 and names the entry and what is wrong with it."""
    del label
    code, out = _validate_cli(*kb_files(_broken(edit)))
    assert code == 1
    assert message in out


def test_a_template_over_the_limit_fails(kb_files: KBFiles) -> None:
    """A template that renders past one post is refused, with its length."""
    kb_dir, responses = kb_files(None)
    _set_template(
        responses, "en/ack.j2", "Docket {{ docket }}. " + "Thank you for writing to us. " * 10
    )
    code, out = _validate_cli(kb_dir, responses)
    assert code == 1
    assert "responses/en/ack.j2: renders to" in out
    assert "over the limit" in out


def test_a_template_with_an_unknown_variable_fails(kb_files: KBFiles) -> None:
    """A misspelt variable is an error, not an empty gap in a public reply."""
    kb_dir, responses = kb_files(None)
    _set_template(responses, "hi/ack.j2", "डॉकेट {{ dockett }}")
    code, out = _validate_cli(kb_dir, responses)
    assert code == 1
    assert "responses/hi/ack.j2" in out
    assert "dockett" in out


def test_a_missing_template_fails(kb_files: KBFiles) -> None:
    """Every reply kind needs English and Hindi."""
    kb_dir, responses = kb_files(None)
    (responses / "hi" / "interim.j2").unlink()
    code, out = _validate_cli(kb_dir, responses)
    assert code == 1
    assert "responses/hi/interim.j2: template is missing" in out


def test_official_domains() -> None:
    """gov.in, nic.in and the body's own domain count; look-alikes do not."""
    assert is_official("https://www.dgft.gov.in/CP/", [])
    assert is_official("https://sezindia.nic.in/", [])
    assert is_official("https://www.fddiindia.com/admission", ["fddiindia.com"])
    assert not is_official("https://dgft.gov.in.example.com/", [])
    assert not is_official("https://notgov.in/", [])
    assert not is_official("https://www.indiafilings.com/iec", ["dgft.gov.in"])
    assert not is_official("dgft.gov.in", [])  # a source must be a page address


def test_validate_reports_every_problem_at_once(kb_files: KBFiles) -> None:
    """Two broken entries give two problems in one run, so an admin fixes them in one pass."""

    def edit(d: dict[str, Any]) -> None:
        d["faq"]["iec"][0]["source"] = ""
        d["faq"]["iec"][1]["department"] = "nowhere"

    data, problems = files.load(*kb_files(_broken(edit)))
    problems += validate(data)
    assert len(problems) == 2
