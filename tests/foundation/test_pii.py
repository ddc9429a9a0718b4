"""The one definition of personal data."""

from __future__ import annotations

import pytest

from bot import pii
from bot.pii import PIIKind

VALID_AADHAAR = "234567890124"  # passes Verhoeff (checked below)


def test_verhoeff_accepts_valid_and_rejects_altered_number():
    """The Aadhaar check digit is verified with Verhoeff's algorithm."""
    assert pii.verhoeff_ok(VALID_AADHAAR)
    assert not pii.verhoeff_ok("234567890125")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("my aadhaar is 2345 6789 0124", PIIKind.AADHAAR),
        ("aadhaar 2345-6789-0124 pls", PIIKind.AADHAAR),
        ("PAN ABCPE1234F", PIIKind.PAN),
        ("my IEC is AAACR5055K", PIIKind.PAN),
        ("GSTIN 27ABCPE1234F1Z5 blocked", PIIKind.GSTIN),
        ("call me on +91 98765 43210", PIIKind.PHONE),
        ("call 09876543210", PIIKind.PHONE),
        ("office 011-23062487", PIIKind.PHONE),
        ("write to ram.k+x@example.co.in", PIIKind.EMAIL),
    ],
)
def test_each_kind_is_found(text, kind):
    """Every kind of personal data is recognised in ordinary tweet text."""
    assert {kind} == pii.kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "post 1987654321098765432 is mine",
        "docket MOCI-2026-000123 status?",
        "reply to 1234567890123456789",
        "2026-11-24T00:19:04Z",
        "IEC fee is Rs 500",
    ],
)
def test_post_ids_dockets_and_dates_are_not_personal_data(text):
    """Post ids, dockets and timestamps never match, so logs keep them."""
    assert [] == pii.find(text)


def test_mask_hides_values_but_keeps_the_rest():
    """Masking replaces each value and leaves surrounding text intact."""
    masked = pii.mask("aadhaar 2345 6789 0124, phone 9812345670, post 1987654321098765432")
    assert "2345 6789 0124" not in masked
    assert "9812345670" not in masked
    assert "post 1987654321098765432" in masked


def test_echoes_flags_only_the_citizens_own_data():
    """A reply may carry a directory contact but not the citizen's number in any format."""
    citizen = "my number is +91 98765 43210, please call"
    reply = "Call the grievance cell on 011-23062487 or us at 98765-43210"
    echoed = pii.echoes(reply, citizen)
    assert [PIIKind.PHONE] == [m.kind for m in echoed]
    assert "98765-43210" == echoed[0].value
