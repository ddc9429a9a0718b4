"""A storm through the whole desk: emulator over HTTP, real Rasa, real Redis, officer CLI.

Citizens post about one outage in three languages, plus two look-alikes. The pipeline
escalates them, the SLA leader groups the storm, an officer answers the master with
``seva tickets``, and every author in the storm finds that answer under their own post on
the emulator, each with their own docket.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from bot.nlu.server import RasaServer
from bot.tickets.commands import tickets
from tests.conftest import RedisServer
from tests.e2e.test_desk import Desk, running_desk
from tests.users.helpers import add_officers

CORPUS = Path(__file__).resolve().parents[1] / "tickets" / "storm_corpus.yml"
ANSWER = "The DGFT portal is back after a server fault; please retry your IEC filing now."


@pytest.fixture
async def storm_desk(
    rasa: RasaServer, redis_server: RedisServer, key_prefix: str
) -> AsyncIterator[Desk]:
    """Pipeline, outbox and the SLA leader (which groups storms), ticking every 0.2 s."""
    async with running_desk(
        rasa, redis_server, key_prefix, "pipeline,outbox,sla", sla_tick_s=0.2
    ) as running:
        yield running


def _posts() -> tuple[list[str], list[str]]:
    """Five storm posts per language and two near-misses, from the blind-written corpus."""
    data = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    storm: list[str] = []
    for lang in ("en", "hi", "hinglish"):
        storm += [p["text"] for p in data["storm"]["posts"] if p["lang"] == lang][:5]
    misses = [data["near_misses"][0]["text"], data["near_misses"][1]["text"]]
    return storm, misses


async def _cli(desk: Desk, *args: str) -> Result:
    """Run ``seva tickets ...`` as an officer would (in a thread: it runs its own loop)."""
    env = {
        "SEVA_REDIS_URL": desk.settings.redis_url,
        "SEVA_KEY_PREFIX": desk.settings.key_prefix,
        "SEVA_KB_DIR": str(desk.settings.kb_dir),
        "SEVA_RESPONSES_DIR": str(desk.settings.responses_dir),
        "SEVA_OFFICER": "meera",
    }
    runner = CliRunner()
    return await asyncio.to_thread(
        runner.invoke, tickets, list(args), env=env, catch_exceptions=False
    )


async def _storm_of(desk: Desk, dockets: list[str], timeout: float = 30) -> dict[str, str]:
    """Wait until the SLA leader has swept every docket; return docket -> master."""
    async with asyncio.timeout(timeout):
        while await desk.redis.zcard(desk.keys.storm_pending):
            await asyncio.sleep(0.1)
    out = {}
    for d in dockets:
        out[d] = await desk.redis.hget(desk.keys.ticket(d), "storm_of") or d
    return out


async def _children(desk: Desk, post_id: str) -> list[dict[str, Any]]:
    return list(await desk.emu.control.posts(in_reply_to=post_id))


async def test_a_storm_is_answered_once_by_an_officer_and_reaches_every_author(
    storm_desk: Desk,
) -> None:
    """One `seva tickets reply` to the master puts the answer under every storm post."""
    desk = storm_desk
    storm_texts, misses = _posts()
    at = f"@{desk.settings.account_handle} "  # summoned, so X lets the desk reply
    storm_ids = [await desk.post(f"citizen{i}", at + t) for i, t in enumerate(storm_texts)]
    miss_ids = [await desk.post(f"other{i}", at + t) for i, t in enumerate(misses)]
    decisions = {pid: await desk.decision(pid) for pid in storm_ids + miss_ids}
    escalated = {
        pid: d["facts"]["docket"]
        for pid, d in decisions.items()
        if d["decision"]["action"] == "escalate"
    }
    # A complaint about an outage is a grievance, whatever the wording or the language.
    not_escalated = {
        storm_texts[storm_ids.index(p)]: decisions[p]["decision"]
        for p in storm_ids
        if p not in escalated
    }
    assert not not_escalated

    masters = await _storm_of(desk, list(escalated.values()))
    storm_masters = {masters[escalated[pid]] for pid in storm_ids}
    assert 1 == len(storm_masters), masters
    [master] = storm_masters
    for pid in miss_ids:
        if pid in escalated:
            assert masters[escalated[pid]] != master, decisions[pid]["info"]

    listed = (await _cli(desk, "list", "--dept", "dgft")).output
    assert master in listed
    assert f"[storm: {len(storm_ids) - 1} more authors]" in listed
    await add_officers(desk.redis, desk.keys, desk.settings, "meera")
    assert 0 == (await _cli(desk, "claim", master)).exit_code
    replied = await _cli(desk, "reply", master, ANSWER)
    assert 0 == replied.exit_code, replied.output

    answers: dict[str, str] = {}
    async with asyncio.timeout(60):
        while len(answers) < len(storm_ids):
            for pid in storm_ids:
                for child in await _children(desk, pid):
                    if child["text"].startswith(ANSWER[:30]):
                        answers[pid] = child["text"]
            await asyncio.sleep(0.2)
    assert len(set(answers.values())) == len(storm_ids)  # X refuses identical posts
    for pid, text in answers.items():
        assert escalated[pid] in text  # each author's own docket
    for pid in miss_ids:
        assert not any(c["text"].startswith(ANSWER[:30]) for c in await _children(desk, pid))
