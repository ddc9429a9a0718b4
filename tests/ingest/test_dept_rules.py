"""The stream rules follow the live KB's department tags: synced at start and re-synced on
the poll loop when an edit changes them (the emulator's rules endpoint, a real Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.clock import SystemClock
from bot.epoch import EpochWatch
from bot.ingest.role import IngestRole
from bot.ingest.rules import DeptTags, desired_rules
from bot.kb.schema import KnowledgeBase
from bot.kb.source import RedisKB
from bot.keys import Keys
from bot.lifecycle import RoleContext
from bot.settings import Settings, load_settings
from bot.x.adapter import TweepyXClient
from bot.x.emulator import EmulatorConfig, running_emulator


@pytest.fixture
async def emu() -> AsyncIterator[Any]:
    async with running_emulator(EmulatorConfig(keepalive_s=0.5)) as running:
        yield running


async def _no_evidence() -> None:
    return None


def _tagged(kb: KnowledgeBase, dept_id: str, **tags: list[str]) -> KnowledgeBase:
    depts = [d.model_copy(update=tags) if d.id == dept_id else d for d in kb.departments]
    return kb.model_copy(update={"departments": depts})


async def _rule_values(x: TweepyXClient, wanted: set[str], timeout: float = 20) -> set[str]:
    """The emulator's rules, once ``wanted`` is exactly the department rules among them."""
    async with asyncio.timeout(timeout):
        while True:
            values = {r.value for r in await x.get_rules()}
            if {v for v in values if v.startswith(("#dgft", "@dgft"))} == wanted:
                return values
            await asyncio.sleep(0.1)


def test_desired_rules_include_the_departments_tags(shipped_kb: KnowledgeBase) -> None:
    """Each department hashtag and handle becomes a rule tagged with its department."""
    kb = _tagged(shipped_kb, "dgft", hashtags=["DGFTSeva"], handles=["@DGFT_Desk"])
    rules = desired_rules(load_settings(hashtags="mociseva"), DeptTags.of(kb))
    assert [
        ("#dgftseva -is:retweet", "dept:dgft:hashtag:dgftseva"),
        ("@dgft_desk -is:retweet", "dept:dgft:handle:dgft_desk"),
    ] == [(r.value, r.tag) for r in rules if r.tag and r.tag.startswith("dept:")]


async def test_rules_are_resynced_when_the_live_kb_changes_department_tags(
    emu: Any, redis: Any, keys: Keys, shipped_kb: KnowledgeBase, settings: Settings
) -> None:
    """Start: the live KB's tags are in the rules; an edit adding one and dropping another
    reaches X's rules within a poll round; the desk's own rules stay."""
    s = load_settings(
        redis_url=settings.redis_url, key_prefix=settings.key_prefix,
        x_base_url=emu.base_url, x_bearer_token=emu.config.app_bearer,
        x_user_access_token=emu.ministry["user_token"], account_handle=emu.ministry["username"],
        account_user_id=emu.ministry["id"], ingest_poll_interval_s=0.2,
    )  # fmt: skip
    live = RedisKB(redis, keys)
    await live.apply(
        0, _tagged(shipped_kb, "dgft", hashtags=["DGFTSeva"]), who="t", when="t", summary="import"
    )
    await EpochWatch(redis, keys, SystemClock(), _no_evidence).establish("test")
    x = TweepyXClient(s, SystemClock())
    role_x = TweepyXClient(s, SystemClock())
    role = IngestRole(role_x, live)
    ctx = RoleContext(settings=s, redis=redis, keys=keys, clock=SystemClock(), stop=asyncio.Event())
    task = asyncio.create_task(role.run(ctx))
    try:
        first = await _rule_values(x, {"#dgftseva -is:retweet"})
        assert f"@{emu.ministry['username']} -is:retweet" in first
        edited = _tagged(shipped_kb, "dgft", hashtags=["DGFTHelp"], handles=["DGFTDesk"])
        await live.apply(1, edited, who="t", when="t", summary="tags")
        after = await _rule_values(x, {"#dgfthelp -is:retweet", "@dgftdesk -is:retweet"})
        assert first - {"#dgftseva -is:retweet"} <= after
    finally:
        ctx.stop.set()
        await asyncio.wait_for(task, 10)
        await x.close()
        await role_x.close()
