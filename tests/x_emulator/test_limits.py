"""Rate windows, the monthly read cap and the injected faults (except the stream's)."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from bot.x.emulator import EmulatorConfig, RunningEmulator, running_emulator
from tests.x_emulator.conftest import APP, XApi


async def test_rate_limit_window_refuses_then_resets(api: XApi) -> None:
    """After the limit, 429 with remaining 0 and the reset; a new window allows again."""
    config = EmulatorConfig(window_s=1.0)
    config.update({"limits": {"me": {"user": 2}}})
    async with running_emulator(config) as emu:
        api.base_url = emu.base_url
        token = emu.ministry["user_token"]
        replies = [await api.get("/2/users/me", token) for _ in range(3)]
        await asyncio.sleep(
            max(0.0, int(replies[2].headers["x-rate-limit-reset"]) - time.time()) + 0.05
        )
        after = await api.get("/2/users/me", token)
    assert [200, 200, 429, 200] == [r.status for r in [*replies, after]]
    assert ["1", "0", "0"] == [r.headers["x-rate-limit-remaining"] for r in replies]
    assert {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    } == replies[2].body
    assert "2" == replies[2].headers["x-rate-limit-limit"]


async def test_windows_are_per_user_and_per_app(api: XApi) -> None:
    """Each token has its own window: one user's exhaustion does not block another or the app."""
    config = EmulatorConfig()
    config.update({"limits": {"mentions": {"app": 1, "user": 1}}})
    async with running_emulator(config) as emu:
        api.base_url = emu.base_url
        other = await emu.control.create_user("asha")
        path = f"/2/users/{emu.ministry['id']}/mentions"
        statuses = [
            (await api.get(path, emu.ministry["user_token"])).status,
            (await api.get(path, emu.ministry["user_token"])).status,
            (await api.get(path, other["user_token"])).status,
            (await api.get(path, APP)).status,
        ]
    assert [200, 429, 200, 200] == statuses


async def test_post_limits_three_hour_and_app_day(api: XApi) -> None:
    """POST /2/tweets also stops at the 3-hour user ceiling; the 24-hour app headers appear."""
    async with running_emulator(EmulatorConfig(post_3h_limit=2)) as emu:
        api.base_url = emu.base_url
        token = emu.ministry["user_token"]
        replies = [await api.post("/2/tweets", token, {"text": f"n{i}"}) for i in range(3)]
    assert [201, 201, 429] == [r.status for r in replies]
    assert "9998" == replies[1].headers["x-app-limit-24hour-remaining"]


async def test_usage_cap_counts_posts_read(api: XApi) -> None:
    """Reads spend the monthly cap by posts returned; then 429 usage-capped (not a rate limit)."""
    async with running_emulator(EmulatorConfig(monthly_read_cap=3)) as emu:
        api.base_url = emu.base_url
        await emu.control.create_user("asha")
        for i in range(2):
            await emu.control.publish("asha", f"@MoCI_Seva q{i}")
        path = f"/2/users/{emu.ministry['id']}/mentions"
        first = await api.get(path, APP)  # 2 posts
        second = await api.get(path, APP)  # 2 more: 4 >= 3
        third = await api.get(path, APP)
        posting = await api.post("/2/tweets", emu.ministry["user_token"], {"text": "writes go on"})
    assert [200, 200, 429, 201] == [first.status, second.status, third.status, posting.status]
    assert third.body["type"].endswith("/2/problems/usage-capped")
    assert "UsageCapExceeded" == third.body["title"]


@pytest.mark.parametrize(
    ("kind", "status", "suffix"),
    [
        ("429", 429, "about:blank"),
        ("usage_capped", 429, "/usage-capped"),
        ("503", 503, "about:blank"),
        ("402", 402, "/credits-depleted"),
        ("401", 401, "about:blank"),
    ],
)
async def test_response_faults(
    emulator: RunningEmulator, api: XApi, user_token: str, kind: str, status: int, suffix: str
) -> None:
    """Each response fault answers X's problem once, with rate headers, then clears."""
    await emulator.control.fault("me", kind)
    faulted = await api.get("/2/users/me", user_token)
    after = await api.get("/2/users/me", user_token)
    assert (status, True, 200) == (
        faulted.status,
        faulted.body["type"].endswith(suffix),
        after.status,
    )
    assert "x-rate-limit-reset" in faulted.headers


async def test_503_html_fault_is_html(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """The 503html fault answers an HTML page with text/html (tweepy then can't decode JSON)."""
    await emulator.control.fault("*", "503html", count=2)
    first = await api.get("/2/users/me", user_token)
    second = await api.get(f"/2/users/{emulator.ministry['id']}/mentions", user_token)
    third = await api.get("/2/users/me", user_token)
    assert (503, "text/html", 503, 200) == (
        first.status,
        first.content_type,
        second.status,
        third.status,
    )
    assert first.body.startswith("<!DOCTYPE html>")


async def test_slow_fault_delays_the_answer(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """'slow' waits delay_s before handling."""
    await emulator.control.fault("me", "slow", delay_s=0.3)
    started = time.monotonic()
    reply = await api.get("/2/users/me", user_token)
    assert (200, True) == (reply.status, time.monotonic() - started >= 0.3)


async def test_delay_fault_creates_the_post_before_a_client_gives_up(
    emulator: RunningEmulator, user_token: str
) -> None:
    """'delay' on POST /2/tweets: the post exists although the client timed out unanswered."""
    await emulator.control.fault("post_tweets", "delay", delay_s=1.0)
    timeout = aiohttp.ClientTimeout(total=0.3)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        with pytest.raises(asyncio.TimeoutError):
            await session.post(
                emulator.base_url + "/2/tweets",
                json={"text": "Your docket is MOCI-2026-000123"},
                headers={"Authorization": f"Bearer {user_token}"},
            )
    posts = await emulator.control.posts(author="MoCI_Seva")
    assert ["Your docket is MOCI-2026-000123"] == [p["text"] for p in posts]


async def test_unknown_fault_is_refused(emulator: RunningEmulator) -> None:
    """The control API refuses a fault kind it does not know."""
    with pytest.raises(RuntimeError):
        await emulator.control.fault("me", "meltdown")
