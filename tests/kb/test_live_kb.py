"""The live KB in Redis: import, edit, history, rollback and export round-trip."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bot.errors import KBError
from bot.kb import files
from bot.kb.commands import kb
from bot.kb.source import RedisKB, examples_hash
from bot.keys import Keys
from bot.store import connect
from tests.conftest import RedisServer

KBFiles = Callable[[dict[str, Any] | None], tuple[Path, Path]]


@pytest.fixture
def seva_kb(redis_server: RedisServer, key_prefix: str) -> Callable[..., Result]:
    """Run ``seva kb ...`` against the private Redis under this test's prefix."""
    env = {"SEVA_REDIS_URL": redis_server.url, "SEVA_KEY_PREFIX": key_prefix}

    def run(*args: str) -> Result:
        return CliRunner().invoke(kb, list(args), env=env, catch_exceptions=False)

    return run


def _live(redis_server: RedisServer, key_prefix: str) -> Any:
    async def load() -> Any:
        redis = connect(redis_server.url)
        try:
            return await RedisKB(redis, Keys(key_prefix)).load()
        finally:
            await redis.aclose()

    return asyncio.run(load())


def _import(
    seva_kb: Callable[..., Result], kb_dir: Path, responses: Path, by: str = "admin1"
) -> Result:
    return seva_kb("import", "--kb-dir", str(kb_dir), "--responses-dir", str(responses), "--by", by)


def test_import_then_export_reproduces_the_files(
    kb_files: KBFiles, seva_kb: Callable[..., Result], tmp_path: Path
) -> None:
    """Export of an import gives the same entries, in the same files and order."""
    kb_dir, responses = kb_files(None)
    result = _import(seva_kb, kb_dir, responses)
    assert result.exit_code == 0, result.output
    assert "imported: version 1" in result.output
    again = _import(seva_kb, kb_dir, responses)
    assert "unchanged: version 1" in again.output

    out = tmp_path / "export"
    assert seva_kb("export", "--out", str(out)).exit_code == 0
    original, _ = files.load(kb_dir, responses)
    exported, problems = files.load(out / "faq_kb", out / "responses")
    assert problems == []
    assert exported.model_dump(exclude={"version"}) == original.model_dump(exclude={"version"})
    assert sorted(p.name for p in (out / "faq_kb" / "faq").iterdir()) == ["iec.yml"]
    # And the exported files import as a no-op: the round trip is exact.
    assert "unchanged: version 1" in _import(seva_kb, out / "faq_kb", out / "responses").output


def test_edit_is_live_at_once_and_audited(
    kb_files: KBFiles, seva_kb: Callable[..., Result], redis_server: RedisServer, key_prefix: str
) -> None:
    """Setting an answer makes a version with who/what; readers see it on the next load."""
    _import(seva_kb, *kb_files(None))
    result = seva_kb(
        "set",
        "faq/iec-apply",
        "answer.en",
        "Apply online at dgft.gov.in; keep your PAN ready.",
        "--by",
        "meera",
    )
    assert result.exit_code == 0, result.output
    assert "version 2" in result.output
    assert "stale" not in result.output  # an answer edit needs no retraining
    live = _live(redis_server, key_prefix)
    assert live.version == 2
    assert live.faq("iec-apply").answer.en == "Apply online at dgft.gov.in; keep your PAN ready."

    history = seva_kb("history", "faq/iec-apply").output
    assert "v2" in history
    assert "meera" in history
    assert "set answer.en faq/iec-apply" in history
    assert "v1" in history
    assert "admin1" in history


def test_example_edit_marks_the_model_stale(
    kb_files: KBFiles, seva_kb: Callable[..., Result], redis_server: RedisServer, key_prefix: str
) -> None:
    """A new training example changes the examples hash; `kb status` reports the model stale."""
    _import(seva_kb, *kb_files(None))

    async def publish_model() -> None:
        redis = connect(redis_server.url)
        store = RedisKB(redis, Keys(key_prefix))
        await store.set_model_hash(examples_hash(await store.load()))
        await redis.aclose()

    asyncio.run(publish_model())
    assert "NLU model: up to date" in seva_kb("status").output
    examples = json.dumps(
        [f"how do i apply iec number {i}" for i in range(8)] + ["iec chahiye kya karun"]
    )
    result = seva_kb("set", "faq/iec-apply", "examples.en", examples)
    assert result.exit_code == 0, result.output
    assert "the NLU model is stale" in result.output
    assert "NLU model: STALE" in seva_kb("status").output


def test_rollback_restores_an_earlier_version_as_a_new_one(
    kb_files: KBFiles, seva_kb: Callable[..., Result], redis_server: RedisServer, key_prefix: str
) -> None:
    """Two edits and a delete, then rollback to v1: the content is v1's, at version 5."""
    _import(seva_kb, *kb_files(None))
    v1 = _live(redis_server, key_prefix)
    seva_kb("set", "faq/iec-fee", "answer.hi", "शुल्क की जानकारी dgft.gov.in पर देखें।")
    seva_kb("set", "directory/railways", "phone", "'1800-111-139'")
    seva_kb("set", "directory/epfo", "--delete")
    assert _live(redis_server, key_prefix).body("epfo") is None

    result = seva_kb("rollback", "1", "--by", "lead")
    assert result.exit_code == 0, result.output
    assert "now version 5" in result.output
    now = _live(redis_server, key_prefix)
    assert now.version == 5
    assert now.model_dump(exclude={"version"}) == v1.model_dump(exclude={"version"})
    assert "rollback to v1" in seva_kb("history").output
    # The rollback can itself be undone.
    assert seva_kb("rollback", "4").exit_code == 0
    assert _live(redis_server, key_prefix).body("epfo") is None


def test_an_edit_that_breaks_the_kb_is_refused(
    kb_files: KBFiles, seva_kb: Callable[..., Result]
) -> None:
    """Pointing an FAQ at an unknown department fails and changes nothing."""
    _import(seva_kb, *kb_files(None))
    result = seva_kb("set", "faq/iec-apply", "department", "customs")
    assert result.exit_code == 1
    assert "unknown department 'customs'" in result.output
    assert "v2" not in seva_kb("history").output


async def test_concurrent_edits_cannot_overwrite_each_other(
    kb_files: KBFiles, redis: Any, keys: Keys
) -> None:
    """An edit validated against an old version is refused instead of silently lost."""
    data, _ = files.load(*kb_files(None))
    store = RedisKB(redis, keys)
    assert await store.apply(0, data, who="a", when="t", summary="import") == 1
    edited = data.model_copy(update={"departments": data.departments[::-1]})
    assert await store.apply(1, edited, who="a", when="t", summary="edit") == 2
    with pytest.raises(KBError, match="changed while this edit was prepared"):
        await store.apply(1, data, who="b", when="t", summary="stale edit")


def test_a_template_edit_is_validated_and_live(
    kb_files: KBFiles,
    seva_kb: Callable[..., Result],
    redis_server: RedisServer,
    key_prefix: str,
    tmp_path: Path,
) -> None:
    """Admins edit templates like any item; a template that breaks the limit is refused."""
    _import(seva_kb, *kb_files(None))
    good = tmp_path / "greeting.j2"
    good.write_text(
        "Namaste! How can the Ministry of Commerce & Industry help you today?", encoding="utf-8"
    )
    result = seva_kb("set", "template/en/greeting", "--file", str(good), "--by", "editor")
    assert result.exit_code == 0, result.output
    assert _live(redis_server, key_prefix).templates["en/greeting"].startswith("Namaste!")
    bad = tmp_path / "ack.j2"
    bad.write_text("{{ docket }} " + "x" * 300, encoding="utf-8")
    refused = seva_kb("set", "template/en/ack", "--file", str(bad))
    assert refused.exit_code == 1
    assert "over the limit" in refused.output


async def test_live_kb_lost_with_redis_data_is_reseeded_at_the_next_read(redis, keys):
    """A live KB that vanished (Redis lost its data) is imported again on the next read."""
    import json as _json

    from bot.clock import SystemClock
    from bot.kb.source import FileKB, Reseed
    from tests.conftest import ROOT

    files_kb = FileKB(ROOT / "faq_kb", ROOT / "responses")
    store = RedisKB(redis, keys, reseed=Reseed(files=files_kb, clock=SystemClock(), who="test"))
    first = await store.load()
    assert "en/ack" in first.templates
    await redis.delete(keys.kb("items"), keys.kb("version"), keys.kb("audit"))  # the data loss
    again = await store.load()
    assert "en/ack" in again.templates
    assert 1 == again.version
    alarm = _json.loads(await redis.get(keys.alarm("kb_reseeded")))
    assert "warning" == alarm["severity"]
