"""The pipeline handler when the NLU is down: wait in the inbox, then hand over to a human."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.decision import Action, Decision, Thresholds, Understanding
from bot.errors import NLUUnavailableError
from bot.keys import Keys
from bot.pipeline.handler import PipelineHandler
from bot.settings import Settings
from bot.streams import Defer
from bot.x.models import Post


class DeadNLU:
    """An Understander whose server never answers; entities still work."""

    async def understand(self, text: str) -> Understanding:
        raise NLUUnavailableError("connection refused")

    def entities_only(self, text: str) -> Understanding:
        return Understanding(lang="en", depts=("dgft",))

    def faq_department(self, faq_id: str) -> str | None:
        return None

    def verified(self, body_id: str) -> bool:
        return False


class Recorder:
    def __init__(self) -> None:
        self.applied: list[Decision] = []

    async def has_open_ticket(self, post: Post) -> bool:
        return False

    async def apply(self, post: Post, decision: Decision, info: dict[str, Any]) -> dict[str, Any]:
        self.applied.append(decision)
        return {}


def _fields() -> dict[str, str]:
    post = Post(
        id="1900000000000000009", author_id="7", author_handle="c", text="@MoCI_Seva my IEC?", lang="en",
        created_at=datetime(2026, 11, 24, tzinfo=UTC), conversation_id="1900000000000000009", mentions_account=True,
    )  # fmt: skip
    return {"post": json.dumps(post.to_fields())}


def _handler(
    redis: Any, keys: Keys, settings: Settings, clock: FakeClock, effects: Recorder
) -> PipelineHandler:
    return PipelineHandler(
        redis=redis, keys=keys, clock=clock, settings=settings, understanding=DeadNLU(),
        effects=effects, thresholds=Thresholds.from_settings(settings),
    )  # fmt: skip


async def test_a_post_waits_while_the_nlu_is_down(
    redis: Any, keys: Keys, settings: Settings
) -> None:
    """Within the wait window the handler defers: nothing is decided, the entry stays pending."""
    clock = FakeClock()
    effects = Recorder()
    entry_ms = int(clock.time() * 1000) - 1_000  # queued a second ago
    with pytest.raises(Defer):
        await _handler(redis, keys, settings, clock, effects)(f"{entry_ms}-0", _fields())
    assert effects.applied == []
    assert await redis.get(keys.decision("1900000000000000009")) is None


async def test_after_the_wait_a_human_answers_instead(
    redis: Any, keys: Keys, settings: Settings
) -> None:
    """Past SEVA_NLU_MAX_WAIT_S the post is escalated to its department, not lost."""
    clock = FakeClock()
    effects = Recorder()
    entry_ms = int((clock.time() - settings.nlu_max_wait_s - 1) * 1000)
    await _handler(redis, keys, settings, clock, effects)(f"{entry_ms}-0", _fields())
    [decision] = effects.applied
    assert decision.action is Action.ESCALATE
    assert decision.dept == "dgft"
    assert "NLU unavailable" in decision.reason


class RefusingNLU(DeadNLU):
    """An NLU server that refuses this particular text (HTTP 400)."""

    async def understand(self, text: str) -> Understanding:
        from bot.errors import NLUError

        raise NLUError("400 bad request")


async def test_a_text_the_nlu_refuses_goes_to_a_human_at_once(
    redis: Any, keys: Keys, settings: Settings
) -> None:
    """Not retried into the dead-letter stream: escalated to its department straight away."""
    clock = FakeClock()
    effects = Recorder()
    handler = PipelineHandler(
        redis=redis, keys=keys, clock=clock, settings=settings, understanding=RefusingNLU(),
        effects=effects, thresholds=Thresholds.from_settings(settings),
    )  # fmt: skip
    await handler(f"{int(clock.time() * 1000)}-0", _fields())
    [decision] = effects.applied
    assert decision.action is Action.ESCALATE
