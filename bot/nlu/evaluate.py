"""Scoring the model on the held-out set the way the desk uses it.

A prediction is what the desk would *do* with the intent, not the raw label: an FAQ intent
under the FAQ threshold, or anything the pipeline does not act on at its confidence, is
escalated to a human (``bot.decision``). So escalation recall counts what a citizen
with a complaint actually experiences, and the thresholds chosen here are the ones the
daemon runs with.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from bot.decision import FAQ_PREFIX, Action, Signals, Thresholds, decide, faq_intent
from bot.kb.validate import normalise
from bot.nlu.cues import complaint_cues, text_cues
from bot.nlu.entities import EntityFinder
from bot.nlu.text import for_nlu

ESCALATE = "escalate"
LANGS = ("en", "hi", "hinglish")
FLOOR_MACRO_F1 = 0.85
FLOOR_ESCALATION_RECALL = 0.95


@dataclass(frozen=True)
class Case:
    """One held-out query."""

    text: str
    intent: str
    lang: str
    names_faq_topic: bool = False


def load_cases(path: Path) -> list[Case]:
    """Read ``nlu/tests/test_set.yml``."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [
        Case(
            text=unicodedata.normalize("NFC", str(r["text"])),
            intent=str(r["intent"]),
            lang=str(r["lang"]),
            names_faq_topic=bool(r.get("names_faq_topic", False)),
        )
        for r in raw
    ]


def effective(intent: str, confidence: float, th: Thresholds) -> str:
    """The label the desk acts on from the intent alone (no entities, no cues)."""
    return desk_label("", intent, confidence, th, None)


_LABELS = {
    Action.REFER: "refer",
    Action.ESCALATE: ESCALATE,
    # Triage is an officer too (no docket yet): for the NLU's floors, "a human looks".
    Action.TRIAGE: ESCALATE,
    Action.GREET: "greet",
    Action.CLARIFY: "out_of_scope",
    Action.IGNORE: "abuse",
}


def desk_label(
    text: str, intent: str, confidence: float, th: Thresholds, finder: EntityFinder | None
) -> str:
    """The label of what the desk would do: the pipeline's own ``decide`` on the parse.

    Entities (other bodies, our departments) and complaint cues come from the same
    deterministic code the daemon runs; a post is scored as if it @mentioned the account.
    """
    found = finder.find(text) if finder is not None and text else None
    sig = Signals(
        intent=intent,
        confidence=confidence,
        lang="en",
        reply_allowed=True,
        mentions_account=True,
        bodies=found.bodies if found else (),
        depts=found.depts if found else (),
        complaint=bool(complaint_cues(text)),
        **text_cues(text),
    )
    decision = decide(sig, th)
    if decision.action is Action.ANSWER_FAQ and decision.faq_id:
        return faq_intent(decision.faq_id)
    return _LABELS.get(decision.action, ESCALATE)


@dataclass
class Report:
    """Per-intent and per-language figures, and what was confused with what."""

    per_intent: dict[str, tuple[float, float, float, int]] = field(default_factory=dict)
    macro_f1: dict[str, float] = field(default_factory=dict)
    escalation_recall: float = 0.0
    escalation_recall_faq_topic: float = 0.0
    faq_answer_precision: float = 0.0
    confusions: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # lang, gold, got, text
    n: int = 0

    def failures(self) -> list[str]:
        """Which floors are not met."""
        out = [
            f"macro-F1 {lang} {f1:.3f} < {FLOOR_MACRO_F1}"
            for lang, f1 in self.macro_f1.items()
            if f1 < FLOOR_MACRO_F1
        ]
        if self.escalation_recall < FLOOR_ESCALATION_RECALL:
            out.append(
                f"escalation recall {self.escalation_recall:.3f} < {FLOOR_ESCALATION_RECALL}"
            )
        return out

    def render(self) -> str:
        """A readable report."""
        lines = [f"{'intent':34} {'P':>6} {'R':>6} {'F1':>6} {'n':>4}"]
        for name, (p, r, f1, n) in sorted(self.per_intent.items()):
            lines.append(f"{name:34} {p:6.3f} {r:6.3f} {f1:6.3f} {n:4d}")
        lines.append("")
        for lang, f1 in self.macro_f1.items():
            lines.append(f"macro-F1 [{lang}]: {f1:.3f} (floor {FLOOR_MACRO_F1})")
        lines.append(
            f"escalation recall: {self.escalation_recall:.3f} (floor {FLOOR_ESCALATION_RECALL})"
        )
        lines.append(f"  of which naming an FAQ topic: {self.escalation_recall_faq_topic:.3f}")
        lines.append(f"precision of automatic FAQ answers: {self.faq_answer_precision:.3f}")
        lines.append(f"confusions ({len(self.confusions)} of {self.n}):")
        lines += [
            f"  [{lang}] {gold} -> {got}: {text}" for lang, gold, got, text in self.confusions
        ]
        return "\n".join(lines)


def _prf(gold: list[str], pred: list[str], label: str) -> tuple[float, float, float, int]:
    tp = sum(g == label and p == label for g, p in zip(gold, pred, strict=True))
    fp = sum(g != label and p == label for g, p in zip(gold, pred, strict=True))
    fn = sum(g == label and p != label for g, p in zip(gold, pred, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp + fn


def score(
    cases: list[Case],
    results: list[dict[str, Any]],
    th: Thresholds,
    finder: EntityFinder | None = None,
) -> Report:
    """Score parse results (``intent``, ``confidence``) by what the desk would do."""
    preds = [
        desk_label(c.text, str(r["intent"]), float(r["confidence"]), th, finder)
        for c, r in zip(cases, results, strict=True)
    ]
    gold = [c.intent for c in cases]
    report = Report(n=len(cases))
    for label in sorted(set(gold)):
        report.per_intent[label] = _prf(gold, preds, label)
    by_lang: dict[str, list[int]] = defaultdict(list)
    for i, case in enumerate(cases):
        by_lang[case.lang].append(i)
    for lang in LANGS:
        idx = by_lang.get(lang, [])
        if not idx:
            continue
        g = [gold[i] for i in idx]
        p = [preds[i] for i in idx]
        f1s = [_prf(g, p, label)[2] for label in sorted(set(g))]
        report.macro_f1[lang] = sum(f1s) / len(f1s)
    esc = [i for i, c in enumerate(cases) if c.intent == ESCALATE]
    esc_topic = [i for i in esc if cases[i].names_faq_topic]
    report.escalation_recall = sum(preds[i] == ESCALATE for i in esc) / len(esc) if esc else 0.0
    report.escalation_recall_faq_topic = (
        sum(preds[i] == ESCALATE for i in esc_topic) / len(esc_topic) if esc_topic else 0.0
    )
    answered = [i for i, p in enumerate(preds) if p.startswith(FAQ_PREFIX)]
    report.faq_answer_precision = (
        sum(preds[i] == gold[i] for i in answered) / len(answered) if answered else 0.0
    )
    report.confusions = [
        (c.lang, c.intent, preds[i], c.text) for i, c in enumerate(cases) if preds[i] != c.intent
    ]
    return report


def leaks(cases: list[Case], training: dict[str, list[str]]) -> list[str]:
    """Test texts that also appear in the training data, after normalisation."""
    seen = {normalise(for_nlu(t)) for examples in training.values() for t in examples}
    return [c.text for c in cases if normalise(for_nlu(c.text)) in seen]


def sweep(
    cases: list[Case],
    results: list[dict[str, Any]],
    base: Thresholds,
    finder: EntityFinder | None = None,
) -> list[tuple[float, Report]]:
    """Scores across FAQ thresholds, to choose one (README, "Choosing the thresholds")."""
    out = []
    for step in range(30, 95, 5):
        th = replace(base, faq=step / 100)
        out.append((th.faq, score(cases, results, th, finder)))
    return out


def count_by(cases: list[Case]) -> Counter[tuple[str, str]]:
    """How many cases per (intent kind, language)."""
    return Counter(("faq" if c.intent.startswith(FAQ_PREFIX) else c.intent, c.lang) for c in cases)
