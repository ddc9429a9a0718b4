"""One publish at a time (the lease), every stage on record, and an end on record however it
ended; on a real redis-server, with a stand-in for the publisher's Rasa work."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.audit import AuditLog
from bot.clock import SystemClock
from bot.errors import NLUError
from bot.keys import Keys
from bot.nlu.publish import Published
from bot.nlu.publish_job import PublishBusyError, PublishJobs


class _Slow:
    """Stands in for ``Publisher``: reports two stages, then waits to be let go."""

    def __init__(self, go: asyncio.Event, fail: str | None = None) -> None:
        self.go, self.fail = go, fail

    async def publish(self, _kb: Any, _port: int, *, force: bool, stage: Any) -> Published:
        await stage("train", "running", {})
        await stage("train", "done", {"model": "nlu-x.tar.gz"})
        await self.go.wait()
        if self.fail:
            raise NLUError(self.fail)
        return Published("http://127.0.0.1:1", "nlu-x.tar.gz", None, {"en": 1.0}, 1.0)


async def _wait_end(jobs: PublishJobs, job: str) -> dict[str, str]:
    async with asyncio.timeout(10):
        while (record := await jobs.job(job)) and record["state"] == "running":
            await asyncio.sleep(0.02)
    assert record is not None
    return record


async def test_a_second_publish_waits_for_the_first(redis: Any, keys: Keys) -> None:
    """While one runs, another is refused naming it; once it ends, the next may start."""
    go = asyncio.Event()
    jobs = PublishJobs(
        redis, keys, SystemClock(), publisher=lambda: _Slow(go),  # type: ignore[arg-type,return-value]
        port=lambda: 1, audit=AuditLog(redis, keys, SystemClock()),
    )  # fmt: skip
    first = await jobs.start("asha")
    with pytest.raises(PublishBusyError, match=first):
        await jobs.start("ravi")
    go.set()
    assert (await _wait_end(jobs, first))["state"] == "published"
    stages = [(e["stage"], e["status"]) for _, e in await jobs.events(first)]
    assert stages == [("train", "running"), ("train", "done"), ("end", "published")]
    second = await jobs.start("ravi")
    assert (await _wait_end(jobs, second))["state"] == "published"
    assert await jobs.latest() == second


async def test_a_refusal_ends_on_record_and_frees_the_lease(redis: Any, keys: Keys) -> None:
    """The gate's refusal is the job's end, with the reason; the lease is free again."""
    go = asyncio.Event()
    go.set()
    jobs = PublishJobs(
        redis, keys, SystemClock(),
        publisher=lambda: _Slow(go, "refusing to publish: macro-F1 en would drop"),  # type: ignore[arg-type,return-value]
        port=lambda: 1, audit=AuditLog(redis, keys, SystemClock()),
    )  # fmt: skip
    job = await jobs.start("asha")
    record = await _wait_end(jobs, job)
    assert record["state"] == "refused"
    assert "would drop" in record["reason"]
    assert await redis.get(keys.kb("publish", "lease")) is None
