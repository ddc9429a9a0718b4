"""The threader: every post fits X's limit, nothing is lost, nothing protected is cut."""

from __future__ import annotations

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.replies.thread import _protected_spans, chunks, decorate, thread
from bot.weighted import MAX_WEIGHTED, weighted_length

# Words of the kinds an answer is made of: English, Devanagari (with conjuncts and
# matras), numbers with separators, URLs, short domains, dockets and long runs.
_WORDS = st.one_of(
    st.sampled_from(
        [
            "Apply",
            "online",
            "at",
            "the",
            "DGFT",
            "portal.",
            "fee",
            "is",
            "Rs.",
            "500,",
            "and",
            "प्रमाणपत्र",
            "क्षेत्र",
            "आवेदन",
            "करें।",
            "स्टार्टअप",
            "निर्यात-आयात",
            "कोड",
            "श्रीमान्",
            "dgft.gov.in",
            "https://www.dgft.gov.in/CP/?opt=iec-apply",
            "MOCI-2026-000123",
            "1,00,000",
            "3.5",
            "2026-27",
            "10",
            "digits",
            "e.g.",
            "(IEC)",
            "—",
            "?",
            "!",
        ]
    ),
    st.from_regex(r"[a-z]{1,12}", fullmatch=True),
    st.from_regex(
        r"[\u0915-\u0939][\u093e-\u094c\u0902]?(?:\u094d[\u0915-\u0939])?[\u093e-\u094c]?",
        fullmatch=True,
    ),
    st.from_regex(r"[1-9][0-9]{0,11}", fullmatch=True),
    st.from_regex(r"[a-zA-Z]{30,90}", fullmatch=True),
)
_SEPARATORS = st.sampled_from([" ", " ", " ", "  ", "\n", ". ", "। "])


@st.composite
def answers(draw: st.DrawFn) -> str:
    """A plausible answer of 1 to 250 words."""
    words = draw(st.lists(_WORDS, min_size=1, max_size=250))
    seps = draw(st.lists(_SEPARATORS, min_size=len(words), max_size=len(words)))
    return "".join(w + s for w, s in zip(words, seps, strict=True)).strip()


def _cut_points(parts: list[str]) -> list[int]:
    points, pos = [], 0
    for part in parts[:-1]:
        pos += len(part)
        points.append(pos)
    return points


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=answers(), ref=st.sampled_from([None, "7QX3KAB"]))
def test_every_part_fits_and_the_parts_rebuild_the_answer(text: str, ref: str | None) -> None:
    """Posts are <= 280 weighted; chunks join back to the answer exactly."""
    posts = thread(text, ref=ref)
    assert posts
    for post in posts:
        assert weighted_length(post) <= MAX_WEIGHTED, post
    if len(posts) > 1:
        for i, post in enumerate(posts, 1):
            assert post.startswith(f"{i}/{len(posts)} ")
    if ref:
        assert all(post.endswith(f" · Ref {ref}") for post in posts)

    def fits(body: str) -> bool:
        return weighted_length(decorate(body, 99, 99, ref)) <= MAX_WEIGHTED

    parts = chunks(text, fits)
    assert "".join(parts) == text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=answers())
def test_no_cut_inside_a_url_number_docket_or_grapheme(text: str) -> None:
    """Cut points never fall inside a protected span or a grapheme cluster."""

    def fits(body: str) -> bool:
        return weighted_length(decorate(body, 9, 9, None)) <= MAX_WEIGHTED

    parts = chunks(text, fits)
    spans = _protected_spans(text)
    graphemes = {m.end() for m in regex.finditer(r"\X", text)}
    for point in _cut_points(parts):
        assert not any(s < point < e for s, e in spans), (
            point,
            text[max(0, point - 20) : point + 20],
        )
        assert point in graphemes


def test_short_answer_is_one_post_with_its_reference() -> None:
    """An answer that fits is posted whole, unnumbered, with the reference."""
    assert thread("Apply online at dgft.gov.in.", ref="AB2CD3E") == [
        "Apply online at dgft.gov.in. · Ref AB2CD3E"
    ]


def test_long_english_answer_splits_at_sentence_ends() -> None:
    """A three-sentence answer over the limit is cut where a sentence ends."""
    s1 = "An IEC is a ten-character code issued by DGFT and is needed to import or export goods. "
    s2 = "It is linked to the PAN of the business, and one IEC covers all its branches in the country. "
    s3 = "Apply online with the PAN, an address proof and a cancelled cheque or bank certificate, and pay the fee online. "
    s4 = "Once issued, the IEC has to be updated every year between April and June, even if nothing changed."
    posts = thread(s1 + s2 + s3 + s4, ref="AB2CD3E")
    assert len(posts) == 2
    assert posts[0].startswith("1/2 ")
    assert (
        posts[0]
        .removeprefix("1/2 ")
        .removesuffix(" · Ref AB2CD3E")
        .endswith(("goods.", "country.", "online."))
    )


def test_hindi_answer_is_split_between_sentences_at_the_danda() -> None:
    """A long Devanagari answer splits after a danda, and every cluster stays whole."""
    sentence = "आईईसी के लिए आवेदन डीजीएफटी पोर्टल पर ऑनलाइन किया जाता है और इसके लिए पैन आवश्यक है। "
    text = (sentence * 7).strip()
    posts = thread(text, ref="AB2CD3E")
    assert len(posts) >= 2
    for post in posts:
        body = regex.sub(r"^\d+/\d+ ", "", post).removesuffix(" · Ref AB2CD3E")
        assert body.endswith("है।")
        assert weighted_length(post) <= MAX_WEIGHTED


def test_amounts_stay_with_their_unit() -> None:
    """'Rs. 500' is not a sentence end, so a cut never separates the two by preference."""
    filler = (
        "The fee for a new application is payable online through the portal using net banking or cards. "
        * 2
    )
    text = filler + "Pay Rs. 500 only through the portal. " + filler
    for post in thread(text):
        assert not post.rstrip().endswith("Rs.")


def test_an_unbreakable_run_longer_than_a_post_is_refused() -> None:
    """A 300-digit number cannot be posted without breaking it, so the threader says so."""
    with pytest.raises(ValueError, match="unbreakable"):
        thread("1" * 300)
