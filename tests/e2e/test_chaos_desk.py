"""The probe's run, in the suite: 300 citizens, seeded kills, a deleted post, a 402 on the
stream and a Redis that loses its data; every post answered exactly once.

The whole desk runs as a real daemon process (ingest, pipeline, outbox, sla) against the
emulator over HTTP, the session's Rasa and a private redis-server with AOF. The kills are
SIGKILLs at seeded points; the data loss removes Redis's files before a restart, as a Redis
without persistence comes back; the operator then runs ``seva recover --yes``.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis.asyncio as aioredis

from bot.alarms import Severity, severity_of
from bot.keys import Keys
from bot.nlu.server import RasaServer
from bot.x.emulator import running_emulator
from tests.conftest import RedisServer
from tests.e2e.chaos import TEXTS, alarms, desk_process, direct_replies, raised_limits
from tests.ingest.test_amnesia import _recover, _wipe_and_restart
from tests.outbox.test_poster_emulator import _delete

N_POSTS = 300
SEED = 20261201


@pytest.fixture
async def emu() -> AsyncIterator[Any]:
    async with running_emulator(raised_limits()) as running:
        yield running


def _desk(emu: Any, server: RedisServer | str, prefix: str, rasa: RasaServer) -> subprocess.Popen[bytes]:  # fmt: skip
    url = server if isinstance(server, str) else server.url
    return desk_process(emu, url, prefix, rasa.url, rasa.token)


@dataclass
class Run:
    """One chaos run: the seeded fault points and what happened."""

    emu: Any
    server: RedisServer
    rasa: RasaServer
    prefix: str
    rng: random.Random
    published: list[str] = field(default_factory=list)
    deleted: str | None = None
    recovered: bool = False
    replied_before_loss: int = 0

    def __post_init__(self) -> None:
        self.kills = sorted(self.rng.sample(range(40, 260), 2))
        self.loss_at = self.rng.randrange(120, 200)
        self.stream_402_at = self.rng.randrange(20, 100)
        self.deleted_at = self.rng.randrange(10, 290)
        self.proc = _desk(self.emu, self.server, self.prefix, self.rasa)

    async def fault_before(self, i: int) -> None:
        """Inject the faults seeded for post ``i``."""
        if i in self.kills:
            self.proc.kill()
            self.proc.wait()
            await asyncio.sleep(0.5)
            self.proc = _desk(self.emu, self.server, self.prefix, self.rasa)
        if i == self.stream_402_at:
            await self.emu.control.fault("stream", "402", count=1)
            await self.emu.control.fault("stream", "drop_stream", count=1)
        if i == self.loss_at:
            self.replied_before_loss = len(await direct_replies(self.emu))
            _wipe_and_restart(self.server)

    async def publish(self, i: int, user: dict[str, str]) -> None:
        """Post ``i``; the seeded one is deleted at once; recover once intake is held."""
        text = TEXTS[i % len(TEXTS)].format(h=f"@{self.emu.ministry['username']}")
        post = await self.emu.control.publish(user["username"], text)
        self.published.append(str(post["id"]))
        if i == self.deleted_at:
            self.deleted = str(post["id"])
            await _delete(self.emu, self.deleted, user["user_token"])
        if i > self.loss_at and not self.recovered:
            self.recovered = await _recover_when_held(self.emu, self.server, self.prefix)

    async def until_all_answered(self) -> Counter[str]:
        """Wait until every post but the deleted one has a reply; return the reply counts."""
        try:
            async with asyncio.timeout(60):
                while not self.recovered:
                    self.recovered = await _recover_when_held(self.emu, self.server, self.prefix)
                    await asyncio.sleep(0.3)
        except TimeoutError:
            # Right only if X showed no sign of the desk yet: then it is a first start.
            assert 0 == self.replied_before_loss, "amnesia went unnoticed: intake never held"
        expected = set(self.published) - {self.deleted}
        async with asyncio.timeout(240):
            while not expected <= set(await direct_replies(self.emu)):
                await asyncio.sleep(1.0)
        await asyncio.sleep(3.0)  # anything doubled would have been posted by now
        return await direct_replies(self.emu)


@pytest.mark.chaos
@pytest.mark.slow
@pytest.mark.rasa
@pytest.mark.timeout(420)
async def test_300_posts_through_kills_a_deleted_post_a_402_and_data_loss(
    emu: Any, own_redis: RedisServer, rasa: RasaServer, key_prefix: str, measured: Any
) -> None:
    """0 lost and 0 duplicated: every post has exactly one reply; alarms end cleared."""
    users = [await emu.control.create_user(f"citizen_{i:03d}") for i in range(N_POSTS)]
    run = Run(emu, own_redis, rasa, key_prefix, random.Random(SEED))
    try:
        await _until_up(own_redis, key_prefix)  # the kills must hit a running daemon
        for i, user in enumerate(users):
            await run.fault_before(i)
            await run.publish(i, user)
            await asyncio.sleep(0.05)
        counts = await run.until_all_answered()
        lost = sorted(set(run.published) - {run.deleted} - set(counts))
        doubled = sorted(p for p, n in counts.items() if n > 1)
        raised = await alarms(own_redis.url, Keys(key_prefix))
        measured(
            f"{len(run.published)} posts, kills at {run.kills}, 402 at {run.stream_402_at}, "
            f"data loss at {run.loss_at}, deleted #{run.deleted_at}: lost {len(lost)}, "
            f"doubled {len(doubled)}, alarms left {sorted(raised)}"
        )
        assert ([], []) == (lost, doubled)
        assert run.deleted not in counts
        assert [] == [a for a in raised if severity_of(a) is Severity.CRITICAL]
    finally:
        if run.proc.poll() is None:
            run.proc.terminate()
            run.proc.wait(timeout=20)


async def _until_up(server: RedisServer, prefix: str) -> None:
    """Wait until the daemon has written its epoch (a loaded machine starts it slowly)."""
    client = aioredis.Redis.from_url(server.url, decode_responses=True)
    try:
        async with asyncio.timeout(90):
            while not await client.exists(Keys(prefix).epoch):
                await asyncio.sleep(0.2)
    finally:
        await client.aclose()


async def _recover_when_held(emu: Any, server: RedisServer, prefix: str) -> bool:
    client = aioredis.Redis.from_url(server.url, decode_responses=True)
    try:
        if not await client.exists(Keys(prefix).hold):
            return False
    except (ConnectionError, OSError, aioredis.ConnectionError):
        return False
    finally:
        await client.aclose()
    done = await asyncio.to_thread(_recover, emu, server, prefix, "--yes")
    assert 0 == done.returncode, done.stdout + done.stderr
    return True
