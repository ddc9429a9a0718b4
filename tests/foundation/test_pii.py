"""The one definition of personal data."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

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


# --- the forms an outside probe found missing (issue 14) -----------------------------------
# Zero of each of the Indian digit scripts: Devanagari, Bengali, Gurmukhi, Gujarati, Odia,
# Tamil, Telugu, Kannada, Malayalam.
INDIAN_ZEROS = (0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66)
PHONE = "9876543210"


def _in_script(digits: str, zero: int) -> str:
    return "".join(chr(zero + int(d)) if d.isdigit() else d for d in digits)


@pytest.mark.parametrize(
    ("text", "kind", "normalised"),
    [
        ("aadhaar 1234.5678.9012 pls", PIIKind.AADHAAR, "123456789012"),
        ("aadhaar 2345.6789.0124", PIIKind.AADHAAR, VALID_AADHAAR),
        ("मेरा आधार २३४५ ६७८९ ०१२४ है", PIIKind.AADHAAR, VALID_AADHAAR),
        ("मेरा नंबर ९८७६५४३२१० है", PIIKind.PHONE, PHONE),
        ("call 98 76 54 32 10", PIIKind.PHONE, PHONE),
        ("call +91 98 76 54 32 10 now", PIIKind.PHONE, PHONE),
        ("call 987 654 3210", PIIKind.PHONE, PHONE),
        ("ram.k at gmail dot com", PIIKind.EMAIL, "ram.k@gmail.com"),
        ("ram.k [at] gmail [dot] com", PIIKind.EMAIL, "ram.k@gmail.com"),
        ("ram.k(at)gmail(dot)com", PIIKind.EMAIL, "ram.k@gmail.com"),
        ("ram.k AT gmail DOT co DOT in", PIIKind.EMAIL, "ram.k@gmail.co.in"),
        ("ram.k at gmail.com", PIIKind.EMAIL, "ram.k@gmail.com"),
    ],
)
def test_the_forms_the_probe_found_are_personal_data(text, kind, normalised):
    """Dots in an Aadhaar, Devanagari digits, spaced pairs and a spelled-out e-mail are found."""
    [found] = pii.find(text)
    assert (kind, normalised) == (found.kind, found.normalised)
    assert found.value == text[found.start : found.end]


@pytest.mark.parametrize("zero", INDIAN_ZEROS)
def test_every_indian_digit_script_is_read_as_digits(zero):
    """A phone number and an Aadhaar in each Indian script are found and compare as ASCII."""
    text = f"{_in_script(PHONE, zero)} / {_in_script('2345 6789 0124', zero)}"
    assert [(PIIKind.PHONE, PHONE), (PIIKind.AADHAAR, VALID_AADHAAR)] == [
        (m.kind, m.normalised) for m in pii.find(text)
    ]
    masked = pii.mask(f"call {text}")
    assert "call [phone:…10] / [aadhaar:…24]" == masked


@pytest.mark.parametrize(
    "text",
    [
        "look at point 3 dot 2 of the notice",  # no domain ending, no e-mail
        "I applied at dgft.gov.in yesterday",  # a site named in a sentence, not an address
        "version 1.2.3 of the app",
        "server 192.168.100.200 timed out",
        "fee Rs 1,500 paid on 24.11.2026",
        "items 10 20 30 40 50",
        "docket MOCI-2026-000123 and post 1987654321098765432",
        "११ बजे से पोर्टल बंद है",  # "portal down since 11 o'clock"
    ],
)
def test_look_alikes_are_not_personal_data(text):
    """Sites, versions, addresses, dates, amounts and short numbers in any script stay."""
    assert [] == pii.find(text)


def test_an_echo_is_caught_across_scripts_and_spellings():
    """The citizen's Devanagari number or spelled e-mail, repeated in another form, is an echo."""
    citizen = "मेरा नंबर ९८७६५४३२१० और ईमेल ram.k at gmail dot com"
    reply = "We called 98 76 54 32 10 and wrote to Ram.K@gmail.com"
    assert [PIIKind.PHONE, PIIKind.EMAIL] == [m.kind for m in pii.echoes(reply, citizen)]


# --- property tests over the spellings --------------------------------------------------------
_SEPARATORS = st.sampled_from([" ", "-", ".", ""])
_SCRIPTS = st.sampled_from([0x30, *INDIAN_ZEROS])  # 0x30 is ASCII "0"


def _groups(digits: str, sizes: list[int]) -> list[str]:
    out, pos = [], 0
    for size in sizes:
        out.append(digits[pos : pos + size])
        pos += size
    return [g for g in out if g]


@st.composite
def _spaced(draw: st.DrawFn, digits: str, largest: int = 5) -> str:
    """``digits`` cut into groups of 2 to ``largest`` digits, one separator, one script."""
    sizes: list[int] = []
    while sum(sizes) < len(digits):
        sizes.append(draw(st.integers(2, largest)))
    sizes[-1] -= sum(sizes) - len(digits)
    if sizes[-1] < 2:  # a lone last digit joins the previous group ...
        sizes.pop()
        if sizes[-1] < largest:
            sizes[-1] += 1
        else:  # ... or takes one digit from it
            sizes[-1] -= 1
            sizes.append(2)
    sep = draw(_SEPARATORS)
    return _in_script(sep.join(_groups(digits, sizes)), draw(_SCRIPTS))


_MOBILES = st.from_regex(r"\A[6-9][0-9]{9}\Z")
_CONTEXT = st.sampled_from(["call {} pls", "{}", "मेरा नंबर {} है", "num: {}.", "({})"])


@given(number=_MOBILES, data=st.data(), prefix=st.sampled_from(["", "+91 ", "+91-", "0"]))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_any_spelling_of_a_mobile_number_is_found(number, data, prefix):
    """A mobile number in any script, grouped any way with any one separator, is a phone."""
    spelled = prefix + data.draw(_spaced(number))
    text = data.draw(_CONTEXT).format(spelled)
    found = pii.find(text)
    assert [(PIIKind.PHONE, number)] == [(m.kind, m.normalised) for m in found]
    assert spelled == found[0].value
    assert number not in pii.ascii_digits(pii.mask(text))


@given(number=st.from_regex(r"\A[2-9][0-9]{11}\Z"), data=st.data())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_any_spelling_of_an_aadhaar_number_is_found(number, data):
    """An Aadhaar in any script, in 4-4-4 or other groups of 2-4 with one separator, is found."""
    assume(not number.startswith("91"))  # "91 98765 43210" is a phone number with its code
    if data.draw(st.booleans()):
        sep = data.draw(_SEPARATORS)
        spelled = _in_script(sep.join(_groups(number, [4, 4, 4])), data.draw(_SCRIPTS))
    else:
        spelled = data.draw(_spaced(number, largest=4))
    text = data.draw(_CONTEXT).format(spelled)
    assert [(PIIKind.AADHAAR, number)] == [(m.kind, m.normalised) for m in pii.find(text)]


_LOCAL = st.from_regex(r"\A[a-z][a-z0-9._]{0,10}[a-z0-9]\Z")
_DOMAIN = st.sampled_from(["gmail", "yahoo", "rediffmail", "example", "nic"])
_TLD = st.sampled_from([["com"], ["in"], ["co", "in"], ["gov", "in"], ["org"]])
_AT = st.sampled_from([" at ", " AT ", "[at]", " [at] ", "(at)", " (at) ", "{at}", " @ ", "@"])
_DOT = st.sampled_from([" dot ", " DOT ", "[dot]", " [dot] ", "(dot)", " (dot) ", "."])


@given(local=_LOCAL, domain=_DOMAIN, tld=_TLD, at=_AT, data=st.data())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_any_spelling_of_an_email_address_is_found(local, domain, tld, at, data):
    """``name at gmail dot com``, ``name [at] gmail [dot] com`` and mixes are one e-mail."""
    labels = [domain, *tld]
    dots = [data.draw(_DOT) for _ in labels[1:]]
    if at.strip() == "at" and all(d == "." for d in dots) and domain not in pii.WEBMAIL:
        dots[0] = " dot "  # "name at example.com" is a sentence; the webmail ones are e-mails
    spelled = (
        local + at + labels[0] + "".join(d + lab for d, lab in zip(dots, labels[1:], strict=True))
    )
    text = data.draw(_CONTEXT).format(spelled)
    found = pii.find(text)
    assert [(PIIKind.EMAIL, f"{local}@{'.'.join(labels)}")] == [
        (m.kind, m.normalised) for m in found
    ]
    assert "[email]" in pii.mask(text)
