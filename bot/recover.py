"""``seva recover``: resume a desk whose Redis lost its data, from what X still knows.

Redis forgot the cursors, the seen-keys, the docket counters and the tickets; X did not
forget the desk's own posts. So recovery reads them (``SEVA_RECOVER_MAX_PAGES`` pages of
100, newest first) and:

- starts each year's docket counter above the highest docket the desk ever posted, plus
  ``SEVA_RECOVER_DOCKET_MARGIN`` for dockets issued but not yet acknowledged at the loss:
  a docket number is never given to two citizens;
- marks every post the desk replied to as seen, so the first-start look-back does not
  answer or acknowledge it again; posts never answered are taken in as new;
- lists the dockets acknowledged on X whose tickets are gone (kept in Redis for officers);
- writes a new epoch and lifts the hold (``bot.epoch``).

It prints the plan first and changes nothing without ``--yes`` (or a yes at the prompt).
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass, field
from typing import Any

import click
from redis.asyncio import Redis

from bot.alarms import clear_alarm
from bot.clock import Clock, SystemClock
from bot.dockets import docket, dockets_in
from bot.epoch import AMNESIA_ALARM
from bot.keys import SEEN_TTL_S, Keys
from bot.settings import Settings, load_settings
from bot.store import connect
from bot.textsafe import echo
from bot.x.models import XClient

_SHOWN = 10  # lost dockets named in the plan; all of them are kept in Redis


@dataclass
class Plan:
    """What recovery found and will do."""

    hold: str | None
    has_epoch: bool
    pages_read: int = 0
    own_posts: int = 0
    # year -> (counter in Redis now, highest number on X)
    counters: dict[int, tuple[int, int]] = field(default_factory=dict)
    answered: set[str] = field(default_factory=set)
    lost: list[str] = field(default_factory=list)

    def next_counter(self, year: int, margin: int) -> int:
        """The counter value recovery sets: the next docket is one above it."""
        current, on_x = self.counters[year]
        return max(current, on_x + margin if on_x else 0)


async def survey(redis: Redis, keys: Keys, x: XClient, settings: Settings) -> Plan:
    """Read the desk's own posts on X and Redis's state; change nothing."""
    raw: Any = await redis.mget(keys.hold, keys.epoch)
    plan = Plan(hold=_detail(raw[0]), has_epoch=raw[1] is not None)
    highest: dict[int, int] = {}
    mentioned: set[str] = set()
    token: str | None = None
    for _ in range(settings.recover_max_pages):
        page = await x.own_posts(pagination_token=token)
        plan.pages_read += 1
        for post in page.posts:
            plan.own_posts += 1
            plan.answered.add(post.id)  # an own post is never taken in either
            if post.in_reply_to_id:
                plan.answered.add(post.in_reply_to_id)
            for year, number in dockets_in(post.text, settings.docket_prefix):
                highest[year] = max(highest.get(year, 0), number)
                mentioned.add(docket(settings.docket_prefix, year, number))
        if not page.next_token:
            break
        token = page.next_token
    for year, number in sorted(highest.items()):
        current = int(await redis.get(keys.docket_seq(settings.docket_prefix, year)) or 0)
        plan.counters[year] = (current, number)
    for d in sorted(mentioned):
        if not await redis.exists(keys.ticket(d)):
            plan.lost.append(d)
    return plan


def describe(plan: Plan, settings: Settings) -> str:
    """The plan in words, for the operator to read before saying yes."""
    lines = []
    if plan.hold:
        lines.append(f"Intake is held: {plan.hold}")
    elif not plan.has_epoch:
        lines.append("Redis has no epoch (its data is gone, or the desk never started here).")
    else:
        lines.append("Intake is not held; recovery would only reseed from X.")
    lines.append(f"Read {plan.own_posts} of the desk's own posts on X ({plan.pages_read} pages).")
    margin = settings.recover_docket_margin
    for year, (current, on_x) in sorted(plan.counters.items()):
        nxt = plan.next_counter(year, margin) + 1
        lines.append(
            f"Dockets {settings.docket_prefix}-{year}: counter {current} here, highest on X "
            f"{on_x}; the next docket will be {docket(settings.docket_prefix, year, nxt)} "
            f"(margin {margin} for dockets issued but not yet acknowledged)."
        )
    lines.append(
        f"Mark {len(plan.answered)} posts seen (the desk replied to them or wrote them), so "
        "they are never answered or acknowledged again."
    )
    hours = settings.ingest_first_lookback_s / 3600
    lines.append(
        f"Ingest then reads back {hours:g} h: posts the desk never answered come in as new."
    )
    if plan.lost:
        shown = ", ".join(plan.lost[:_SHOWN]) + (" ..." if len(plan.lost) > _SHOWN else "")
        lines.append(
            f"{len(plan.lost)} dockets were acknowledged on X but their tickets are gone "
            f"(kept as {len(plan.lost)} lost dockets for officers): {shown}"
        )
    lines.append("Then write a new epoch and lift the hold.")
    return "\n".join(lines)


async def apply(redis: Redis, keys: Keys, clock: Clock, plan: Plan, settings: Settings) -> None:
    """Carry the plan out in one transaction, then clear the alarm."""
    epoch = json.dumps(
        {"since": clock.now().isoformat(), "why": "seva recover", "after": plan.hold or ""}
    )
    async with redis.pipeline(transaction=True) as pipe:
        for year in plan.counters:
            value = plan.next_counter(year, settings.recover_docket_margin)
            pipe.set(keys.docket_seq(settings.docket_prefix, year), value)
        for post_id in plan.answered:
            pipe.set(keys.seen(post_id), "1", ex=SEEN_TTL_S)
        if plan.lost:
            pipe.sadd(keys.lost_dockets, *plan.lost)
        pipe.set(keys.epoch, epoch)
        pipe.delete(keys.hold)
        await pipe.execute()
    await clear_alarm(redis, keys, AMNESIA_ALARM)


def _detail(raw: Any) -> str | None:
    if raw is None:
        return None
    try:
        return str(json.loads(raw)["detail"])
    except (ValueError, KeyError, TypeError):
        return str(raw)


@click.command("recover")
@click.option("--yes", is_flag=True, help="carry the plan out without asking")
def recover_command(yes: bool) -> None:
    """After Redis lost its data: show the plan to resume from X, then carry it out."""
    from bot.x.adapter import TweepyXClient

    settings = load_settings()
    settings.require_x_credentials()
    clock = SystemClock()

    async def main() -> int:
        redis = connect(settings.redis_url)
        keys = Keys(settings.key_prefix)
        x = TweepyXClient(settings, clock)
        try:
            plan = await survey(redis, keys, x, settings)
            echo(describe(plan, settings))
            if not yes:
                if not sys.stdin.isatty():
                    echo("Nothing changed: run again with --yes to carry it out.", err=True)
                    return 1
                if not await asyncio.to_thread(click.confirm, "Carry this out?"):
                    return 1
            await apply(redis, keys, clock, plan, settings)
            echo("Recovered: intake resumes within a few seconds.")
            return 0
        finally:
            await x.close()
            await redis.aclose()

    sys.exit(asyncio.run(main()))
