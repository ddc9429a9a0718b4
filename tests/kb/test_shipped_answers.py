"""The shipped answers: one post each in three languages, cut only at sentence ends, no figures."""

from __future__ import annotations

from datetime import date

import pytest

from bot.kb import files
from bot.kb.answers import withheld_reason
from bot.kb.claims import claims
from bot.kb.schema import KnowledgeBase
from bot.kb.validate import ANSWER_LANGS, answer_parts, validate
from bot.replies.thread import thread
from bot.weighted import urls
from tests.kb.conftest import REPO


@pytest.fixture(scope="module")
def shipped() -> KnowledgeBase:
    kb, problems = files.load(REPO / "faq_kb", REPO / "responses")
    assert [] == problems
    return kb


def test_the_shipped_kb_validates(shipped: KnowledgeBase) -> None:
    """No problem at all, including posts per answer and review metadata."""
    assert [] == [str(p) for p in validate(shipped)]


def test_every_answer_fits_one_post_in_every_language(shipped: KnowledgeBase) -> None:
    """30 entries x en/hi/hinglish: one post each, footer and reference included."""
    too_long = [
        (f.id, lang, len(answer_parts(f, shipped, lang)))
        for f in shipped.faqs
        for lang in ANSWER_LANGS
        if len(answer_parts(f, shipped, lang)) > f.max_posts
    ]
    assert [] == too_long
    assert [] == [f.id for f in shipped.faqs if f.max_posts > 1]


def test_no_shipped_answer_is_cut_mid_phrase(shipped: KnowledgeBase) -> None:
    """Every post of every shipped answer but the last ends at a sentence or step end."""
    bad = []
    for faq in shipped.faqs:
        for lang in ANSWER_LANGS:
            parts = answer_parts(faq, shipped, lang)
            for part in parts[:-1]:
                body = part.split(" ", 1)[1].removesuffix(" · Ref ABCDEFG")
                if not body.endswith((".", "।", ";", "?", "!")):
                    bad.append((faq.id, lang, body[-25:]))
    assert [] == bad


def test_a_long_answer_is_cut_at_the_last_sentence_end_that_fits() -> None:
    """sentences_only prefers a sentence end to a farther word boundary (no "...with a" cut)."""
    first = "Register with your PAN. "
    text = first + "Then sign the application with a digital signature or an Aadhaar e-sign."
    parts = thread(text, ref="ABCDEFG", limit=100, sentences_only=True)
    assert f"1/2 {first.strip()} · Ref ABCDEFG" == parts[0]


def test_no_unverified_answer_states_a_figure(shipped: KnowledgeBase) -> None:
    """Every FAQ stays answerable automatically: no unverified answer is withheld."""
    today = date(2026, 12, 1)
    assert [] == [f.id for f in shipped.faqs if withheld_reason(f, today)]
    assert [] == [
        (f.id, lang)
        for f in shipped.faqs
        if not f.verified
        for lang in ANSWER_LANGS
        if claims(getattr(f.answer, lang))
    ]


def test_each_answer_names_at_most_its_one_domain(shipped: KnowledgeBase) -> None:
    """A reply names one site (the entry's domain): one link, one 'with URL' post at most."""
    for faq in shipped.faqs:
        for lang in ANSWER_LANGS:
            hosts = {
                u.removeprefix("www.") for p in answer_parts(faq, shipped, lang) for u in urls(p)
            }
            assert len(hosts) <= 1, (faq.id, lang, hosts)
