"""Publishing from the KB console in headless Chromium, with a real Rasa and a small KB
(``tests/web/small_nlu.py``: a few FAQ entries, so a model trains in seconds; cached by
input hash): a new example makes the model stale, the publish shows its stages and the
gate's table and switches, and Rasa's ``/status`` then reports the new model; a publish
made to regress is refused and the old model keeps serving, until an admin publishes over
it with a typed reason, which the audit log keeps."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.decision import Thresholds
from bot.kb.schema import KnowledgeBase
from bot.kb.source import RedisKB
from bot.net import free_port
from bot.nlu.publish import Published, Publisher, stop_server
from bot.users.model import Role
from tests.web.conftest import Desk, StartDesk, Watched, fill_signin, open_page, screenshot
from tests.web.small_nlu import ROOT, SMALL, small_kb, small_project

PUBLISH_S = 300_000  # ms a publish may take in the browser (train, evaluate, start a Rasa)


@contextlib.asynccontextmanager
async def _small_desk(start_desk: StartDesk, shipped: KnowledgeBase) -> AsyncIterator[Desk]:
    """The web role on the small project, its KB live and its base model published."""
    project = small_project()
    token = secrets.token_urlsafe(12)
    overrides = {"nlu_dir": SMALL, "rasa_venv": ROOT / ".venv-rasa", "rasa_token": token}
    pids: list[int] = []
    async with start_desk(**overrides) as desk:
        kb = small_kb(shipped)
        live = RedisKB(desk.redis, desk.users.keys)
        await live.apply(await live.version(), kb, who="test", when="t0", summary="small KB")
        base = Publisher(
            desk.redis, desk.users.keys, project, thresholds=Thresholds.from_settings(desk.settings),
            docket_prefix=desk.settings.docket_prefix, token=token, follow_s=0.1,
            log_dir=SMALL / "models", progress=lambda _line: None,
        )  # fmt: skip
        first = await base.publish(kb, free_port(), force=True)
        pids.append(first.pid or 0)
        try:
            yield desk
        finally:
            raw = await desk.redis.get(desk.users.keys.kb("nlu_published"))
            if raw:
                pids.append(Published.from_json(raw).pid or 0)
            for pid in {p for p in pids if p}:
                await asyncio.to_thread(stop_server, pid)


async def _live(desk: Desk) -> Published:
    raw = await desk.redis.get(desk.users.keys.kb("nlu_published"))
    assert raw
    return Published.from_json(raw)


async def _status(desk: Desk) -> dict[str, Any]:
    """Rasa's own /status at the URL the daemons use now."""
    urls = json.loads(await desk.redis.get(desk.users.keys.nlu_urls) or "[]")
    token = desk.settings.rasa_token.get_secret_value() if desk.settings.rasa_token else ""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{urls[0]}/status", params={"token": token}) as r,
    ):
        assert r.status == 200
        body: dict[str, Any] = await r.json()
        return body


async def _admin(desk: Desk, browser: Any) -> Watched:
    account = await desk.add_user(Role.ADMIN, name="meera")
    watched = await open_page(browser)
    await fill_signin(watched.page, desk, account)
    return watched


async def _publish(page: Any, base: str, *, shot: str | None = None) -> str:
    """Click publish; wait for the job to end; return its final state."""
    await page.goto(f"{base}/kb")
    await page.click("#publish")
    await page.wait_for_url(f"{base}/kb/publish/*")
    if shot:
        await page.wait_for_selector("li.stage-running, li.stage-done")
        await screenshot(page, shot)
    await page.wait_for_function(
        "() => !['running'].includes(document.getElementById('state').textContent)",
        timeout=PUBLISH_S,
    )
    return str(await page.inner_text("#state"))


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_a_new_example_is_published_from_the_browser_and_serves_the_next_parse(
    start_desk: StartDesk, browser: Any, shipped_kb: KnowledgeBase
) -> None:
    """Stale after the edit; the stages and the gate's table show; Rasa's /status then
    names the new model, which the console shows as live and trained on these examples."""
    async with _small_desk(start_desk, shipped_kb) as desk:
        before = await _live(desk)
        watched = await _admin(desk, browser)
        page = watched.page
        await page.goto(f"{desk.base}/kb")
        assert await page.locator("#fresh").count() == 1
        await page.goto(f"{desk.base}/kb/faq/iec-what-is")
        examples = await page.input_value("#examples_en")
        await page.fill(
            "#examples_en", examples + "\nwhat exactly is this import export code thing"
        )
        await page.click("#save")
        await page.wait_for_load_state()
        await page.goto(f"{desk.base}/kb")
        assert await page.locator("#stale").count() == 1

        assert await _publish(page, desk.base, shot="kb-publish") == "published"
        for stage in ("train", "evaluate", "gate", "start", "switch", "stop"):
            assert (await page.inner_text(f"#stage-{stage} .status")).strip() == "done", stage
        rows = await page.locator("#gate tbody tr").all_inner_texts()
        assert [r.split("\t")[0] for r in rows] == [
            "macro-F1 en", "macro-F1 hi", "macro-F1 hinglish", "escalation recall"
        ]  # fmt: skip
        assert all("\u2013" not in r for r in rows)  # old beside new, for every figure
        after = await _live(desk)
        assert after.model != before.model
        assert (await _status(desk))["model_file"].endswith(after.model)
        await page.goto(f"{desk.base}/kb")
        assert await page.locator("#fresh").count() == 1
        assert after.model in await page.inner_text("#model-name")
        assert watched.console_errors == []


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_a_regressing_publish_is_refused_until_overridden_with_a_reason(
    start_desk: StartDesk, browser: Any, shipped_kb: KnowledgeBase
) -> None:
    """Examples removed: the gate refuses with the reason and the old model keeps serving;
    a publish over it needs a typed reason, and the audit log keeps it."""
    async with _small_desk(start_desk, shipped_kb) as desk:
        live = RedisKB(desk.redis, desk.users.keys)
        kb = await live.load()
        thin = [
            f.model_copy(update={"examples": f.examples.model_copy(
                update={lang: getattr(f.examples, lang)[:1] for lang in ("en", "hi", "hinglish")}
            )})
            for f in kb.faqs
        ]  # fmt: skip
        await live.apply(kb.version, kb.model_copy(update={"faqs": thin}), who="fixture",
                         when="t1", summary="examples removed")  # fmt: skip
        before = await _live(desk)
        watched = await _admin(desk, browser)
        page = watched.page
        assert await _publish(page, desk.base) == "refused"
        assert "macro-F1" in await page.inner_text("#reason")
        assert "would drop" in await page.inner_text("#problems")
        assert (await _live(desk)).model == before.model
        assert (await _status(desk))["model_file"].endswith(before.model)  # still serving

        await page.fill("#override", "the examples were cut on purpose; a new set follows")
        await page.click("form.override button")
        await page.wait_for_url(f"{desk.base}/kb/publish/*")
        await page.wait_for_function(
            "() => document.getElementById('state').textContent !== 'running'", timeout=PUBLISH_S
        )
        assert await page.inner_text("#state") == "published"
        overrides = [e for e in await desk.audit.recent() if e.what == "nlu.publish"]
        assert (
            overrides[0].detail["override"] == "the examples were cut on purpose; a new set follows"
        )
        assert overrides[1].detail["override"] is None  # the refused one had none
