"""The Rasa project: training data built from the knowledge base, trained and cached by hash.

``nlu/`` holds what people write: ``config.yml``, ``data/nlu.yml`` (the hand-written
intents: escalate, refer, greet, abuse, out_of_scope) and ``tests/test_set.yml`` (held out).
The FAQ intents are generated from the knowledge base through ``KBSource`` into
``nlu/build/<hash>/``, so an admin who adds a question never edits Rasa files; each English
and Hinglish example also trains an SMS-spelt and an in-context variant, and each Hindi one
a variant with the usual typing slips (``bot.nlu.augment``).

A model is named by the hash of everything it is trained from (config, hand-written data,
KB examples), so unchanged inputs never retrain: ``nlu/models/nlu-<hash>.tar.gz``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.decision import faq_intent
from bot.errors import NLUError
from bot.kb.schema import KnowledgeBase
from bot.nlu.augment import variants
from bot.nlu.text import for_nlu

RASA_QUIET = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "PYTHONWARNINGS": "ignore",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}


@dataclass(frozen=True)
class Project:
    """Where the Rasa project and its venv are."""

    nlu_dir: Path
    rasa_venv: Path

    @property
    def rasa(self) -> Path:
        """The ``rasa`` executable of the Rasa venv."""
        return self.rasa_venv / "bin" / "rasa"

    @property
    def python(self) -> Path:
        """The Rasa venv's Python (3.10)."""
        return self.rasa_venv / "bin" / "python"

    @property
    def models(self) -> Path:
        """Trained models, named by input hash."""
        return self.nlu_dir / "models"

    def check_venv(self) -> None:
        """Fail clearly when the Rasa venv is missing."""
        if not self.rasa.exists():
            msg = f"the Rasa venv is missing ({self.rasa}); run `make setup` (needs Python 3.10)"
            raise NLUError(msg)

    def handwritten(self) -> dict[str, list[str]]:
        """The hand-written intents and their examples (``nlu/data/*.yml``)."""
        intents: dict[str, list[str]] = {}
        for path in sorted((self.nlu_dir / "data").glob("*.yml")):
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for block in doc.get("nlu", []):
                if "intent" in block:
                    intents.setdefault(block["intent"], []).extend(_examples(block["examples"]))
        return intents

    def training_intents(self, kb: KnowledgeBase) -> dict[str, list[str]]:
        """Every intent the model learns, with its examples (hand-written + KB)."""
        intents = self.handwritten()
        for faq in kb.faqs:
            ex = faq.examples
            added = [
                *variants(list(ex.en), "en"),
                *variants(list(ex.hi), "hi"),
                *variants(list(ex.hinglish), "hinglish"),
            ]
            intents[faq_intent(faq.id)] = [*ex.en, *ex.hi, *ex.hinglish, *added]
        return intents

    def inputs_hash(self, kb: KnowledgeBase) -> str:
        """The hash of everything a model is trained from."""
        blob = json.dumps(
            {
                "config": (self.nlu_dir / "config.yml").read_text(encoding="utf-8"),
                "intents": self.training_intents(kb),
            },
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    def model_path(self, kb: KnowledgeBase) -> Path:
        """Where the model for this KB is (or would be) cached."""
        return self.models / f"nlu-{self.inputs_hash(kb)}.tar.gz"

    def build(self, kb: KnowledgeBase) -> Path:
        """Write the Rasa training folder for this KB; return it."""
        digest = self.inputs_hash(kb)
        out = self.nlu_dir / "build" / digest
        (out / "data").mkdir(parents=True, exist_ok=True)
        (out / "config.yml").write_text(
            (self.nlu_dir / "config.yml").read_text(encoding="utf-8"), encoding="utf-8"
        )
        blocks = [
            {
                "intent": name,
                "examples": "".join(f"- {_one_line(e)}\n" for e in dict.fromkeys(examples)),
            }
            for name, examples in self.training_intents(kb).items()
        ]
        doc = {"version": "3.1", "nlu": blocks}
        (out / "data" / "nlu.yml").write_text(
            yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8"
        )
        return out

    def train(
        self, kb: KnowledgeBase, *, progress: Callable[[str], None] = print
    ) -> tuple[Path, bool]:
        """Train unless a model for these exact inputs exists; return (model, trained)."""
        self.check_venv()
        target = self.model_path(kb)
        if target.exists():
            progress(f"model {target.name} is up to date (inputs unchanged); not retraining")
            return target, False
        build = self.build(kb)
        intents = self.training_intents(kb)
        progress(
            f"training {target.name}: {len(intents)} intents, "
            f"{sum(len(v) for v in intents.values())} examples"
        )
        self.models.mkdir(parents=True, exist_ok=True)
        cmd = [
            str(self.rasa), "train", "nlu",
            "--config", str(build / "config.yml"),
            "--nlu", str(build / "data"),
            "--out", str(self.models),
            "--fixed-model-name", target.name.removesuffix(".tar.gz"),
        ]  # fmt: skip
        tail: list[str] = []
        with subprocess.Popen(  # noqa: S603 (our own venv's rasa, fixed arguments)
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env()
        ) as proc:
            assert proc.stdout is not None
            for raw in proc.stdout:
                line = raw.rstrip()
                tail = [*tail[-30:], line]
                if any(
                    k in line
                    for k in ("Starting to train", "Finished training", "Epochs", "Your Rasa model")
                ):
                    progress(f"  rasa: {line[:160]}")
        if proc.wait() != 0 or not target.exists():
            msg = "rasa train failed:\n" + "\n".join(tail)
            raise NLUError(msg)
        progress(f"trained {target}")
        return target, True

    async def parse_batch(self, model: Path, texts: Iterable[str]) -> list[dict[str, Any]]:
        """Parse many texts in one Rasa process (no HTTP); results in order."""
        self.check_venv()
        # The same cleaning as the daemon's Understander, so eval scores what production sees.
        payload = "".join(
            json.dumps({"text": for_nlu(t)}, ensure_ascii=False) + "\n" for t in texts
        )
        proc = await asyncio.create_subprocess_exec(
            str(self.python),
            str(self.nlu_dir / "parse_batch.py"),
            str(model),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=_env(),
        )
        out, err = await proc.communicate(payload.encode())
        if proc.returncode != 0:
            msg = f"parsing failed: {err.decode(errors='replace')[-2000:]}"
            raise NLUError(msg)
        mark = "SEVA-RESULT\t"  # nlu/parse_batch.py marks its lines; Rasa may print too
        return [
            json.loads(line.removeprefix(mark))
            for line in out.decode().splitlines()
            if line.startswith(mark)
        ]


def _examples(block: str) -> list[str]:
    return [
        line.strip()[2:].strip() for line in block.splitlines() if line.strip().startswith("- ")
    ]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _env() -> dict[str, str]:
    return {**os.environ, **RASA_QUIET}


def default_project(nlu_dir: Path, rasa_venv: Path) -> Project:
    """The project, resolving a relative venv path against the current directory."""
    return Project(
        nlu_dir=nlu_dir, rasa_venv=rasa_venv if rasa_venv.is_absolute() else Path.cwd() / rasa_venv
    )
