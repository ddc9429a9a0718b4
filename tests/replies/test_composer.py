"""The composer: sourced contacts only, no echoed personal data, unique text per citizen."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.kb.source import FileKB
from bot.replies.composer import ReplyComposer, reference
from bot.replies.render import defuse, render
from bot.settings import Settings
from bot.weighted import MAX_WEIGHTED, weighted_length
from bot.x.models import Post
from tests.conftest import ROOT
from tests.kb.conftest import small_kb, write_kb


def _post(
    post_id: str = "1800000000000000001", text: str = "@MoCI_Seva how do I apply for IEC?"
) -> Post:
    return Post(
        id=post_id,
        author_id="42",
        author_handle="citizen",
        text=text,
        lang="en",
        created_at=datetime(2026, 11, 24, tzinfo=UTC),
        conversation_id=post_id,
    )


def _composer(tmp_path: Path, data: dict[str, Any] | None = None) -> ReplyComposer:
    kb = FileKB(*write_kb(tmp_path, data or small_kb()))
    return ReplyComposer(kb, timezone=Settings().reply_timezone)


async def test_faq_answer_in_each_language(tmp_path: Path) -> None:
    """English, Hindi and Hinglish each get their own answer."""
    composer = _composer(tmp_path)
    en = await composer.compose("faq", "en", _post(), {"faq_id": "iec-apply"})
    hi = await composer.compose("faq", "hi", _post(), {"faq_id": "iec-apply"})
    hinglish = await composer.compose("faq", "hinglish", _post(), {"faq_id": "iec-apply"})
    assert en[0].startswith("Apply online at dgft.gov.in with your PAN.")
    assert hi[0].startswith("dgft.gov.in पर पैन के साथ ऑनलाइन आवेदन करें।")
    assert hinglish[0].startswith("PAN ke saath dgft.gov.in par online apply karein.")


async def test_two_citizens_never_get_identical_text(tmp_path: Path) -> None:
    """The same answer to two posts differs by the reference, and a retry is identical."""
    composer = _composer(tmp_path)
    first = await composer.compose(
        "faq", "en", _post("1800000000000000001"), {"faq_id": "iec-apply"}
    )
    second = await composer.compose(
        "faq", "en", _post("1800000000000000002"), {"faq_id": "iec-apply"}
    )
    retry = await composer.compose(
        "faq", "en", _post("1800000000000000001"), {"faq_id": "iec-apply"}
    )
    assert first != second
    assert first == retry
    assert first[0].endswith(f"Ref {reference('1800000000000000001')}")
    refs = {reference(str(1800000000000000000 + i)) for i in range(20_000)}
    assert len(refs) == 20_000


async def test_verified_referral_gives_the_contact(tmp_path: Path) -> None:
    """A verified directory entry's e-mail, phone and portal are posted."""
    parts = await _composer(tmp_path).compose("referral", "en", _post(), {"body_id": "railways"})
    text = " ".join(parts)
    assert "grievance@rail.example.gov.in" in text
    assert "139" in text
    assert "railmadad.indianrailways.gov.in" in text
    assert "pgportal.gov.in" in text


async def test_unverified_referral_never_posts_the_contact(tmp_path: Path) -> None:
    """An unverified entry's e-mail and phone stay out; the official site and CPGRAMS go in."""
    for lang in ("en", "hi"):
        parts = await _composer(tmp_path).compose("referral", lang, _post(), {"body_id": "epfo"})
        text = " ".join(parts)
        assert "unsourced@example.com" not in text
        assert "1800-000-0000" not in text
        assert "epfindia.gov.in" in text
        assert "pgportal.gov.in" in text


async def test_personal_data_from_the_post_is_never_echoed(tmp_path: Path) -> None:
    """If the answer would repeat the citizen's phone or PAN, it is removed from the reply."""
    data = copy.deepcopy(small_kb())
    data["faq"]["iec"][0]["answer"]["en"] = (
        "Write to us from 9876543210 with PAN ABCPE1234F at dgft.gov.in."
    )
    post = _post(text="@MoCI_Seva my number is 98765 43210 and PAN abcpe1234f, IEC help?")
    parts = await _composer(tmp_path, data).compose("faq", "en", post, {"faq_id": "iec-apply"})
    text = " ".join(parts)
    assert "9876543210" not in text
    assert "ABCPE1234F" not in text
    assert "[phone removed]" in text
    assert "[pan removed]" in text


async def test_official_contact_is_allowed_even_if_the_citizen_typed_it(tmp_path: Path) -> None:
    """The directory's own helpline stays in a referral even when the citizen quoted it."""
    data = copy.deepcopy(small_kb())
    data["directory"][0]["phone"] = "9876543210"
    post = _post(text="@MoCI_Seva called 9876543210 about my train refund, nobody answers")
    parts = await _composer(tmp_path, data).compose("referral", "en", post, {"body_id": "railways"})
    assert "9876543210" in " ".join(parts)


async def test_long_answer_becomes_a_numbered_thread_within_limits(tmp_path: Path) -> None:
    """An answer over 280 weighted characters is threaded; each part fits and carries the ref."""
    data = copy.deepcopy(small_kb())
    data["faq"]["iec"][0]["answer"]["hi"] = "आईईसी के लिए dgft.gov.in पर पैन से ऑनलाइन आवेदन करें। " * 9
    parts = await _composer(tmp_path, data).compose("faq", "hi", _post(), {"faq_id": "iec-apply"})
    assert len(parts) >= 2
    ref = reference(_post().id)
    for i, part in enumerate(parts, 1):
        assert part.startswith(f"{i}/{len(parts)} ")
        assert part.endswith(f"Ref {ref}")
        assert weighted_length(part) <= MAX_WEIGHTED


async def test_ack_and_status_carry_docket_department_and_due_time(tmp_path: Path) -> None:
    """The acknowledgement names the docket, the department and the due time in IST."""
    composer = _composer(tmp_path)
    variables = {
        "docket": "MOCI-2026-000123",
        "due_at": "2026-11-26T09:00:00+00:00",
        "dept": "dgft",
        "state": "claimed",
    }
    ack = (await composer.compose("ack", "en", _post(), variables))[0]
    assert "MOCI-2026-000123" in ack
    assert "DGFT" in ack
    assert "26 Nov 2026, 14:30 IST" in ack
    status_hi = (await composer.compose("status", "hi", _post(), variables))[0]
    assert "अधिकारी के पास" in status_hi
    assert "MOCI-2026-000123" in status_hi


@pytest.mark.parametrize(
    "hostile", ["{{ 7*7 }}", "{% for x in range(10**9) %}x{% endfor %}", "{{ ''.__class__ }}"]
)
def test_values_are_never_interpreted_as_templates(hostile: str) -> None:
    """Text inside a value prints as written; it is not rendered."""
    assert render("Answer: {{ answer }}", {"answer": hostile}) == f"Answer: {hostile}"


def test_values_cannot_mention_anyone() -> None:
    """An @handle inside a value is defused, so the bot never addresses a third party."""
    text = render("{{ answer }}", {"answer": "Ask @someone or mail help@dgft.gov.in"})
    assert "@someone" not in text
    assert "help@dgft.gov.in" in text
    assert defuse("@a") != "@a"


async def test_an_unverified_answer_says_where_to_confirm_it(tmp_path: Path) -> None:
    """An FAQ entry not checked on an official page carries 'confirm on <site>'; a verified one does not."""
    composer = _composer(tmp_path)
    unverified = " ".join(await composer.compose("faq", "en", _post(), {"faq_id": "iec-fee"}))
    verified = " ".join(await composer.compose("faq", "en", _post(), {"faq_id": "iec-apply"}))
    assert "Please confirm on dgft.gov.in." in unverified
    assert "confirm" not in verified
    hindi = " ".join(await composer.compose("faq", "hi", _post(), {"faq_id": "iec-fee"}))
    assert "कृपया dgft.gov.in पर पुष्टि करें।" in hindi


async def test_the_ministry_s_site_cpgrams_and_state_words_come_from_the_kb(
    tmp_path: Path,
) -> None:
    """Change the desk department's domain and CPGRAMS's entry in the KB files, and the
    replies say so; a Hinglish status names the state in Hinglish (its template's words)."""
    data = copy.deepcopy(small_kb())
    data["departments"][-1]["domains"] = ["ministry.example.gov.in"]
    data["directory"][-1]["web"] = "grievances.example.gov.in"
    composer = _composer(tmp_path, data)
    clarify = " ".join(await composer.compose("clarify", "en", _post(), {}))
    assert ("ministry.example.gov.in", "grievances.example.gov.in") == tuple(
        site for site in ("ministry.example.gov.in", "grievances.example.gov.in") if site in clarify
    )
    assert "commerce.gov.in" not in clarify
    variables = {"docket": "MOCI-2026-000123", "dept": "dgft", "state": "claimed"}
    status = " ".join(await composer.compose("status", "hinglish", _post(), variables))
    assert "officer ke paas" in status


@pytest.mark.parametrize(
    ("lang", "docket_word"), [("en", "(docket "), ("hi", "(डॉकेट "), ("hinglish", "(docket ")]
)
async def test_an_officer_answer_is_framed_in_the_citizen_s_language(
    tmp_path: Path, lang: str, docket_word: str
) -> None:
    """The `answer` template frames the officer's words; a second answer to one post has its
    own reference, so X never sees the same text twice."""
    composer = _composer(tmp_path)
    words = {"answer": "आपका आईईसी सक्रिय है।", "docket": "MOCI-2026-000123"}
    first = await composer.compose("answer", lang, _post(), words | {"ref": "MOCI-2026-000123:1"})
    again = await composer.compose("answer", lang, _post(), words | {"ref": "MOCI-2026-000123:2"})
    assert f"{docket_word}MOCI-2026-000123)" in first[0]
    assert first[0].startswith("आपका आईईसी सक्रिय है।")
    assert first != again


async def test_a_post_in_another_script_is_acknowledged_in_english_and_hindi() -> None:
    """The shipped KB's acknowledgement for a Tamil or Urdu post carries both languages,
    the docket and the due time, in one post; Hinglish posts get a Hinglish referral."""
    composer = ReplyComposer(FileKB(ROOT / "faq_kb", ROOT / "responses"), timezone="Asia/Kolkata")
    variables = {
        "docket": "MOCI-2026-000123",
        "due_at": "2026-11-26T09:00:00+00:00",
        "dept": "dgft",
    }
    for lang in ("ta", "ur"):
        [ack] = await composer.compose("ack", lang, _post(), variables)
        assert "officer will reply" in ack
        assert "अधिकारी" in ack
        assert "MOCI-2026-000123" in ack
        assert "26 Nov 2026, 14:30 IST" in ack
        assert weighted_length(ack) <= MAX_WEIGHTED
    [referral] = await composer.compose("referral", "hinglish", _post(), {"body_id": "epfo"})
    assert "ka hai, Commerce Ministry ka nahi" in referral
