"""A small, valid knowledge base written to a temporary folder, to break in tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def _examples(stem: str) -> dict[str, list[str]]:
    return {
        "en": [f"how do i {stem} number {i}" for i in range(8)],
        "hi": [f"{stem} कैसे करें संख्या {i}" for i in range(8)],
        "hinglish": [f"{stem} kaise kare number {i}" for i in range(8)],
    }


def small_kb() -> dict[str, Any]:
    """The raw data of a minimal knowledge base that validates."""
    return {
        "faq": {
            "iec": [
                {
                    "id": "iec-apply",
                    "topic": "Applying for an IEC",
                    "department": "dgft",
                    "examples": _examples("apply iec"),
                    "answer": {
                        "en": "Apply online at dgft.gov.in with your PAN.",
                        "hi": "dgft.gov.in पर पैन के साथ ऑनलाइन आवेदन करें।",
                        "hinglish": "PAN ke saath dgft.gov.in par online apply karein.",
                    },
                    "source": "https://www.dgft.gov.in/CP/?opt=iec",
                    "reviewed": "2026-11-24",
                    "verified": True,
                    "reviewed_by": "test-reviewer",
                    "review_due": "2099-01-01",
                    "evidence": "Apply for IEC online with your PAN.",
                },
                {
                    "id": "iec-fee",
                    "topic": "The IEC fee",
                    "department": "dgft",
                    "examples": _examples("pay iec fee"),
                    "answer": {
                        "en": "See dgft.gov.in for the current fee.",
                        "hi": "वर्तमान शुल्क के लिए dgft.gov.in देखें।",
                        "hinglish": "Current fees ke liye dgft.gov.in dekhein.",
                    },
                    "source": "https://example.com/iec-fee",
                    "reviewed": "2026-11-24",
                    "verified": False,
                    "reviewed_by": "test-reviewer",
                    "review_due": "2099-01-01",
                },
            ]
        },
        "directory": [
            {
                "id": "railways",
                "name": {"en": "Ministry of Railways", "hi": "रेल मंत्रालय"},
                "aliases": {"en": ["train", "railway"], "hi": ["रेल"], "hinglish": ["train ticket"]},
                "email": "grievance@rail.example.gov.in",
                "phone": "139",
                "web": "indianrailways.gov.in",
                "portal": "railmadad.indianrailways.gov.in",
                "source": "https://railmadad.indianrailways.gov.in/",
                "reviewed": "2026-11-24",
                "verified": True,
                "reviewed_by": "test-reviewer",
                "review_due": "2099-01-01",
                "evidence": "Rail Madad: 139, grievance@rail.example.gov.in.",
                "portal_verified": True,
            },
            {
                "id": "epfo",
                "name": {"en": "EPFO", "hi": "ईपीएफओ"},
                "email": "unsourced@example.com",
                "phone": "1800-000-0000",
                "web": "epfindia.gov.in",
                "source": "https://example.com/epfo",
                "reviewed": "2026-11-24",
                "verified": False,
                "reviewed_by": "test-reviewer",
                "review_due": "2099-01-01",
            },
            {
                "id": "cpgrams",
                "name": {"en": "CPGRAMS", "hi": "सीपीग्राम्स"},
                "web": "pgportal.gov.in",
                "source": "https://pgportal.gov.in/",
                "reviewed": "2026-11-24",
                "verified": False,
                "reviewed_by": "test-reviewer",
                "review_due": "2099-01-01",
            },
        ],
        "departments": [
            {
                "id": "dgft",
                "name": {"en": "DGFT", "hi": "डीजीएफटी"},
                "aliases": {"en": ["iec"]},
                "domains": ["dgft.gov.in"],
            },
            {
                "id": "general",
                "name": {"en": "Social media cell", "hi": "सोशल मीडिया प्रकोष्ठ"},
                "aliases": {"en": ["other"]},
                "domains": [
                    "commerce.gov.in"
                ],  # the ministry's own site: every reply's last resort
            },
        ],
    }


def write_kb(root: Path, data: dict[str, Any]) -> tuple[Path, Path]:
    """Write raw KB data as files under ``root``; templates are the repository's own."""
    kb_dir = root / "faq_kb"
    (kb_dir / "faq").mkdir(parents=True, exist_ok=True)
    for group, entries in data["faq"].items():
        (kb_dir / "faq" / f"{group}.yml").write_text(
            yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8"
        )
    for name in ("directory", "departments"):
        (kb_dir / f"{name}.yml").write_text(
            yaml.safe_dump(data[name], allow_unicode=True), encoding="utf-8"
        )
    responses = root / "responses"
    for path in (REPO / "responses").glob("*/*.j2"):
        target = responses / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return kb_dir, responses


@pytest.fixture
def kb_files(tmp_path: Path) -> Callable[[dict[str, Any] | None], tuple[Path, Path]]:
    """Write a (possibly edited) small KB and return its (kb_dir, responses_dir)."""

    def make(data: dict[str, Any] | None = None) -> tuple[Path, Path]:
        return write_kb(tmp_path, data or small_kb())

    return make
