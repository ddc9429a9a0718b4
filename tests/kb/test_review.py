"""The review queue: exactly the entries a fixture makes unverified, overdue, unsupported or
without evidence, from the pure function, from `seva kb review --json` on a live KB, and as
the SLA leader's `kb_unverified` warning (tests/tickets/test_review_alarm.py)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from click.testing import CliRunner

from bot.kb.commands import kb as kb_cli
from bot.kb.review import Concern, review_queue
from bot.kb.schema import KnowledgeBase
from bot.kb.source import RedisKB
from bot.keys import Keys
from bot.store import connect
from tests.conftest import RedisServer

TODAY = datetime.now(UTC).date()


def _trusted(kb: KnowledgeBase) -> KnowledgeBase:
    """Every entry verified, with evidence, reviewed and due for review next year."""
    good = {"verified": True, "evidence": "the official page says so", "reviewed_by": "test",
            "review_due": TODAY + timedelta(days=365)}  # fmt: skip
    faqs = [f.model_copy(update=good) for f in kb.faqs]
    directory = [d.model_copy(update=good) for d in kb.directory]
    return kb.model_copy(update={"faqs": faqs, "directory": directory})


def _fixture(kb: KnowledgeBase) -> tuple[KnowledgeBase, dict[tuple[str, str], set[Concern]]]:
    """The trusted KB with four entries spoilt, and what the queue must say of each."""
    base = _trusted(kb)
    faqs, directory = list(base.faqs), list(base.directory)
    plain = next(i for i, f in enumerate(faqs) if "fee" not in f.id)
    faqs[plain] = faqs[plain].model_copy(update={"verified": False})
    faqs[plain + 1] = faqs[plain + 1].model_copy(update={"review_due": TODAY - timedelta(days=1)})
    fee_answer = faqs[plain + 2].answer.model_copy(update={"en": "The fee is Rs 500, paid online."})
    faqs[plain + 2] = faqs[plain + 2].model_copy(update={"verified": False, "answer": fee_answer})
    contact = next(i for i, d in enumerate(directory) if d.email or d.phone or d.portal)
    directory[contact] = directory[contact].model_copy(update={"evidence": None})
    expected = {
        ("faq", faqs[plain].id): {Concern.UNVERIFIED},
        ("faq", faqs[plain + 1].id): {Concern.OVERDUE},
        ("faq", faqs[plain + 2].id): {Concern.UNVERIFIED, Concern.UNSUPPORTED},
        ("directory", directory[contact].id): {Concern.NO_EVIDENCE},
    }
    return base.model_copy(update={"faqs": faqs, "directory": directory}), expected


def test_the_queue_lists_exactly_the_spoilt_entries(shipped_kb: KnowledgeBase) -> None:
    """A trusted KB has an empty queue; four spoilt entries are exactly its four items,
    each with the concerns it was given."""
    assert review_queue(_trusted(shipped_kb), TODAY) == []
    kb, expected = _fixture(shipped_kb)
    found = {(i.kind, i.id): {c for c, _ in i.concerns} for i in review_queue(kb, TODAY)}
    assert found == expected


def test_seva_kb_review_json_reads_the_live_kb(
    redis_server: RedisServer, key_prefix: str, shipped_kb: KnowledgeBase
) -> None:
    """`seva kb review --json` on a live KB gives the same entries and their counts."""
    kb, expected = _fixture(shipped_kb)

    async def publish() -> None:
        client = connect(redis_server.url)
        live = RedisKB(client, Keys(key_prefix))
        await live.apply(await live.version(), kb, who="test", when="now", summary="fixture")
        await client.aclose()

    asyncio.run(publish())
    env = {"SEVA_REDIS_URL": redis_server.url, "SEVA_KEY_PREFIX": key_prefix}
    result = CliRunner().invoke(kb_cli, ["review", "--json"], env=env)
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.output)
    found = {
        (e["kind"], e["id"]): {Concern(c["concern"]) for c in e["concerns"]} for e in out["entries"]
    }
    assert found == expected
    assert out["counts"] == {"unverified": 2, "review overdue": 1, "contact without evidence": 1,
                             "unsupported claim": 1}  # fmt: skip
    text = CliRunner().invoke(kb_cli, ["review"], env=env)
    assert "4 entries to review" in text.output
