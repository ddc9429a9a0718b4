"""The outbox against the emulator over HTTP: deleted targets and reconciling under load."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.clock import SystemClock
from bot.errors import TargetGoneError
from bot.outbox.budget import PostBudget
from bot.outbox.jobs import ReplyJob, enqueue, state_of
from bot.outbox.poster import Poster
from bot.x.adapter import TweepyXClient
from bot.x.emulator.config import EmulatorConfig
from bot.x.emulator.server import RunningEmulator, running_emulator
from tests.x_adapter.test_adapter_emulator import emu_settings


@pytest.fixture
async def emu() -> AsyncIterator[RunningEmulator]:
    async with running_emulator(config=EmulatorConfig(keepalive_s=0.1), port=0) as running:
        yield running


@pytest.fixture
async def x(emu: RunningEmulator) -> AsyncIterator[TweepyXClient]:
    client = TweepyXClient(emu_settings(emu), SystemClock())
    yield client
    await client.close()


def _poster(redis: Any, keys: Any, settings: Any, x: TweepyXClient, blocked: list[Any]) -> Poster:
    async def on_blocked(job: ReplyJob, why: str) -> None:
        blocked.append((job.job_id, why))

    clock = SystemClock()
    return Poster(
        redis=redis, keys=keys, x=x, budget=PostBudget(redis, keys, clock, settings),
        clock=clock, settings=settings, on_blocked=on_blocked,
    )  # fmt: skip


async def _delete(emu: RunningEmulator, post_id: str, user_token: str) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.delete(
            f"{emu.base_url}/2/tweets/{post_id}", headers={"Authorization": f"Bearer {user_token}"}
        ) as resp,
    ):
        assert 200 == resp.status
        assert (await resp.json())["data"]["deleted"] is True


async def test_deleted_post_maps_to_target_gone(emu: RunningEmulator, x: TweepyXClient) -> None:
    """X's 403 for a reply to a deleted post is TargetGoneError, not 'X unavailable'."""
    citizen = await emu.control.create_user("gone_citizen")
    post = await emu.control.publish("gone_citizen", f"@{emu.ministry['username']} help")
    await _delete(emu, str(post["id"]), citizen["user_token"])
    with pytest.raises(TargetGoneError):
        await x.create_reply("answer Ref G1", str(post["id"]))


async def test_reply_to_a_deleted_post_fails_once_and_the_next_job_goes_out(
    emu: RunningEmulator, x: TweepyXClient, redis: Any, keys: Any, settings: Any
) -> None:
    """A deleted target fails its job for good (counted, ticket told); later jobs still post."""
    citizen = await emu.control.create_user("deleter")
    await emu.control.create_user("stayer")
    gone = await emu.control.publish("deleter", f"@{emu.ministry['username']} q1")
    kept = await emu.control.publish("stayer", f"@{emu.ministry['username']} q2")
    await _delete(emu, str(gone["id"]), citizen["user_token"])
    blocked: list[Any] = []
    poster = _poster(redis, keys, settings, x, blocked)
    job_gone = ReplyJob(job_id="faq:gone", in_reply_to=str(gone["id"]), parts=["a Ref G2"], kind="faq", docket="MOCI-2026-000001")  # fmt: skip
    job_kept = ReplyJob(job_id="faq:kept", in_reply_to=str(kept["id"]), parts=["b Ref K2"], kind="faq")  # fmt: skip
    for job in (job_gone, job_kept):
        await enqueue(redis, keys, job)
        await poster.post(job)  # raises Defer (and would block the queue) before the fix
    gone_state = await state_of(redis, keys, "faq:gone")
    assert ("failed", "target_gone") == (gone_state["state"], gone_state["code"])
    assert "sent" == (await state_of(redis, keys, "faq:kept"))["state"]
    assert [("faq:gone", "target_gone")] == blocked
    assert "1" == await redis.hget(keys.counter("outbox_failed"), "target_gone")
    assert 1 == len(await emu.control.posts(in_reply_to=str(kept["id"])))


async def test_reconcile_finds_a_reply_behind_more_than_100_newer_own_posts(
    emu: RunningEmulator, x: TweepyXClient, redis: Any, keys: Any, settings: Any
) -> None:
    """An interrupted send whose reply is 150 own posts back is found, not re-posted."""
    ministry = emu.ministry["username"]
    await emu.control.create_user("busy_citizen")
    asked = await emu.control.publish("busy_citizen", f"@{ministry} thread please")
    target = str(asked["id"])
    part1 = await emu.control.publish(ministry, "1/2 first Ref B1", in_reply_to=target)
    for i in range(150):  # the desk kept answering others while this job sat unreconciled
        await emu.control.publish(ministry, f"other answer {i}")
    job = ReplyJob(job_id="faq:busy", in_reply_to=target, parts=["1/2 first Ref B1", "2/2 second Ref B1"], kind="faq")  # fmt: skip
    await enqueue(redis, keys, job)
    await redis.hset(keys.reply(job.job_id), mapping={"state": "sending", "sending_part": 0})
    await _poster(redis, keys, settings, x, []).post(job)
    state = await state_of(redis, keys, job.job_id)
    assert ("sent", str(part1["id"])) == (state["state"], state["id_0"])
    replies = await emu.control.posts(in_reply_to=target)
    assert [str(part1["id"])] == [str(r["id"]) for r in replies]
    second = await emu.control.posts(in_reply_to=str(part1["id"]))
    assert ["2/2 second Ref B1"] == [r["text"] for r in second]
