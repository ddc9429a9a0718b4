"""The NLU client against small HTTP servers: spreading, breaker, failover, URL switch.

The servers here are stand-ins that answer like Rasa's /model/parse (unit tests of the
client's logic); tests/nlu/test_rasa_server.py runs the same client against real Rasa.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from structlog.testing import capture_logs

from bot.clock import FakeClock
from bot.errors import NLUUnavailableError
from bot.keys import Keys
from bot.nlu.client import RasaClient
from bot.settings import Settings, load_settings


class Stub:
    """A parse endpoint that records calls and can be told to fail."""

    def __init__(self, intent: str) -> None:
        self.intent = intent
        self.calls: list[dict[str, Any]] = []
        self.status = 200
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append({"text": body["text"], "token": request.query.get("token")})
        if self.status != 200:
            return web.Response(status=self.status, text="down")
        ranking = [
            {"name": self.intent, "confidence": 0.9},
            {"name": "escalate", "confidence": 0.1},
        ]
        return web.json_response(
            {"text": body["text"], "intent": ranking[0], "intent_ranking": ranking}
        )

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/model/parse", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
async def stubs() -> AsyncIterator[Callable[[str], Any]]:
    started: list[Stub] = []

    async def make(intent: str) -> Stub:
        stub = Stub(intent)
        await stub.start()
        started.append(stub)
        return stub

    yield make
    for stub in started:
        await stub.stop()


def _settings(urls: list[str], **extra: Any) -> Settings:
    return load_settings(
        rasa_urls=urls,
        rasa_token="s3cret-token",
        nlu_timeout_s=1.0,
        nlu_retries=0,
        nlu_breaker_failures=2,
        nlu_breaker_reset_s=30.0,
        **extra,
    )


async def test_calls_are_spread_over_the_urls(stubs: Any) -> None:
    """Round robin: four parses over two servers give two calls each, with the token."""
    a, b = await stubs("faq_iec_apply"), await stubs("faq_iec_apply")
    client = RasaClient(_settings([a.url, b.url]), FakeClock())
    for _ in range(4):
        assert (await client.parse("how do I apply for IEC?")).intent == "faq_iec_apply"
    await client.close()
    assert len(a.calls) == 2
    assert len(b.calls) == 2
    assert a.calls[0]["token"] == "s3cret-token"


async def test_a_failing_server_is_skipped_and_its_breaker_opens(stubs: Any) -> None:
    """A 503ing server costs two failures, then is skipped until the reset time passes."""
    bad, good = await stubs("x"), await stubs("greet")
    bad.status = 503
    clock = FakeClock()
    client = RasaClient(_settings([bad.url, good.url]), clock)
    for _ in range(10):
        assert (await client.parse("hello")).intent == "greet"
    assert len(bad.calls) == 2  # breaker opened after two failures in a row
    assert len(good.calls) == 10
    bad.status = 200
    clock.advance(31.0)
    for _ in range(4):
        await client.parse("hello")
    assert len(bad.calls) >= 3  # a trial call after the reset time, then it is used again
    await client.close()


async def test_all_servers_down_fails_fast_once_the_breakers_open(stubs: Any) -> None:
    """With every server failing the client raises NLUUnavailableError; then it stops calling."""
    a = await stubs("x")
    a.status = 500
    client = RasaClient(_settings([a.url]), FakeClock())
    for _ in range(2):
        with pytest.raises(NLUUnavailableError):
            await client.parse("hi")
    with pytest.raises(NLUUnavailableError, match="circuit open"):
        await client.parse("hi")
    assert len(a.calls) == 2
    await client.close()


async def test_a_dead_port_is_unavailable_not_a_crash() -> None:
    """Nothing listening: NLUUnavailableError, so the post waits in the inbox."""
    client = RasaClient(_settings(["http://127.0.0.1:9"]), FakeClock())
    with pytest.raises(NLUUnavailableError):
        await client.parse("hello")
    await client.close()


async def test_the_client_follows_the_live_url_list_in_redis(
    stubs: Any, redis: Any, keys: Keys
) -> None:
    """After a publish writes a new URL list, calls go to the new server only."""
    blue, green = await stubs("faq_old"), await stubs("faq_new")
    clock = FakeClock()
    client = RasaClient(_settings([blue.url], nlu_urls_refresh_s=1.0), clock, redis, keys)
    assert (await client.parse("q")).intent == "faq_old"
    await redis.set(keys.nlu_urls, json.dumps([green.url]))
    clock.advance(1.1)
    assert (await client.parse("q")).intent == "faq_new"
    assert len(blue.calls) == 1
    await client.close()


async def test_the_token_is_never_logged(stubs: Any) -> None:
    """Failure logs name the URL but never the token."""
    a = await stubs("x")
    a.status = 503
    client = RasaClient(_settings([a.url]), FakeClock())
    with capture_logs() as logs:
        for _ in range(2):
            with pytest.raises(NLUUnavailableError) as info:
                await client.parse("hi")
            assert "s3cret-token" not in str(info.value)
    assert logs
    assert "s3cret-token" not in json.dumps(logs, default=str)
    await client.close()
