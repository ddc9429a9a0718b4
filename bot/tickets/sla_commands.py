"""``seva sla``: the SLA report (text or JSON for the dashboard) and the daily digest."""

from __future__ import annotations

import asyncio
import json

import click

from bot.clock import SystemClock
from bot.keys import Keys
from bot.settings import load_settings
from bot.store import connect
from bot.textsafe import echo
from bot.tickets.daily import DailyFigures
from bot.tickets.report import Figures, StormReport, all_tickets, digest, report, storm_reports
from bot.tickets.triage import TriageInbox


def _figures() -> tuple[dict[str, Figures], list[StormReport], dict[str, int]]:
    settings = load_settings()

    async def main() -> tuple[dict[str, Figures], list[StormReport], dict[str, int]]:
        redis = connect(settings.redis_url)
        keys, clock = Keys(settings.key_prefix), SystemClock()
        try:
            triage = await TriageInbox(redis, keys, clock).counts()
            figs = await report(redis, keys, clock, settings.report_zone)
            return figs, await storm_reports(redis, keys), triage
        finally:
            await redis.aclose()

    return asyncio.run(main())


@click.group()
def sla() -> None:
    """SLA figures: response and clearance rates, time to first response, backlog, breaches."""


@sla.command("report")
@click.option("--json", "as_json", is_flag=True, help="JSON for the dashboard.")
def report_command(as_json: bool) -> None:
    """Figures for the last day, week, month and all time."""
    figs, storms, triage = _figures()
    if as_json:
        out: dict[str, object] = {k: v.to_json() for k, v in figs.items()}
        out["storms"] = [s.to_json() for s in storms]
        out["triage"] = triage  # posts with no ticket and no promise, since the start
        echo(json.dumps(out, indent=2))
        return
    echo("triage  " + ", ".join(f"{k} {v}" for k, v in triage.items()))
    for name, f in figs.items():
        echo(
            f"{name:6} tickets {f.tickets:5}  answered {f.response_rate:6.1%}  "
            f"closed {f.clearance_rate:6.1%}  within SLA {f.within_sla:6.1%}  "
            f"first response median {f.median_first_response_h} h, p90 {f.p90_first_response_h} h  "
            f"referrals {f.referrals}  manual {f.manual_reply_tickets}  "
            f"storms {f.storms} ({f.storm_members} tickets grouped)"
        )
        if f.backlog_by_dept:
            echo(f"       backlog {f.backlog_by_dept} by age {f.backlog_by_age}")
        if f.breaches_by_dept:
            echo(f"       breaches {f.breaches_by_dept} by officer {f.breaches_by_officer}")
    for st in storms:
        took = f"took {st.fan_out_s / 60:.1f} min" if st.fan_out_s is not None else "in progress"
        answered = f"answered {st.answered_at}, {st.sent} sent, {st.pending} waiting, {took}"
        echo(
            f"storm {st.master} [{st.dept}]: {st.size} more authors; "
            + (answered if st.answered_at else "not answered yet")
        )


@sla.command("rebuild")
def rebuild_command() -> None:
    """Sum every day's figures again from a full scan of the tickets (when they drift)."""
    settings = load_settings()

    async def main() -> tuple[int, int, float]:
        redis = connect(settings.redis_url)
        keys, clock = Keys(settings.key_prefix), SystemClock()
        try:
            began = clock.monotonic()
            tickets = await all_tickets(redis, keys)
            days = await DailyFigures(redis, keys, settings.report_zone).rebuild(tickets)
            return len(tickets), days, clock.monotonic() - began
        finally:
            await redis.aclose()

    tickets, days, took = asyncio.run(main())
    echo(f"rebuilt the figures of {days} days from {tickets} tickets in {took:.1f} s")


@sla.command("digest")
@click.option("--json", "as_json", is_flag=True)
def digest_command(as_json: bool) -> None:
    """The daily digest for the minister's office."""
    figs, _storms, _triage = _figures()
    if as_json:
        echo(json.dumps({"day": figs["day"].to_json(), "week": figs["week"].to_json()}, indent=2))
    else:
        echo(digest(figs))
