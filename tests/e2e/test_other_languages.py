"""Posts in other Indian scripts, through the real pipeline, Rasa and the X emulator.

The corpus of issue 19 found Tamil and Bengali posts acknowledged in English only, and
posts whose only Latin word was an acronym ("IEC") answered from the FAQs in English.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.nlu.server import RasaServer
from tests.conftest import RedisServer
from tests.e2e.test_desk import Desk, running_desk


@pytest.fixture
async def desk(rasa: RasaServer, redis_server: RedisServer, key_prefix: str) -> AsyncIterator[Desk]:
    """Pipeline and outbox against the session's Rasa."""
    async with running_desk(rasa, redis_server, key_prefix, "pipeline,outbox") as running:
        yield running


@pytest.mark.parametrize(
    ("author", "text", "lang"),
    [
        ("tamil_exporter", "@MoCI_Seva IEC எப்படி விண்ணப்பிப்பது? தயவுசெய்து உதவுங்கள்", "ta"),
        ("bangla_exporter", "@MoCI_Seva আমার IEC আবেদন তিন সপ্তাহ ধরে আটকে আছে", "bn"),
    ],
)
async def test_a_post_in_another_script_gets_an_officer_and_a_bilingual_ack(
    desk: Desk, author: str, text: str, lang: str
) -> None:
    """No FAQ answer: a ticket with the language recorded, and one acknowledgement in
    English and Hindi that says an officer will reply, with the docket."""
    post_id = await desk.post(author, text)
    decision = await desk.decision(post_id)
    assert "escalate" == decision["decision"]["action"], decision
    docket = decision["facts"]["docket"]
    ticket = await desk.redis.hgetall(desk.keys.ticket(docket))
    assert f'"lang": "{lang}"' in ticket["nlu"]
    [ack] = await desk.thread(post_id)
    assert docket in ack
    assert "officer will reply" in ack
    assert "अधिकारी" in ack
