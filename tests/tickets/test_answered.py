"""The lasting index of answered tickets (``bot.tickets.answered``), on a real Redis."""

from __future__ import annotations

from typing import Any

import pytest

from bot.keys import Keys
from bot.settings import Settings
from tests.tickets.test_workflow_sla import Desk


@pytest.fixture
def desk(redis: Any, keys: Keys, settings: Settings) -> Desk:
    return Desk(redis, keys, settings)


async def _answered(desk: Desk, i: int, text: str, answer: str) -> str:
    docket = await desk.ticket(i, text=text)
    await desk.flow.claim(docket, "meera")
    await desk.flow.reply(docket, "meera", answer, {"hi": "हिंदी में उत्तर"})
    return docket


async def test_an_answer_outlives_its_storm_and_is_found_for_a_like_ticket(desk: Desk) -> None:
    """A like ticket finds the answer (both languages, text masked); an unlike one does not."""
    first = await _answered(
        desk, 1, "@MoCI_Seva IEC stuck at bank validation, call me 9876543210", "Re-validated."
    )
    await desk.redis.delete(desk.keys.storm_profiles)  # as when the storm's master closes
    like = await desk.store.require(
        await desk.ticket(2, text="@MoCI_Seva my IEC is stuck at bank validation")
    )
    unlike = await desk.store.require(
        await desk.ticket(3, text="@MoCI_Seva thanks for the SEZ seminar")
    )
    [found] = await desk.flow.answered.similar(like)
    assert found.docket == first
    assert found.answers == {"": "Re-validated.", "hi": "हिंदी में उत्तर"}
    assert "9876543210" not in found.text
    assert found.by == "meera"
    assert [] == await desk.flow.answered.similar(unlike)


async def test_only_the_newest_answers_are_kept(redis: Any, keys: Keys, settings: Settings) -> None:
    """Past SEVA_DESK_ANSWERED_KEPT, the oldest answers of a department go."""
    desk = Desk(redis, keys, settings.model_copy(update={"desk_answered_kept": 2}))
    dockets = []
    for i in range(3):
        dockets.append(await _answered(desk, i, f"@MoCI_Seva IEC stuck {i}", f"Answer {i}."))
        desk.clock.advance(60)
    kept = await redis.hkeys(keys.answered("dgft"))
    assert sorted(kept) == sorted(dockets[1:])
    assert await redis.zcard(keys.answered_order("dgft")) == 2
