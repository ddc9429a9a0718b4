"""A small Rasa project for the publish tests: the shipped hand-written intents and a few FAQ
entries, so a model trains in seconds; its model is cached by input hash like the real one.

The project lives in ``nlu/build/small`` (ignored by git): the config and hand-written data
are the shipped ones, the KB keeps ``FAQS`` of the shipped entries, and the held-out cases
are the shipped ones whose intent this KB still has (an FAQ it dropped would otherwise
count as a miss that no model could avoid).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from bot.decision import faq_intent
from bot.kb.schema import KnowledgeBase
from bot.nlu.project import Project

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "nlu" / "build" / "small"
FAQS = ("iec-what-is", "startup-seed-fund", "sez-what-is", "ipr-patent-file")


def small_kb(shipped: KnowledgeBase) -> KnowledgeBase:
    """The shipped KB with only ``FAQS``."""
    return shipped.model_copy(update={"faqs": [f for f in shipped.faqs if f.id in FAQS]})


def small_project() -> Project:
    """Write (or refresh) the small project; its models directory is kept between runs."""
    (SMALL / "data").mkdir(parents=True, exist_ok=True)
    (SMALL / "tests").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "nlu" / "config.yml", SMALL / "config.yml")
    shutil.copyfile(ROOT / "nlu" / "data" / "nlu.yml", SMALL / "data" / "nlu.yml")
    for script in ("parse_batch.py", "serve.py"):
        shutil.copyfile(ROOT / "nlu" / script, SMALL / script)
    keep = {faq_intent(f) for f in FAQS}
    cases = yaml.safe_load((ROOT / "nlu" / "tests" / "test_set.yml").read_text(encoding="utf-8"))
    kept = [c for c in cases if not str(c["intent"]).startswith("faq_") or c["intent"] in keep]
    (SMALL / "tests" / "test_set.yml").write_text(
        yaml.safe_dump(kept, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return Project(nlu_dir=SMALL, rasa_venv=ROOT / ".venv-rasa")
