"""The chaos tests' harness: desk processes, a citizen crowd, a switchable Rasa, the count.

Every chaos test runs real daemon processes (``daemon.py``) against the emulator over HTTP,
a private redis-server and the session's Rasa, publishes a crowd of distinct citizens,
injects its faults at seeded points, then counts the ministry's direct replies per post:
exactly one each, or the test fails with the lost and doubled posts listed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis

from bot.keys import Keys
from bot.nlu.server import RasaServer
from bot.x.emulator import EmulatorConfig
from tests.conftest import start_daemon

TEXTS = (
    "{h} how do I apply for IEC?",
    "{h} IEC ke liye apply kaise karein?",
    "{h} my IEC application has been pending for three weeks and nobody at DGFT responds",
    "{h} मेरा स्टार्टअप मान्यता आवेदन दो महीने से लंबित है, कोई जवाब नहीं दे रहा",
)
ALL_ROLES = "ingest,pipeline,outbox,sla"


def raised_limits(**extra: Any) -> EmulatorConfig:
    """An emulator whose own limits cannot mask a loss (the desk's are raised too)."""
    config = EmulatorConfig(keepalive_s=0.3, post_3h_limit=100_000, **extra)
    config.update({"limits": {"post_tweets": {"user": 100_000}, "timeline": {"app": 100_000}}})
    return config


def desk_process(
    emu: Any, url: str, prefix: str, rasa_url: str, token: str,
    roles: str = ALL_ROLES, instance: str = "chaos-desk",
) -> subprocess.Popen[bytes]:  # fmt: skip
    """One daemon with ``roles``, every wait scaled down, every limit raised."""
    return start_daemon(
        emu, url, prefix, roles=roles, instance_id=instance,
        rasa_urls=rasa_url, rasa_token=token, nlu_retry_s="0.5", nlu_breaker_reset_s="1",
        ingest_poll_interval_s="1", x_stream_read_timeout_s="2", x_stream_keepalive_s="0.3",
        x_stream_payment_retry_s="1", x_backoff_http_initial_s="0.2", x_backoff_http_max_s="2",
        x_backoff_429_initial_s="0.5", x_backoff_429_max_s="2",
        x_backoff_network_step_s="0.1", epoch_check_s="0.3", redis_backoff_max_s="0.5",
        outbox_limit_15m="100000", outbox_limit_3h="100000", outbox_limit_24h="100000",
        outbox_daily_budget_usd="100000", outbox_claim_idle_ms="2000", outbox_pause_s="1",
        outbox_retry_initial_s="0.2", outbox_retry_max_s="1", sla_tick_s="1",
    )  # fmt: skip


@dataclass
class Desk:
    """Named daemon processes of one desk, which a test kills and restarts."""

    emu: Any
    url: str
    prefix: str
    rasa: RasaServer
    rasa_url: str = ""
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)

    def start(self, name: str, roles: str = ALL_ROLES) -> None:
        """Start (or restart) the process called ``name``; the same name takes leases back."""
        self.roles[name] = roles
        self.procs[name] = desk_process(
            self.emu, self.url, self.prefix, self.rasa_url or self.rasa.url, self.rasa.token,
            roles, instance=name,
        )  # fmt: skip

    async def kill_and_restart(self, name: str, down_s: float = 0.5) -> None:
        """SIGKILL ``name``, wait ``down_s``, start it again."""
        self.procs[name].kill()
        self.procs[name].wait()
        await asyncio.sleep(down_s)
        self.start(name, self.roles[name])

    def stop(self) -> None:
        """SIGTERM every process and wait for it."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=20)


async def crowd(emu: Any, n: int, name: str = "citizen") -> list[dict[str, str]]:
    """``n`` distinct citizens."""
    return [await emu.control.create_user(f"{name}_{i:03d}") for i in range(n)]


async def publish_all(
    emu: Any,
    users: list[dict[str, str]],
    before: Callable[[int], Awaitable[None]] | None = None,
    pause_s: float = 0.05,
) -> list[str]:
    """Each citizen posts once (FAQ questions and grievances, three languages)."""
    handle = f"@{emu.ministry['username']}"
    published = []
    for i, user in enumerate(users):
        if before is not None:
            await before(i)
        text = TEXTS[i % len(TEXTS)].format(h=handle)
        published.append(str((await emu.control.publish(user["username"], text))["id"]))
        await asyncio.sleep(pause_s)
    return published


async def direct_replies(emu: Any) -> Counter[str]:
    """How many posts of the ministry reply directly to each post (thread parts excluded)."""
    own = await emu.control.posts(author=emu.ministry["id"])
    own_ids = {str(p["id"]) for p in own}
    counts: Counter[str] = Counter()
    for post in own:
        for ref in post.get("referenced_tweets") or ():
            if ref["type"] == "replied_to" and str(ref["id"]) not in own_ids:
                counts[str(ref["id"])] += 1
    return counts


async def lost_and_doubled(
    emu: Any, expected: set[str], timeout_s: float = 180.0
) -> tuple[list[str], list[str]]:
    """Wait until every expected post has a reply (or time runs out); then count."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout_s):
            while not expected <= set(await direct_replies(emu)):
                await asyncio.sleep(1.0)
    await asyncio.sleep(3.0)  # anything doubled would have been posted by now
    counts = await direct_replies(emu)
    lost = sorted(expected - set(counts))
    doubled = sorted(p for p, n in counts.items() if n > 1)
    return lost, doubled


async def alarms(url: str, keys: Keys) -> dict[str, Any]:
    """The alarms raised now, by name."""
    client = aioredis.Redis.from_url(url, decode_responses=True)
    try:
        found = {}
        async for key in client.scan_iter(match=keys.alarm_pattern()):
            raw = await client.get(key)
            if raw is not None:
                found[key.removeprefix(keys.alarm(""))] = json.loads(raw)
        return found
    finally:
        await client.aclose()


class RasaSwitch:
    """A TCP forwarder in front of the real Rasa that can go down (connections refused)."""

    def __init__(self, target_port: int, port: int) -> None:
        self.target_port = target_port
        self.port = port
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def up(self) -> None:
        """Accept connections again (on the same port)."""
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)

    async def down(self) -> None:
        """Close the listener and every open connection: Rasa is gone."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._open):
            writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._open |= {writer, up_writer}

        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))
        self._open -= {writer, up_writer}
