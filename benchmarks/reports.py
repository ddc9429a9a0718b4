"""The reports' server time over 90 days of history and 50,000 tickets, and a full rebuild.

A private redis-server gets ``--tickets`` tickets spread evenly over the last ``--days``
days (seven departments, four topics; most answered, a share late, some closed, referred,
breached or grouped in storms). They are written as ticket hashes in pipelines, which is
quicker than the desk's own creation script and gives the same hashes; then ``seva sla
rebuild``'s code sums every day once (that time is reported, with the full scan inside it).
A further ``--live`` tickets are created today by ``TicketStore.create`` and, while the
pages are timed, claimed and answered by the real workflow ``--moves-per-s`` times a second,
so most requests find a dirty day to sum again first, as on a busy desk.

A signed-in viewer's HTTP client asks for the reports page (90 days) and each chart's JSON
``--rounds`` times over loopback; the figure is the request's time as the client sees it
(the server's time plus loopback, so an upper bound of the server time). For contrast, the
same period's figures are also computed the old way (read and sum every ticket).

    .venv/bin/python benchmarks/reports.py [--tickets 50000] [--days 90] [--rounds 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from web_harness import (
    PASSWORD,
    getter,
    pct,
    private_redis,
    serving,
    signed_in,
    timed,
    web_settings,
)

from bot.app import Deps, build
from bot.clock import SystemClock
from bot.kb.source import FileKB, StaticKB
from bot.settings import Settings
from bot.tickets.charts import tables
from bot.tickets.daily import DailyFigures
from bot.tickets.report import all_tickets, figures
from bot.tickets.store import TicketStore
from bot.tickets.storm import Storms
from bot.tickets.workflow import Workflow
from bot.users.store import UserStore
from bot.x.models import Post

ROOT = Path(__file__).resolve().parent.parent
DEPTS = ("dgft", "dpiit", "dgtr", "sez", "ipr", "fddi", "export-promotion")
TOPICS = ("grievance", "policy_question", "status_query", "unknown")
H = 3600.0


def _ticket_hash(i: int, created: datetime, rng: random.Random) -> dict[str, str]:
    """A ticket as the desk leaves it after its life so far (answered, late, breached...)."""
    due = created + timedelta(hours=48)
    dept = DEPTS[i % len(DEPTS)]
    fields = {
        "docket": f"MOCI-2026-{i:06d}", "dept": dept, "state": "new",
        "post_id": str(1_980_000_000_000_000_000 + i), "author_id": str(10_000 + i % 7000),
        "author_handle": f"citizen{i % 7000}", "conversation_id": "",
        "text": f"@MoCI_Seva my application {i} is stuck", "reason": "complaint",
        "reply_allowed": "1" if i % 25 else "0", "created_at": created.isoformat(),
        "due_at": due.isoformat(), "first_due_at": due.isoformat(), "followups": "0",
        "nlu": json.dumps({"intent": TOPICS[i % len(TOPICS)], "lang": "en", "depts": [dept]}),
    }  # fmt: skip
    roll = rng.random()
    if roll < 0.85:  # answered: mostly within the day, some late
        took = rng.expovariate(1 / (10 * H)) if roll < 0.75 else rng.uniform(48 * H, 96 * H)
        answered = created + timedelta(seconds=took)
        fields |= {"first_response_at": answered.isoformat(), "answered_at": answered.isoformat(),
                   "officer": f"officer{i % 40}", "state": "answered"}  # fmt: skip
        if took > 48 * H:
            fields["breaches"] = "1"
        if rng.random() < 0.5:
            fields["state"] = "closed"
        elif rng.random() < 0.05:
            fields |= {"state": "referred", "referred_to": "mea-passport"}
    elif roll < 0.95:
        fields["breaches"] = "1"  # never answered in time
    if i % 200 == 0:
        fields["storm_size"] = "12"
    elif i % 200 < 13:
        fields["storm_of"] = f"MOCI-2026-{i - i % 200:06d}"
    return fields


async def _history(deps: Deps, n: int, days: int, now: datetime) -> None:
    rng = random.Random(19)
    span = days * 86400 - 3600
    keys = deps.keys
    for start in range(0, n, 2000):
        async with deps.redis.pipeline(transaction=False) as pipe:
            for i in range(start, min(n, start + 2000)):
                created = now - timedelta(seconds=span * (1 - i / n) + 3600)
                pipe.hset(keys.ticket(f"MOCI-2026-{i:06d}"), mapping=_ticket_hash(i, created, rng))
            await pipe.execute()


async def _live(deps: Deps, settings: Settings, n: int) -> tuple[Workflow, list[str]]:
    """``n`` tickets created today by the desk's own script, for the workflow to move."""
    kb = await FileKB(ROOT / "faq_kb", ROOT / "responses").load()
    clock = SystemClock()
    store = TicketStore(deps.redis, deps.keys, clock, StaticKB(kb), settings)
    now = datetime.now(UTC)
    dockets = []
    for i in range(n):
        pid = str(1_990_000_000_000_000_000 + i)
        post = Post(
            id=pid, author_id=str(1000 + i), author_handle=f"live{i}",
            text=f"@MoCI_Seva my IEC application {i} is stuck at the bank step", lang="en",
            created_at=now, conversation_id=pid, mentions_account=True,
        )  # fmt: skip
        ticket = await store.create(post, "dgft", reason="complaint", reply_allowed=True, nlu={})
        dockets.append(ticket.docket)
    storms = Storms(deps.redis, deps.keys, clock, store, settings)
    return Workflow(deps.redis, deps.keys, clock, store, storms), dockets


async def _mover(flow: Workflow, dockets: list[str], per_s: float, stop: asyncio.Event) -> int:
    """Claim and answer live tickets at ``per_s`` moves a second until told to stop."""
    moves = 0
    for docket in dockets:
        for move in ("claim", "reply"):
            if stop.is_set():
                return moves
            if move == "claim":
                await flow.claim(docket, "meera")
            else:
                await flow.reply(docket, "meera", "Your IEC is issued; sorry for the wait.")
            moves += 1
            await asyncio.sleep(1 / per_s)
    return moves


async def main(args: argparse.Namespace) -> None:
    with private_redis("seva-reports-") as port:
        settings = web_settings(port)
        runner, deps = build(settings)
        now = datetime.now(UTC)
        began = time.perf_counter()
        await _history(deps, args.tickets, args.days, now)
        write_s = time.perf_counter() - began
        zone = settings.report_zone

        began = time.perf_counter()
        scanned = await all_tickets(deps.redis, deps.keys)
        scan_s = time.perf_counter() - began
        old_way = []
        for _ in range(3):
            began = time.perf_counter()
            figures(await all_tickets(deps.redis, deps.keys), now, "quarter", zone)
            old_way.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        n_days = await DailyFigures(deps.redis, deps.keys, zone).rebuild(scanned)
        rebuild_s = time.perf_counter() - began + scan_s

        flow, live = await _live(deps, settings, args.live)
        users = UserStore(deps.redis, deps.keys, SystemClock(), settings)
        await users.add("minister", "viewer", [], PASSWORD, None, "bench")
        stop = asyncio.Event()
        async with serving(runner) as (base, _web), signed_in(base, "minister") as http:
            get = getter(http, base)
            mover = asyncio.create_task(_mover(flow, live, args.moves_per_s, stop))
            names = list(tables([], figures([], now, "quarter", zone), {}, now))
            timed_ms = {
                "reports page": await timed(args.rounds, lambda: get("/reports?period=quarter"))
            }
            for name in names:
                path = f"/reports/{name}.json?period=quarter"
                timed_ms[f"{name}.json"] = await timed(args.rounds, lambda p=path: get(p))  # type: ignore[misc]
            stop.set()
            moves = await mover
    print(
        f"{args.tickets} tickets over {args.days} days written in {write_s:.1f} s; "
        f"{args.live} live tickets moved {moves} times during the timing "
        f"({args.moves_per_s}/s); {args.rounds} requests each"
    )
    print(
        f"full rebuild: {rebuild_s:.1f} s for {n_days} days ({scan_s:.1f} s of it the scan "
        f"of {len(scanned)} tickets)"
    )
    print(
        f"the old way (scan and sum every ticket for one report): median {statistics.median(old_way):.0f} ms"
    )
    for name, times in timed_ms.items():
        print(
            f"{name:<24} median {statistics.median(times):7.1f} ms   p99 {pct(times, 0.99):7.1f} ms"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--live", type=int, default=500)
    parser.add_argument("--moves-per-s", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=100)
    asyncio.run(main(parser.parse_args()))
