"""A stream refused with a 402 raises a critical alarm, retries slowly, and comes back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.x.emulator import EmulatorConfig, running_emulator
from tests.conftest import RedisServer, start_daemon


@pytest.fixture
async def emu() -> AsyncIterator[Any]:
    async with running_emulator(EmulatorConfig(keepalive_s=0.3)) as running:
        yield running


async def _until(predicate: Any, timeout: float = 20.0) -> Any:
    async with asyncio.timeout(timeout):
        while not (result := await predicate()):
            await asyncio.sleep(0.1)
    return result


@pytest.mark.slow
async def test_stream_402_alarms_then_reconnects_and_clears(
    emu: Any, redis_server: RedisServer, redis: Any, keys: Any, key_prefix: str
) -> None:
    """A 402 on connect: critical alarm while refused; after the retry the stream delivers."""
    await emu.control.fault("stream", "402", count=2)
    proc = start_daemon(
        emu, redis_server.url, key_prefix, roles="ingest", instance_id="ingest-402",
        ingest_poll_interval_s="60", x_stream_read_timeout_s="2", x_stream_keepalive_s="0.3",
        x_stream_payment_retry_s="1.5",
    )  # fmt: skip
    try:
        raw = await _until(lambda: redis.get(keys.alarm("ingest_stream_refused")))
        alarm = json.loads(raw)
        assert "critical" == alarm["severity"]
        assert "CreditsDepleted" in alarm["detail"]
        # Two refusals, then the third try connects and the alarm clears by itself.
        await _until(lambda: _cleared(redis, keys), timeout=20)
        await emu.control.create_user("streamed")
        await emu.control.publish("streamed", f"@{emu.ministry['username']} after the 402")
        # Polling waits 60 s, so an entry within a few seconds came through the stream.
        await _until(lambda: redis.xlen(keys.inbox), timeout=5)
        beat = await _until(lambda: _beat_with_stream_up(redis, keys), timeout=5)
        assert beat["up"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=15)


async def _cleared(redis: Any, keys: Any) -> bool:
    return not await redis.exists(keys.alarm("ingest_stream_refused"))


async def _beat_with_stream_up(redis: Any, keys: Any) -> dict[str, Any] | None:
    raw = await redis.get(keys.heartbeat("ingest", "ingest-402"))
    beat: dict[str, Any] | None = json.loads(raw) if raw else None
    return beat if beat and beat.get("stream") == "up" else None


async def test_an_ingest_task_that_dies_is_raised_to_the_supervisor() -> None:
    """A poll or stream task that ends while leader crashes the role (restarted, logged)."""
    from bot.errors import RoleTaskEndedError
    from bot.ingest.role import _until_lost_or_dead

    async def dies() -> None:
        raise RuntimeError("boom")

    async def holds() -> None:
        await asyncio.sleep(60)

    lost = asyncio.Event()
    tasks = [asyncio.create_task(dies(), name="stream"), asyncio.create_task(holds(), name="poll")]
    with pytest.raises(RoleTaskEndedError, match="stream"):
        await _until_lost_or_dead(tasks, lost)
    assert all(t.done() for t in tasks)
