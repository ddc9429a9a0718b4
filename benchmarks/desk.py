"""The browser desk's server time with 10,000 open tickets in Redis.

The web role runs in this process (built by the composition root) against a private
redis-server holding ``--tickets`` open tickets of one department (each made by
``TicketStore.create``, as the pipeline makes them). A signed-in officer's HTTP client
asks for each page ``--rounds`` times over loopback; the figure is the request's time as
the client sees it (server time plus loopback and client overhead, so an upper bound).

SSE: ``--sse-clients`` event streams of that officer stay open while the ticket is claimed
and released once a second; the figure is how many the web process held and how late each
move reached each stream (in this one process, clients included).

    .venv/bin/python benchmarks/desk.py [--tickets 10000] [--rounds 200] [--sse-clients 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from web_harness import (
    PASSWORD,
    csrf,
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
from bot.kb.source import FileKB, RedisKB, StaticKB
from bot.settings import Settings
from bot.tickets.store import TicketStore
from bot.tickets.storm import Storms
from bot.tickets.workflow import Workflow
from bot.users.store import UserStore
from bot.web.pages.live import HUB
from bot.web.role import WebRole
from bot.x.models import Post

ROOT = Path(__file__).resolve().parent.parent
ANSWER = (
    "Your IEC application was approved today after the bank details were checked again. "
    "The certificate can be downloaded from the DGFT portal under My IEC."
)


async def _streams(
    base: str, http: aiohttp.ClientSession, web: WebRole, docket: str, token: str,
    clients: int, seconds: int,
) -> str:  # fmt: skip
    """Open ``clients`` event streams, release and claim ``docket`` once a second for
    ``seconds``, and say how many streams the web process held and got every move, how late.
    """
    connector = aiohttp.TCPConnector(limit=0)  # aiohttp's default pool caps at 100
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=http.cookie_jar, headers={"Origin": base}
    ) as many:
        opened = [await many.get(f"{base}/queue/events") for _ in range(clients)]
        assert all(r.status == 200 for r in opened), [r.status for r in opened]
        for r in opened:
            await r.content.readline()  # event: ready
        hub = web.app[HUB] if web.app is not None else None
        held = hub.subscribers if hub is not None else 0
        sent: dict[str, float] = {}
        late: list[float] = []
        got = [0] * clients

        async def follow(i: int, r: aiohttp.ClientResponse) -> None:
            async for line in r.content:
                if line.startswith(b"data: ") and b'"move"' in line:
                    move = json.loads(line[6:])
                    if move["docket"] == docket and move["move"] in sent:
                        late.append((time.perf_counter() - sent[move["move"]]) * 1000)
                        got[i] += 1

        readers = [asyncio.create_task(follow(i, r)) for i, r in enumerate(opened)]
        moves = 0
        for second in range(seconds):
            move = "release" if second % 2 == 0 else "claim"  # it starts claimed
            sent[move] = time.perf_counter()
            form = {"_csrf": token}
            async with http.post(
                f"{base}/ticket/{docket}/{move}", data=form, allow_redirects=False
            ) as r:  # fmt: skip
                assert r.status == 303, r.status
                moves += 1
            await asyncio.sleep(1)
        await asyncio.sleep(1)
        for task in readers:
            task.cancel()
        for r in opened:
            r.close()
    everyone = sum(1 for n in got if n == moves)
    return (
        f"SSE: {clients} streams opened, {held} held by the hub; {moves} moves, one a second; "
        f"{everyone} streams got every move; delivery median {statistics.median(late):.1f} ms, "
        f"p99 {pct(late, 0.99):.1f} ms over {len(late)} deliveries"
    )


async def _fill(store: TicketStore, n: int, first: int = 0) -> list[str]:
    dockets = []
    now = datetime.now(UTC)
    for i in range(first, first + n):
        pid = str(1_970_000_000_000_000_000 + i)
        post = Post(
            id=pid, author_id=str(1000 + i % 500), author_handle=f"citizen{i % 500}",
            text=f"@MoCI_Seva my IEC application {i} is stuck at the bank step",
            lang="en", created_at=now, conversation_id=pid, mentions_account=True,
        )  # fmt: skip
        ticket = await store.create(post, "dgft", reason="complaint", reply_allowed=True, nlu={})
        dockets.append(ticket.docket)
    return dockets


async def _seed(deps: Deps, settings: Settings, n_tickets: int) -> list[str]:
    """The KB, ``n_tickets`` open tickets, answered ones like them and the officer meera."""
    kb = await FileKB(ROOT / "faq_kb", ROOT / "responses").load()
    live = RedisKB(deps.redis, deps.keys)
    await live.apply(await live.version(), kb, who="bench", when="now", summary="bench")
    store = TicketStore(deps.redis, deps.keys, SystemClock(), StaticKB(kb), settings)
    dockets = await _fill(store, n_tickets)
    # Answered tickets like every open one: the ticket page scores them all.
    flow = Workflow(deps.redis, deps.keys, SystemClock(), store, Storms(
        deps.redis, deps.keys, SystemClock(), store, settings))  # fmt: skip
    for docket in await _fill(store, settings.desk_answered_kept, first=n_tickets):
        await flow.claim(docket, "ravi")
        await flow.reply(docket, "ravi", ANSWER)
    users = UserStore(deps.redis, deps.keys, SystemClock(), settings)
    await users.add("meera", "officer", ["dgft"], PASSWORD, None, "bench")
    return dockets


async def main(n_tickets: int, rounds: int, sse_clients: int, sse_seconds: int) -> None:
    with private_redis("seva-desk-") as port:
        settings = web_settings(port)
        runner, deps = build(settings)
        started = time.perf_counter()
        dockets = await _seed(deps, settings, n_tickets)
        fill_s = time.perf_counter() - started
        async with serving(runner) as (base, web), signed_in(base, "meera") as http:
            token = csrf(await (await http.get(f"{base}/queue")).text())
            target = dockets[n_tickets // 2]
            await http.post(f"{base}/ticket/{target}/claim", data={"_csrf": token})
            get = getter(http, base)

            async def preview() -> None:
                async with http.post(
                    f"{base}/ticket/{target}/preview",
                    data={"answer_en": ANSWER}, headers={"X-CSRF-Token": token},
                ) as r:  # fmt: skip
                    assert r.status == 200, r.status
                    await r.read()

            streams = await _streams(base, http, web, target, token, sse_clients, sse_seconds)

            figures = {
                "queue page": await timed(rounds, lambda: get("/queue")),
                "queue page, filtered": await timed(rounds, lambda: get("/queue?state=claimed")),
                "queue page 100": await timed(rounds, lambda: get("/queue?page=100")),
                "queue page, searched": await timed(rounds, lambda: get("/queue?q=bank")),
                "queue page, language": await timed(rounds, lambda: get("/queue?lang=en")),
                "ticket page": await timed(rounds, lambda: get(f"/ticket/{target}")),
                "length preview": await timed(rounds, preview),
            }
    print(
        f"{n_tickets} open tickets and {settings.desk_answered_kept} answered like them "
        f"created in {fill_s:.1f} s; {rounds} requests each"
    )
    print(streams)
    for name, times in figures.items():
        print(
            f"{name:<22} median {statistics.median(times):7.1f} ms   p99 {pct(times, 0.99):7.1f} ms"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--sse-clients", type=int, default=200)
    parser.add_argument("--sse-seconds", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.tickets, args.rounds, args.sse_clients, args.sse_seconds))
