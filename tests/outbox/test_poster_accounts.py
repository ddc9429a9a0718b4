"""A reply job naming a department handle posts with that handle's client, or goes to a hand
reply when the desk holds no token for it."""

from __future__ import annotations

from typing import Any

from bot.clock import FakeClock
from bot.outbox.budget import PostBudget
from bot.outbox.jobs import ReplyJob, enqueue, state_of
from bot.outbox.poster import Poster
from bot.settings import Settings
from tests.outbox.fake_x import FakeX

TARGET = "1900000000000000001"


def _poster(
    redis: Any, keys: Any, settings: Settings, desk: FakeX, accounts: dict[str, Any]
) -> tuple[Poster, list[tuple[str, str]]]:
    blocked: list[tuple[str, str]] = []

    async def on_blocked(job: ReplyJob, why: str) -> None:
        blocked.append((job.job_id, why))

    clock = FakeClock()
    poster = Poster(
        redis=redis, keys=keys, x=desk, budget=PostBudget(redis, keys, clock, settings),
        clock=clock, settings=settings, on_blocked=on_blocked, accounts=accounts,
    )  # fmt: skip
    return poster, blocked


def _job(job_id: str, account: str | None) -> ReplyJob:
    return ReplyJob(
        job_id=job_id, in_reply_to=TARGET, parts=[f"hello Ref {job_id[-2:]}"], kind="faq",
        docket="MOCI-2026-000001", account=account,
    )  # fmt: skip


async def test_a_job_for_a_department_handle_posts_with_that_handle_s_client(
    redis: Any, keys: Any, settings: Settings
) -> None:
    """account=DGFTDesk goes through DGFTDesk's client (any case), never the desk's own."""
    desk, dgft = FakeX(), FakeX()
    poster, blocked = _poster(redis, keys, settings, desk, {"dgftdesk": dgft})
    job = _job("faq:11", "DGFTDesk")
    await enqueue(redis, keys, job)
    await poster.post(job)
    assert (["hello Ref 11"], [], []) == (dgft.texts(), desk.texts(), blocked)
    assert "sent" == (await state_of(redis, keys, job.job_id))["state"]


async def test_a_job_for_a_handle_without_a_token_goes_to_a_hand_reply(
    redis: Any, keys: Any, settings: Settings
) -> None:
    """No client for the handle: nothing is posted, the job fails as no_token, the ticket is
    marked for a hand reply (on_blocked)."""
    desk = FakeX()
    poster, blocked = _poster(redis, keys, settings, desk, {})
    job = _job("faq:12", "SEZDesk")
    await enqueue(redis, keys, job)
    await poster.post(job)
    state = await state_of(redis, keys, job.job_id)
    assert ([], [("faq:12", "no_token")], "failed", "no_token") == (
        desk.texts(), blocked, state["state"], state["code"],
    )  # fmt: skip
