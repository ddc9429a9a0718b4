"""Exactly one reply when the outbox daemon is SIGKILLed mid-send, against the emulator.

The outbox runs as a real daemon process (`daemon.py`, roles=outbox); the emulator runs in
the test. A restarted daemon with the same instance id takes its lease back at once and
finds its own pending job first.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.outbox.jobs import Priority, ReplyJob, enqueue, state_of
from bot.x.emulator import EmulatorConfig, running_emulator
from tests.conftest import RedisServer, start_daemon


@pytest.fixture
async def emu() -> AsyncIterator[Any]:
    async with running_emulator(EmulatorConfig(keepalive_s=0.5)) as running:
        yield running


def _start_outbox(emu: Any, redis_server: RedisServer, key_prefix: str) -> subprocess.Popen[bytes]:
    return start_daemon(
        emu,
        redis_server.url,
        key_prefix,
        roles="outbox",
        instance_id="outbox-1",
        outbox_claim_idle_ms="1000",
    )


async def _until(predicate: Any, timeout: float = 20.0) -> Any:
    async with asyncio.timeout(timeout):
        while not (result := await predicate()):
            await asyncio.sleep(0.05)
    return result


@pytest.mark.parametrize(
    ("fault", "created_before_kill"),
    [("slow", False), ("delay", True)],
    ids=["killed-before-the-post-reaches-x", "killed-after-x-created-it"],
)
async def test_killed_outbox_still_posts_exactly_one_reply(
    emu: Any,
    redis_server: RedisServer,
    redis: Any,
    keys: Any,
    key_prefix: str,
    fault: str,
    created_before_kill: bool,
) -> None:
    """SIGKILL while the reply is in flight; after a restart the citizen has exactly one reply."""
    await emu.control.create_user("citizen")
    asked = await emu.control.publish(
        "citizen", f"@{emu.ministry['username']} how do I apply for IEC?"
    )
    post_id = str(asked["id"])
    await emu.control.fault("post_tweets", fault, count=1, delay_s=4.0)
    job = ReplyJob(job_id=f"reply:{post_id}", in_reply_to=post_id, parts=["Apply on dgft.gov.in · Ref T3ST001"],
                   kind="faq", priority=Priority.HIGH)  # fmt: skip
    await enqueue(redis, keys, job)
    proc = _start_outbox(emu, redis_server, key_prefix)
    try:
        await _until(lambda: _is_sending(redis, keys, job.job_id))
        await asyncio.sleep(1.0)  # the request is at X (held by the fault) when the daemon dies
        proc.kill()
        proc.wait()
        await asyncio.sleep(4.0)  # the fault's wait ends; "delay" has created the post by now
        created = await emu.control.posts(in_reply_to=post_id)
        assert len(created) == (1 if created_before_kill else 0)
        assert (await state_of(redis, keys, job.job_id))["state"] == "sending"

        proc = _start_outbox(emu, redis_server, key_prefix)
        await _until(lambda: _is_sent(redis, keys, job.job_id), timeout=30)
        await asyncio.sleep(1.0)
        replies = await emu.control.posts(in_reply_to=post_id)
        assert len(replies) == 1
        assert replies[0]["text"] == job.parts[0]
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=15)


async def _is_sending(redis: Any, keys: Any, job_id: str) -> bool:
    return (await state_of(redis, keys, job_id)).get("state") == "sending"


async def _is_sent(redis: Any, keys: Any, job_id: str) -> bool:
    return (await state_of(redis, keys, job_id)).get("state") == "sent"
