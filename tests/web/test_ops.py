"""The engineer on call's page and dashboard, on a running desk (web and outbox roles,
the X emulator): the figures are the registry's, an alarm shows when raised, and every
metric the Grafana dashboard queries is one the desk exports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.alarms import raise_alarm
from bot.clock import SystemClock
from bot.users.model import Role
from tests.e2e.test_desk import Desk as Daemon
from tests.web.conftest import Desk, fill_signin, open_page, screenshot

DASHBOARD = Path(__file__).resolve().parents[2] / "docs" / "grafana" / "seva-ops.json"


@pytest.mark.slow
async def test_the_ops_page_shows_the_running_desk_and_an_alarm_when_one_is_raised(
    browser: Any, daemon_desk: tuple[Daemon, Desk]
) -> None:
    """Roles up, the queue's depth, the post windows, the budget and the ingest lag of a
    running desk; then a fixture raises X's 402 alarm and the page lists it as critical."""
    daemon, desk = daemon_desk
    await desk.add_ticket("@MoCI_Seva my IEC is stuck", "dgft")
    await desk.add_ticket("@MoCI_Seva SEZ approval pending", "sez")
    await daemon.post("citizen_ops", "@MoCI_Seva hello")  # a post in the inbox: a lag
    admin = await desk.add_user(Role.ADMIN)
    watched = await open_page(browser)
    page = watched.page
    await fill_signin(page, desk, admin)
    await page.goto(f"{desk.base}/ops")
    assert "up" in await page.inner_text("#redis")
    for role in ("web", "outbox"):
        assert "up" in await page.inner_text(f"#role-{role}")
    assert (await page.inner_text("#queue-dgft td:nth-child(2)")).strip() == "1"
    assert (await page.inner_text("#queue-sez td:nth-child(2)")).strip() == "1"
    windows = await page.locator("#windows tbody tr").all_inner_texts()
    assert len(windows) == 3
    assert "15-minute post limit\t100" in windows[0]
    assert "of $25.00" in await page.inner_text("#budget")
    lag = (await page.inner_text("#ingest-lag")).strip()
    assert lag != "\u2013 s"  # the page writes an en dash when there is no sample
    assert float(lag.removesuffix(" s")) >= 0
    assert "No alarm is raised" in await page.inner_text("#alarms")

    await raise_alarm(
        desk.redis, desk.users.keys, SystemClock(), "outbox_creditsdepleted",
        "X answered 402: the project's credits are used up",
    )  # fmt: skip
    await page.reload()
    row = page.locator("#alarm-outbox_creditsdepleted")
    assert "critical" in await row.inner_text()
    assert "credits are used up" in await row.inner_text()
    assert watched.console_errors == []
    await screenshot(page, "ops")


def _queried(dashboard: dict[str, Any]) -> set[str]:
    """Every metric name a panel's query reads."""
    names: set[str] = set()
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            names |= set(re.findall(r"\bseva_[a-z0-9_]+", target["expr"]))
    return names


@pytest.mark.slow
async def test_every_metric_the_dashboard_queries_is_exported_by_the_running_desk(
    daemon_desk: tuple[Daemon, Desk],
) -> None:
    """The dashboard JSON parses, and each of its metrics is in the desk's /metrics."""
    _daemon, desk = daemon_desk
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    queried = _queried(dashboard)
    assert len(queried) >= 15
    async with aiohttp.ClientSession() as http, http.get(f"{desk.base}/metrics") as r:
        assert r.status == 200
        text = await r.text()
    exported: set[str] = set()
    for family in text_string_to_metric_families(text):
        exported.add(family.name)
        exported |= {s.name for s in family.samples}
        if family.type == "counter":
            exported.add(f"{family.name}_total")  # declared even before its first sample
    assert queried - exported == set()
