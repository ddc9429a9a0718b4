"""A reply submitted twice at once (two clicks, two officers) is posted once, on the emulator.

The outbox role runs against the emulator over HTTP and a real Redis; the ticket belongs
to a real post there. Both submits race through the workflow; the move that queues the
answer is the one that marks the ticket answered, so only one can win.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest

from bot.clock import SystemClock
from bot.errors import TicketConflictError
from bot.kb.source import FileKB
from bot.tickets.store import TicketStore
from bot.tickets.storm import Storms
from bot.tickets.workflow import Workflow
from tests.conftest import ROOT, RedisServer
from tests.e2e.test_desk import Desk, running_desk

ANSWER = "Your IEC application was approved today; the certificate is on the DGFT portal."


@pytest.fixture
async def outbox_desk(redis_server: RedisServer, key_prefix: str) -> AsyncIterator[Desk]:
    """Only the outbox: it never asks the NLU, so no Rasa is needed (its URL is never used)."""
    no_nlu: Any = SimpleNamespace(url="http://127.0.0.1:9", token="unused")
    async with running_desk(no_nlu, redis_server, key_prefix, "outbox") as running:
        yield running


async def test_two_submits_of_one_answer_post_it_once(outbox_desk: Desk) -> None:
    """Of two replies racing on one claimed ticket, one wins and the other is told the ticket
    is answered; the citizen's post gets exactly one answer on X."""
    desk = outbox_desk
    await desk.emu.control.create_user("asha")
    post = await desk.emu.control.publish("asha", f"@{desk.settings.account_handle} IEC stuck")
    [read] = await desk.x.get_posts([str(post["id"])])
    kb = FileKB(ROOT / "faq_kb", ROOT / "responses")
    store = TicketStore(desk.redis, desk.keys, SystemClock(), kb, desk.settings)
    ticket = await store.create(read, "dgft", reason="complaint", reply_allowed=True, nlu={})
    storms = Storms(desk.redis, desk.keys, SystemClock(), store, desk.settings)
    flow = Workflow(desk.redis, desk.keys, SystemClock(), store, storms)
    await flow.claim(ticket.docket, "meera")

    results = await asyncio.gather(
        flow.reply(ticket.docket, "meera", ANSWER),
        flow.reply(ticket.docket, "meera", ANSWER),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, BaseException)]
    assert 1 == len(refused), results
    assert isinstance(refused[0], TicketConflictError)
    assert "answered" in str(refused[0]) or "claim it first" in str(refused[0])

    async with asyncio.timeout(30):
        while not await desk.emu.control.posts(in_reply_to=str(post["id"])):
            await asyncio.sleep(0.1)
    await asyncio.sleep(2.0)  # a second post would have gone out by now
    replies = await desk.emu.control.posts(in_reply_to=str(post["id"]))
    assert [ticket.docket] == [r["text"].split("(docket ")[1].split(")")[0] for r in replies]
