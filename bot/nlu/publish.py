"""Blue/green model publishing, so no parse call fails while a model changes.

Rasa's ``PUT /model`` loads a model synchronously inside its event loop: the server answers
nothing for the ~15 s that takes. So a publish never reloads a running server:
1. train (cached by input hash) and evaluate; refuse a model below the floors or worse than
   the live one;
2. start a second Rasa with the new model and wait for ``/status``;
3. switch the live URL list in Redis (every daemon's client re-reads it within
   ``nlu_urls_refresh_s``) and announce it on a channel;
4. wait for the daemons to follow, then stop the old server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from bot.decision import Thresholds
from bot.errors import NLUError
from bot.kb.schema import KnowledgeBase
from bot.kb.source import examples_hash
from bot.keys import Keys
from bot.nlu.entities import EntityFinder
from bot.nlu.evaluate import (
    FLOOR_ESCALATION_RECALL,
    FLOOR_MACRO_F1,
    Report,
    load_cases,
    score,
)
from bot.nlu.project import Project
from bot.nlu.server import RasaServer

# Allowed drop against the live model before a publish is refused (evaluation noise on a
# few hundred queries is about one query).
REGRESSION_TOLERANCE = 0.01


@dataclass(frozen=True)
class Published:
    """What is live: where, which model, and its figures."""

    url: str
    model: str
    pid: int | None
    macro_f1: dict[str, float]
    escalation_recall: float
    trained_at: str | None = None  # when the model file was written (records before: None)

    def to_json(self) -> str:
        """Serialise for Redis."""
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, raw: str) -> Published:
        """Deserialise from Redis."""
        return cls(**json.loads(raw))


async def evaluate_model(
    project: Project, model: Path, th: Thresholds, kb: KnowledgeBase, docket_prefix: str
) -> Report:
    """Score a model on the held-out set, by what the desk would do."""
    cases = load_cases(project.nlu_dir / "tests" / "test_set.yml")
    results = await project.parse_batch(model, [c.text for c in cases])
    return score(cases, results, th, EntityFinder(kb, docket_prefix))


STAGES = ("train", "evaluate", "gate", "start", "switch", "stop")
Stage = Callable[[str, str, dict[str, Any]], Awaitable[None]]


async def _no_stage(_name: str, _status: str, _detail: dict[str, Any]) -> None:
    return None


def gate_table(new: Report, live: Published | None) -> dict[str, Any]:
    """The gate's verdict as a table: each figure, old beside new, with its floor."""
    rows = [
        {
            "figure": f"macro-F1 {lang}", "old": live.macro_f1.get(lang) if live else None,
            "new": f1, "floor": FLOOR_MACRO_F1,
        }
        for lang, f1 in sorted(new.macro_f1.items())
    ]  # fmt: skip
    rows.append({
        "figure": "escalation recall", "old": live.escalation_recall if live else None,
        "new": new.escalation_recall, "floor": FLOOR_ESCALATION_RECALL,
    })  # fmt: skip
    return {"rows": rows, "tolerance": REGRESSION_TOLERANCE}


def regressions(new: Report, live: Published | None) -> list[str]:
    """Why ``new`` is worse than the live model (empty if it is not)."""
    problems = new.failures()
    if live is None:
        return problems
    for lang, f1 in new.macro_f1.items():
        old = live.macro_f1.get(lang, 0.0)
        if f1 < old - REGRESSION_TOLERANCE:
            problems.append(f"macro-F1 {lang} would drop from {old:.3f} to {f1:.3f}")
    if new.escalation_recall < live.escalation_recall - REGRESSION_TOLERANCE:
        problems.append(
            "escalation recall would drop from "
            f"{live.escalation_recall:.3f} to {new.escalation_recall:.3f}"
        )
    return problems


class Publisher:
    """Runs one blue/green publish against the live URL list in Redis."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        project: Project,
        *,
        thresholds: Thresholds,
        docket_prefix: str,
        token: str | None,
        follow_s: float,
        log_dir: Path,
        progress: Callable[[str], None] = print,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._project = project
        self._th = thresholds
        self._docket_prefix = docket_prefix
        self._token = token
        self._follow_s = follow_s
        self._log_dir = log_dir
        self._progress = progress
        # The server this publish started; it outlives the publish (and this process).
        self.green: RasaServer | None = None

    async def live(self) -> Published | None:
        """The live deployment, if any."""
        raw = await self._redis.get(self._keys.kb("nlu_published"))
        return Published.from_json(str(raw)) if raw else None

    async def publish(
        self, kb: KnowledgeBase, port: int, *, force: bool = False, stage: Stage = _no_stage
    ) -> Published:
        """Train, evaluate, gate, start green, switch, stop blue. Returns the new deployment.

        ``stage(name, status, detail)`` hears each of ``STAGES`` start ("running") and end
        ("done", "refused" or "skipped"); the gate's detail is its table (``gate_table``).
        """
        await stage("train", "running", {})
        model, trained = await asyncio.to_thread(self._project.train, kb, progress=self._progress)
        await stage("train", "done", {"model": model.name, "trained": trained})
        await stage("evaluate", "running", {})
        report = await evaluate_model(self._project, model, self._th, kb, self._docket_prefix)
        await stage("evaluate", "done", {})
        live = await self.live()
        problems = regressions(report, live)
        for lang, f1 in report.macro_f1.items():
            self._progress(f"  macro-F1 [{lang}] {f1:.3f}")
        self._progress(f"  escalation recall {report.escalation_recall:.3f}")
        table = gate_table(report, live) | {
            "problems": problems,
            "forced": bool(problems and force),
        }
        if problems and not force:
            await stage("gate", "refused", table)
            raise NLUError("refusing to publish: " + "; ".join(problems))
        await stage("gate", "done", table)
        await stage("start", "running", {})
        green = RasaServer(
            self._project,
            model,
            port,
            token=self._token,
            log_path=self._log_dir / f"rasa-{port}.log",
            with_parent=False,  # green is the live server after this publish exits
        )
        green.start()
        self.green = green
        _SERVING.append(green)
        self._progress(f"starting {green.url} with {model.name}")
        try:
            await green.wait_ready()
        except NLUError:
            green.stop()
            raise
        await stage("start", "done", {"url": green.url})
        published = Published(
            url=green.url,
            model=model.name,
            pid=green.proc.pid if green.proc else None,
            macro_f1=report.macro_f1,
            escalation_recall=report.escalation_recall,
            trained_at=datetime.fromtimestamp(model.stat().st_mtime, UTC).isoformat(
                timespec="seconds"
            ),
        )
        await stage("switch", "running", {})
        await self.switch(published, kb)
        self._progress(
            f"switched the live NLU to {green.url}; "
            f"waiting {self._follow_s:.1f} s for daemons to follow"
        )
        await asyncio.sleep(self._follow_s)
        await stage("switch", "done", {"url": green.url})
        await stage("stop", "running", {})
        if live is not None and live.url != green.url and live.pid:
            await asyncio.to_thread(stop_server, live.pid)
            self._progress(f"stopped the previous server {live.url} (pid {live.pid})")
            await stage("stop", "done", {"url": live.url})
        else:
            await stage("stop", "skipped", {"why": "no previous server this desk started"})
        return published

    async def switch(self, published: Published, kb: KnowledgeBase | None = None) -> None:
        """Make ``published`` the live NLU for every daemon."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._keys.nlu_urls, json.dumps([published.url]))
            pipe.set(self._keys.kb("nlu_published"), published.to_json())
            if kb is not None:
                pipe.set(self._keys.kb("model_examples_hash"), examples_hash(kb))
            pipe.publish(self._keys.nlu_events, published.url)
            await pipe.execute()


# The green servers this process started: each outlives its publish, and is kept here so
# its process handle is not collected (the interpreter warns about a running child) and
# can be reaped when a later publish stops it.
_SERVING: list[RasaServer] = []


def stop_server(pid: int) -> None:
    """Stop a Rasa server started earlier (its own process group), by this process or not."""
    for server in list(_SERVING):
        if server.proc is not None and server.proc.pid == pid:
            server.stop()  # waits for it, so no zombie is left
            _SERVING.remove(server)
            return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)


def summary(published: Published) -> dict[str, Any]:
    """A JSON-able view of the live deployment."""
    return published.__dict__
