"""Deterministic entities from the KB: bodies, departments, dockets, personal-data kinds."""

from __future__ import annotations

from pathlib import Path

from bot.kb import files
from bot.kb.schema import KnowledgeBase
from bot.nlu.entities import EntityFinder
from tests.kb.conftest import small_kb, write_kb


def _finder(tmp_path: Path) -> EntityFinder:
    kb, problems = files.load(*write_kb(tmp_path, small_kb()))
    assert problems == []
    return EntityFinder(kb, "MOCI")


def test_bodies_and_departments_in_three_languages(tmp_path: Path) -> None:
    """Aliases match case-insensitively in English, Devanagari and Hinglish."""
    finder = _finder(tmp_path)
    assert finder.find("My TRAIN ticket refund is stuck").bodies == ("railways",)
    assert finder.find("रेल टिकट का पैसा वापस नहीं मिला").bodies == ("railways",)
    assert finder.find("train ticket cancel karna hai").bodies == ("railways",)
    assert finder.find("my IEC is pending").depts == ("dgft",)
    assert finder.find("hello there").bodies == ()


def test_dockets_are_normalised(tmp_path: Path) -> None:
    """'moci 2026 000123' and 'MOCI-2026-000123' are the same docket."""
    finder = _finder(tmp_path)
    assert finder.find("status MOCI-2026-000123 please").dockets == ("MOCI-2026-000123",)
    assert finder.find("status of moci 2026 000123?").dockets == ("MOCI-2026-000123",)
    assert finder.find("order 2026000123").dockets == ()


def test_personal_data_kinds_are_flagged_not_kept(tmp_path: Path) -> None:
    """Aadhaar (with a valid checksum) and phone numbers are reported by kind only."""
    found = _finder(tmp_path).find("my aadhaar 2345 6789 0124 and phone 9876543210")
    assert "phone" in found.pii
    assert all("9876543210" not in str(v) for v in (found.pii, found.bodies, found.depts))


def test_acronyms_that_are_everyday_hindi_words_match_only_in_capitals(
    shipped_kb: KnowledgeBase,
) -> None:
    """ "2 din se" (for two days) is not MCA's DIN; "my DIN" still is."""
    finder = EntityFinder(shipped_kb, "MOCI")
    assert finder.find("DGFT portal 2 din se band hai").bodies == ()
    assert finder.find("my DIN is deactivated").bodies == ("mca",)
    assert finder.find("dgft portal down hai").depts == ("dgft",)  # other acronyms: any case


def test_english_loanwords_in_other_scripts_name_their_department(
    shipped_kb: KnowledgeBase,
) -> None:
    """ "ಟ್ರೇಡ್‌ಮಾರ್ಕ್" (Kannada), "పేటెంట్" (Telugu) and "পেটেন্ট" (Bengali) are the IPR
    Cell's trademark and patent: their skeletons are the aliases'. A word of those scripts
    that spells no alias names nothing, and Devanagari is left to the aliases."""
    finder = EntityFinder(shipped_kb, "MOCI")
    assert finder.find("ಟ್ರೇಡ್‌ಮಾರ್ಕ್ ಅರ್ಜಿಯ ಶುಲ್ಕ ಕಡಿತವಾಯಿತು").depts == ("ipr",)
    assert finder.find("నా పేటెంట్ దరఖాస్తు పెండింగ్‌లో ఉంది").depts == ("ipr",)
    assert finder.find("আমার পেটেন্ট আবেদনের পরীক্ষা হয়নি").depts == ("ipr",)
    assert finder.find("எனக்கு உதவி வேண்டும்").depts == ()
