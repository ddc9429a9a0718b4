"""One item of the live KB at a time (bot.kb.console), on a real redis-server: a save is
validated with the whole KB and audited, a stale save is refused with the diff, a
rollback is a new version, and every version of an item can be read back."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import KBConflictError, KBRefusedError
from bot.kb.console import Console, diff, item_name
from bot.kb.schema import KnowledgeBase
from bot.kb.source import RedisKB
from bot.keys import Keys


async def _console(
    redis: Any, keys: Keys, kb: KnowledgeBase
) -> tuple[Console, str, dict[str, Any]]:
    live = RedisKB(redis, keys)
    await live.apply(0, kb, who="import", when="t0", summary="import")
    faq = kb.faqs[0]
    return Console(live), item_name("faq", faq.id), faq.model_dump(mode="json")


async def test_save_conflict_rollback_and_history(
    redis: Any, keys: Keys, shipped_kb: KnowledgeBase
) -> None:
    """Asha saves; Ravi, who opened the same version, is refused with the diff; a rollback
    restores the first answer as a third version; each version names its author."""
    console, item, data = await _console(redis, keys, shipped_kb)
    opened = await console.store.version()
    first = data["answer"]["en"]
    edited = data | {"answer": data["answer"] | {"en": first + " Updated."}}
    v2 = await console.save(item, edited, base=opened, who="asha", when="t1", summary="edit")
    assert v2 == opened + 1
    theirs = data | {"answer": data["answer"] | {"en": "Something else."}}
    with pytest.raises(KBConflictError) as refused:
        await console.save(item, theirs, base=opened, who="ravi", when="t2", summary="edit")
    assert refused.value.by == "asha"
    assert any(line.startswith("+") and "Updated." in line for line in refused.value.diff)
    assert (await console.store.load()).faq(data["id"]).answer.en == first + " Updated."  # type: ignore[union-attr]

    v3 = await console.rollback(item, opened, who="meera", when="t3")
    assert (await console.store.load()).faq(data["id"]).answer.en == first  # type: ignore[union-attr]
    versions = await console.versions(item)
    assert [(v.version, v.who) for v in versions] == [
        (v3, "meera"),
        (v2, "asha"),
        (opened, "import"),
    ]
    assert (await console.at(item, v2))["answer"]["en"].endswith("Updated.")
    assert diff(await console.at(item, v2), await console.at(item, v3))


async def test_an_invalid_edit_is_refused_and_nothing_is_saved(
    redis: Any, keys: Keys, shipped_kb: KnowledgeBase
) -> None:
    """An empty Hindi answer and an unknown department are named; the version stays."""
    console, item, data = await _console(redis, keys, shipped_kb)
    before = await console.store.version()
    bad = data | {"answer": data["answer"] | {"hi": ""}, "department": "nowhere"}
    with pytest.raises(KBRefusedError) as refused:
        await console.save(item, bad, base=before, who="asha", when="t1", summary="edit")
    messages = " ".join(m for _, m in refused.value.problems)
    assert "answer.hi is empty" in messages
    assert "unknown department 'nowhere'" in messages
    assert await console.store.version() == before
    with pytest.raises(KBRefusedError):
        await console.save(
            item, data | {"id": "Not Kebab"}, base=before, who="a", when="t", summary="s"
        )
