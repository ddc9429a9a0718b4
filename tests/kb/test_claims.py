"""The detector of statements that need an official source, in English, Hindi and Hinglish."""

from __future__ import annotations

import pytest

from bot.kb.claims import ClaimKind, claims


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("The fee is Rs 500 per application.", ClaimKind.AMOUNT),
        ("आवेदन शुल्क ₹५०० है।", ClaimKind.AMOUNT),
        ("turnover 100 crore tak hona chahiye", ClaimKind.AMOUNT),
        ("Recognition is free of cost.", ClaimKind.FEE),
        ("मान्यता निःशुल्क है।", ClaimKind.FEE),
        ("IEC banwana muft hai", ClaimKind.FEE),
        ("Update it between April and June.", ClaimKind.DATE),
        ("अप्रैल से जून के बीच अपडेट करें।", ClaimKind.DATE),
        ("Apply before the deadline.", ClaimKind.DATE),
        ("A patent lasts 20 years.", ClaimKind.DURATION),
        ("पेटेंट २० वर्ष तक चलता है।", ClaimKind.DURATION),
        ("IEC har saal update karna hota hai", ClaimKind.DURATION),
        ("Entities up to ten years old qualify.", ClaimKind.LIMIT),
        ("कारोबार सौ करोड़ से कम होना चाहिए", ClaimKind.LIMIT),
        ("company das saal se kam purani ho", ClaimKind.LIMIT),
        ("Call the helpline 1915 for help.", ClaimKind.CONTACT),
        ("Write to help@dgft.gov.in for help.", ClaimKind.CONTACT),
        ("It is a 10-character number.", ClaimKind.NUMBER),
    ],
)
def test_each_kind_of_statement_is_found(text: str, kind: ClaimKind) -> None:
    """Amounts, fees, dates, durations, limits, contacts and bare numbers, in three languages."""
    assert kind in {c.kind for c in claims(text)}


@pytest.mark.parametrize(
    "text",
    [
        "To get an IEC: 1) register on dgft.gov.in; 2) fill in the form; 3) sign it.",
        "आईईसी के लिए: 1) dgft.gov.in पर पंजीकरण करें; 2) फॉर्म भरें।",
        "The IEC may be de-activated if it is not updated. See dgft.gov.in.",
        "SEZ units get duty and tax concessions; the list is on sezindia.nic.in.",
    ],
)
def test_numbered_steps_and_plain_guidance_are_not_claims(text: str) -> None:
    """Step numbers, 'may' and site names state nothing that could be wrong in figures."""
    assert [] == claims(text)
