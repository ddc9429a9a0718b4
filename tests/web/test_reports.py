"""The reports page in headless Chromium: every chart drawn with its table, every CSV's
totals equal to ``seva sla report --json`` over the same tickets."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from typing import Any

import pytest
from click.testing import CliRunner

from bot.kb.schema import KnowledgeBase
from bot.tickets.charts import RESPONSE_BUCKETS
from bot.tickets.sla_commands import sla
from bot.users.model import Role
from tests.tickets.test_daily import _busy_days
from tests.tickets.test_storm import StormDesk
from tests.web.conftest import Desk, PageAs, screenshot

CHARTS = (
    "sla", "sla_share", "rates", "first_response", "volume_dept", "volume_topic",
    "breaches_dept", "breaches_officer", "storms", "x_fees",
)  # fmt: skip


async def _history(desk: Desk, kb: KnowledgeBase) -> None:
    """Four days of tickets ending a little before now: storms, answers, breaches, a referral."""
    storm_desk = StormDesk(desk.redis, desk.users.keys, desk.settings, kb)
    storm_desk.clock.advance(time.time() - 4 * 86400 - storm_desk.clock.time())
    await _busy_days(storm_desk, desk.settings.report_zone)


def _cli_report(desk: Desk) -> dict[str, Any]:
    env = {"SEVA_REDIS_URL": desk.settings.redis_url, "SEVA_KEY_PREFIX": desk.users.keys.prefix}
    result = CliRunner().invoke(sla, ["report", "--json"], env=env)
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.output)
    return out


def _column(rows: list[dict[str, str]], name: str) -> int:
    return sum(int(r[name]) for r in rows)


def _as_counts(rows: list[dict[str, str]], key: str, value: str) -> dict[str, int]:
    return {r[key]: int(r[value]) for r in rows}


@pytest.mark.slow
async def test_a_viewer_sees_each_chart_with_its_table_and_csvs_that_add_up(
    desk: Desk, page_as: PageAs, shipped_kb: KnowledgeBase
) -> None:
    """The viewer's reports page draws all ten charts, each beside its table; each CSV
    parses, and its totals equal the CLI's JSON for the same week."""
    await _history(desk, shipped_kb)
    viewer = await page_as(Role.VIEWER)
    page = viewer.page
    await page.goto(f"{desk.base}/reports?period=week")
    for name in CHARTS:
        canvas = page.locator(f"#chart-{name} canvas")
        await canvas.wait_for()
        await page.wait_for_function(
            "c => c.dataset.drawn !== undefined", arg=await canvas.element_handle()
        )
        drawn = await canvas.get_attribute("data-drawn")
        assert drawn is not None, name
        assert not drawn.startswith("failed"), (name, drawn)
        table_rows = await page.locator(f"#chart-{name} table tbody tr").count()
        assert table_rows == int(drawn) or (int(drawn) == 0 and table_rows == 1), name
    assert viewer.console_errors == []  # no CSP refusal, no script error
    await screenshot(page, "reports")

    csvs: dict[str, list[dict[str, str]]] = {}
    for name in CHARTS:
        response = await page.request.get(f"{desk.base}/reports/{name}.csv?period=week")
        assert response.status == 200
        assert response.headers["content-type"].startswith("text/csv")
        csvs[name] = list(csv.DictReader(io.StringIO(await response.text())))

    week = (await asyncio.to_thread(_cli_report, desk))["week"]
    assert week["tickets"] == 6
    sla_rows = csvs["sla"]
    columns = ("answered in time", "answered late", "overdue", "not yet due")
    assert sum(_column(sla_rows, c) for c in columns) == week["tickets"]
    assert _column(sla_rows, "answered in time") == week["answered_in_time"]
    in_time, late = _column(sla_rows, "answered in time"), _column(sla_rows, "answered late")
    assert in_time + late == week["answered"]
    assert _as_counts(csvs["volume_dept"], "department", "tickets") == week["by_dept"]
    assert _as_counts(csvs["volume_topic"], "topic", "tickets") == week["by_topic"]
    assert _column(csvs["first_response"], "tickets") == week["answered"]
    assert [r["hours"] for r in csvs["first_response"]] == [b for _, b in RESPONSE_BUCKETS]
    assert _as_counts(csvs["breaches_dept"], "department", "breaches") == week["breaches_by_dept"]
    assert (
        _as_counts(csvs["breaches_officer"], "officer", "breaches") == (week["breaches_by_officer"])
    )
    assert _column(csvs["storms"], "storms") == week["storms"] == 1
    assert _column(csvs["storms"], "grouped posts") == week["storm_members"]
    assert sum(float(r["X fees (USD)"]) for r in csvs["x_fees"]) > 0
    assert _column(csvs["x_fees"], "posts on X") >= 3  # the storm's answer to each author
    assert len(csvs["rates"]) == len(csvs["sla_share"]) == len(sla_rows) == 7  # every day


@pytest.mark.slow
async def test_the_digest_is_a_page_and_periods_are_checked(desk: Desk, page_as: PageAs) -> None:
    """The daily digest reads as on the terminal; an unknown period is a clear 400."""
    viewer = await page_as(Role.VIEWER)
    await viewer.page.goto(f"{desk.base}/reports/digest")
    assert "Seva daily digest" in await viewer.page.inner_text("main")
    bad = await viewer.page.request.get(f"{desk.base}/reports/sla.json?period=decade")
    assert bad.status == 400
    assert "period must be one of" in await bad.text()
    unknown = await viewer.page.request.get(f"{desk.base}/reports/nothing.json")
    assert unknown.status == 404
