"""Against a real Rasa server with the trained model: intents, outages, blue/green publish."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.clock import SystemClock
from bot.decision import Action, Decision, Thresholds
from bot.errors import NLUUnavailableError
from bot.kb.schema import KnowledgeBase
from bot.kb.source import FileKB
from bot.keys import Keys
from bot.net import free_port
from bot.nlu.client import RasaClient
from bot.nlu.entities import EntityFinder
from bot.nlu.evaluate import desk_label, effective
from bot.nlu.project import Project
from bot.nlu.publish import Published, Publisher
from bot.nlu.server import RasaServer
from bot.nlu.understand import Understander
from bot.pipeline.handler import PipelineHandler
from bot.retry import Backoff
from bot.settings import Settings, load_settings
from bot.streams import StreamWorker
from bot.x.models import Post
from tests.conftest import ROOT

TH = Thresholds.from_settings(Settings())  # the shipped defaults (no SEVA_* set in tests)


def _settings(server: RasaServer, **extra: Any) -> Settings:
    return load_settings(rasa_urls=[server.url], rasa_token=server.token, nlu_retries=0, **extra)


async def _parse(server: RasaServer, texts: list[str]) -> list[tuple[str, float]]:
    client = RasaClient(_settings(server), SystemClock())
    try:
        return [((p := await client.parse(t)).intent, p.confidence) for t in texts]
    finally:
        await client.close()


async def test_iec_question_reaches_the_iec_intent_in_three_languages(rasa: RasaServer) -> None:
    """The same question in English, Hindi and Hinglish is the IEC-application FAQ, above threshold."""
    texts = [
        "@MoCI_Seva how do I apply for IEC?",
        "@MoCI_Seva आईईसी के लिए आवेदन कैसे करें?",
        "@MoCI_Seva IEC ke liye apply kaise karein?",
    ]
    for text, (intent, confidence) in zip(texts, await _parse(rasa, texts), strict=True):
        assert effective(intent, confidence, TH) == "faq_iec_apply", (text, intent, confidence)


async def test_policy_complaints_are_escalated(rasa: RasaServer, shipped_kb: KnowledgeBase) -> None:
    """Complaints, even ones naming an FAQ topic, go to a human, in every language: the
    desk's decision on the model's parse (the complaint cues decide where the model reads
    an FAQ: "SEZ policy se factory band hone wali hai" parses as the SEZ FAQ)."""
    texts = [
        "@MoCI_Seva the new IEC rules are unfair to small exporters, withdraw them",
        "@MoCI_Seva मेरा स्टार्टअप मान्यता आवेदन तीन महीने से लंबित है, कोई जवाब नहीं",
        "@MoCI_Seva SEZ policy se hamari factory band hone wali hai, sarkar kuch kare",
    ]
    finder = EntityFinder(shipped_kb, "MOCI")
    for text, (intent, confidence) in zip(texts, await _parse(rasa, texts), strict=True):
        label = desk_label(text, intent, confidence, TH, finder)
        assert label == "escalate", (text, intent, confidence)


async def test_understander_adds_language_and_entities(
    rasa: RasaServer, shipped_kb: KnowledgeBase
) -> None:
    """The pipeline's view of a post: intent from Rasa, language and entities deterministic."""
    del shipped_kb
    client = RasaClient(_settings(rasa), SystemClock())
    understander = Understander(client, FileKB(ROOT / "faq_kb", ROOT / "responses"), "MOCI")
    info = await understander.understand(
        "@MoCI_Seva mera passport abhi tak nahi aaya, status MOCI-2026-000042?"
    )
    await client.close()
    assert info.lang == "hinglish"
    assert info.dockets == ("MOCI-2026-000042",)
    assert info.bodies[:1] == ("mea-passport",)
    assert info.nlu_url == rasa.url


class RecordingEffects:
    """Effects that only record what the pipeline decided (the pipeline issue does the rest)."""

    def __init__(self) -> None:
        self.applied: list[tuple[str, Decision]] = []

    async def has_open_ticket(self, post: Post) -> bool:
        del post
        return False

    async def apply(self, post: Post, decision: Decision, info: dict[str, Any]) -> dict[str, Any]:
        del info
        self.applied.append((post.id, decision))
        return {}


async def test_posts_wait_while_rasa_is_down_and_are_answered_when_it_returns(
    project: Project, model: Path, redis: Any, keys: Keys, tmp_path: Path
) -> None:
    """Rasa killed: the post stays pending in the inbox (not lost, not escalated); Rasa back: answered."""
    port = free_port()
    server = RasaServer(project, model, port, token="t0ken", log_path=tmp_path / "rasa.log")
    settings = _settings(server, nlu_retry_s=0.3, nlu_max_wait_s=600, nlu_breaker_reset_s=1.0)
    client = RasaClient(settings, SystemClock(), redis, keys)
    effects = RecordingEffects()
    handler = PipelineHandler(
        redis=redis,
        keys=keys,
        clock=SystemClock(),
        settings=settings,
        understanding=Understander(client, FileKB(ROOT / "faq_kb", ROOT / "responses"), "MOCI"),
        effects=effects,
        thresholds=TH,
    )
    worker = StreamWorker(
        redis=redis, streams=[keys.inbox], group="pipeline", consumer="p1", handler=handler,
        clock=SystemClock(), deadletter=keys.deadletter, block_ms=100, max_deliveries=3,
        backoff=Backoff(settings.redis_backoff_initial_s, settings.redis_backoff_max_s),
    )  # fmt: skip
    post = Post(
        id="1900000000000000001", author_id="7", author_handle="c", text="@MoCI_Seva how do I apply for IEC?",
        lang="en", created_at=datetime.now(UTC), conversation_id="1900000000000000001",
        mentions_account=True,
    )  # fmt: skip
    await redis.xadd(keys.inbox, {"post": json.dumps(post.to_fields())})
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        await asyncio.sleep(3.0)  # Rasa is not running: the handler defers
        assert effects.applied == []
        pending: Any = await redis.xpending(keys.inbox, "pipeline")
        assert pending["pending"] == 1
        assert await redis.xlen(keys.deadletter) == 0
        with_breaker = RasaClient(settings, SystemClock())
        for _ in range(settings.nlu_breaker_failures):
            with contextlib.suppress(NLUUnavailableError):
                await with_breaker.parse("x")
        await with_breaker.close()

        server.start()
        await server.wait_ready()
        async with asyncio.timeout(30):
            while not effects.applied:
                await asyncio.sleep(0.2)
        assert effects.applied[0][0] == post.id
        assert effects.applied[0][1].action is Action.ANSWER_FAQ
        assert effects.applied[0][1].faq_id == "iec-apply"
    finally:
        stop.set()
        await task
        server.stop()
        await client.close()


async def test_blue_green_publish_loses_no_parse_call(
    project: Project, model: Path, shipped_kb: KnowledgeBase, redis: Any, keys: Keys, tmp_path: Path
) -> None:
    """Parsing non-stop through a publish: every call succeeds, and the old server is stopped."""
    blue = RasaServer(project, model, free_port(), token="t0ken", log_path=tmp_path / "blue.log")
    publisher = Publisher(
        redis,
        keys,
        project,
        thresholds=TH,
        docket_prefix="MOCI",
        token="t0ken",
        follow_s=1.5,
        log_dir=tmp_path,
        progress=lambda _: None,
    )
    results: list[str] = []
    failures: list[str] = []
    published: Published | None = None
    blue_stopped = False
    stop = asyncio.Event()
    client = RasaClient(_settings(blue, nlu_urls_refresh_s=0.2), SystemClock(), redis, keys)

    async def parse_forever() -> None:
        while not stop.is_set():
            try:
                results.append((await client.parse("how do I apply for IEC?")).url)
            except Exception as err:
                failures.append(repr(err))
            await asyncio.sleep(0.02)

    task: asyncio.Task[None] | None = None
    try:
        blue.start()
        await blue.wait_ready()
        pid = blue.proc.pid if blue.proc else None
        await publisher.switch(
            Published(url=blue.url, model=model.name, pid=pid, macro_f1={}, escalation_recall=0.0)
        )
        task = asyncio.create_task(parse_forever())
        published = await publisher.publish(shipped_kb, free_port(), force=True)
        await asyncio.sleep(1.0)
        for _ in range(50):  # the publisher sent SIGTERM to the old server's group
            if blue.proc is not None and blue.proc.poll() is not None:
                blue_stopped = True
                break
            await asyncio.sleep(0.2)
    finally:
        stop.set()
        if task is not None:
            await task
        await client.close()
        blue.stop()
        if publisher.green is not None:
            publisher.green.stop()
    assert failures == []
    assert results.count(blue.url) > 0
    assert published is not None
    assert published.url != blue.url
    assert results[-1] == published.url
    assert blue_stopped


def test_seva_nlu_eval_meets_the_floors_on_the_shipped_model(model: Path) -> None:
    """`seva nlu eval` on the held-out set prints the figures and exits 0 (floors met)."""
    del model  # trained (or cached) by the fixture
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "nlu", "eval", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = json.loads(proc.stdout[proc.stdout.index("{") :])
    assert figures["failures"] == []
    assert min(figures["macro_f1"].values()) >= 0.85
    assert figures["escalation_recall"] >= 0.95
