"""The held-out set's shape, its separation from training, and the publish gate."""

from __future__ import annotations

import asyncio
from collections import Counter

from bot.decision import Thresholds
from bot.kb.source import FileKB
from bot.nlu.evaluate import FLOOR_ESCALATION_RECALL, Case, Report, leaks, load_cases, score
from bot.nlu.project import Project
from bot.nlu.publish import Published, regressions
from tests.conftest import ROOT

CASES = load_cases(ROOT / "nlu" / "tests" / "test_set.yml")
TH = Thresholds(faq=0.55, refer=0.5, abuse=0.7, chitchat=0.7, grievance=0.5)


def test_the_held_out_set_has_the_policy_questions_the_issue_asks_for() -> None:
    """At least 60 escalations, 20 per language, 20 naming an FAQ topic; every FAQ is asked."""
    escalations = [c for c in CASES if c.intent == "escalate"]
    assert len(escalations) >= 60
    per_lang = Counter(c.lang for c in escalations)
    assert all(per_lang[lang] >= 20 for lang in ("en", "hi", "hinglish")), per_lang
    assert sum(c.names_faq_topic for c in escalations) >= 20
    kb = asyncio.run(FileKB(ROOT / "faq_kb", ROOT / "responses").load())
    asked = {c.intent for c in CASES}
    assert {"faq_" + f.id.replace("-", "_") for f in kb.faqs} <= asked


def test_no_test_query_is_a_training_example() -> None:
    """After normalisation (case, punctuation, @handles), no held-out query is in the training data."""
    kb = asyncio.run(FileKB(ROOT / "faq_kb", ROOT / "responses").load())
    training = Project(ROOT / "nlu", ROOT / ".venv-rasa").training_intents(kb)
    assert leaks(CASES, training) == []
    planted = [Case(text="@MoCI_Seva How do I apply for IEC??", intent="faq_iec_apply", lang="en")]
    assert leaks(planted, training) == [planted[0].text]  # the check does catch a copy


def test_scoring_counts_a_low_confidence_faq_as_an_escalation() -> None:
    """What the desk would do is scored: an FAQ intent under the threshold is a handover."""
    cases = [
        Case("the IEC policy should be different for traders", "escalate", "en"),
        Case("how do i apply for iec", "faq_iec_apply", "en"),
    ]
    results = [
        {"intent": "faq_iec_apply", "confidence": 0.3},
        {"intent": "faq_iec_apply", "confidence": 0.9},
    ]
    report = score(cases, results, TH)
    assert report.escalation_recall == 1.0
    assert report.macro_f1["en"] == 1.0
    worse = score(cases, [{"intent": "faq_iec_apply", "confidence": 0.9}] * 2, TH)
    assert worse.escalation_recall == 0.0
    assert any("escalation recall" in f for f in worse.failures())
    # A complaint cue sends even a confident FAQ intent to a human.
    cued = [Case("my IEC application is pending for months", "escalate", "en")]
    assert (
        score(cued, [{"intent": "faq_iec_apply", "confidence": 0.95}], TH).escalation_recall == 1.0
    )


def test_publish_refuses_a_model_below_the_floors_or_worse_than_the_live_one() -> None:
    """A regression of more than the tolerance, or a floor missed, blocks the publish."""
    live = Published(
        url="u", model="m", pid=None, macro_f1={"en": 0.95, "hi": 0.93}, escalation_recall=0.99
    )
    same = Report(macro_f1={"en": 0.95, "hi": 0.93}, escalation_recall=0.99)
    assert regressions(same, live) == []
    worse = Report(macro_f1={"en": 0.95, "hi": 0.90}, escalation_recall=0.99)
    assert regressions(worse, live) == ["macro-F1 hi would drop from 0.930 to 0.900"]
    below = Report(
        macro_f1={"en": 0.95, "hi": 0.93}, escalation_recall=FLOOR_ESCALATION_RECALL - 0.1
    )
    assert any("escalation recall" in p for p in regressions(below, None))
