"""twitter-text v3 conformance: the cases X's own library ships, through ``bot.weighted``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from twitter_text import parse_tweet

from bot.weighted import weighted_length

SECTIONS = ("WeightedTweetsWithDiscountedEmojiCounterTest", "UnicodeDirectionalMarkerCounterTest")
RANGES = ("displayRangeStart", "displayRangeEnd", "validRangeStart", "validRangeEnd")


@pytest.fixture(scope="module")
def cases(shared_fixture: Callable[[str], Path]) -> dict[str, list[dict[str, Any]]]:
    """The two v3 sections of validate.yml, which sit under its ``tests`` key."""
    data = yaml.safe_load(shared_fixture("fixtures/twitter-text/validate.yml").read_text("utf-8"))
    return {name: data["tests"][name] for name in SECTIONS}


@pytest.mark.parametrize("section", SECTIONS)
def test_weighted_length_matches_every_case(
    cases: dict[str, list[dict[str, Any]]], section: str
) -> None:
    """bot.weighted.weighted_length gives the weightedLength each conformance case expects."""
    expected = [(c["description"], c["expected"]["weightedLength"]) for c in cases[section]]
    actual = [(c["description"], weighted_length(c["text"])) for c in cases[section]]
    assert expected == actual
    assert len(expected) > 1


@pytest.mark.parametrize("section", SECTIONS)
def test_validity_permillage_and_ranges_match_every_case(
    cases: dict[str, list[dict[str, Any]]], section: str
) -> None:
    """The library under bot.weighted agrees on valid, permillage and the display/valid ranges."""
    fields = ("valid", "permillage", *RANGES)
    expected = [(c["description"], {f: c["expected"][f] for f in fields}) for c in cases[section]]
    actual = []
    for case in cases[section]:
        result = parse_tweet(case["text"])
        actual.append((case["description"], {f: getattr(result, f) for f in fields}))
    assert expected == actual
