"""Triage as the desk does it today, on the two frozen corpora of issue 19.

Every post of ``benchmarks/corpora/triage_dev.jsonl`` (496 posts) and
``benchmarks/corpora/triage_holdout.jsonl`` (260 posts) goes through the real desk: a
private ``redis-server`` on a free port, the real Rasa server with the trained model
(``nlu/models/nlu-<hash>.tar.gz``, trained first only if missing), the X emulator over
HTTP in this process, and ``daemon.py`` as its own process with the roles ingest,
pipeline, outbox and sla (the SLA leader runs the storm sweep). Each corpus gets a fresh
emulator, a fresh key prefix and a fresh daemon; Redis and Rasa are shared. Nothing in
``bot/`` is changed or patched: this measures the desk as it is.

    .venv/bin/python benchmarks/triage.py [--speed 3600] [--only dev|holdout]

How posts are published. Each corpus author becomes an emulator account; the ministry's
account is ``@CommerceSeva`` and the desk's hashtag ``#SevaCommerce``, the names the corpus
authors wrote (``SEVA_ACCOUNT_HANDLE``, ``SEVA_HASHTAGS``), so no text is rewritten. Posts
are published in ``created_at`` order through the emulator's control API
(``EmulatorControl.publish``); a post with ``follow_up_of`` is published as a reply
(``in_reply_to``) to the emulator post of the one it follows, so it shares its conversation.
The daemon takes them from the filtered stream, exactly as in production.

Time. The corpora span 6 to 7 days (2026-11-16 to 2026-11-22). Their ``created_at`` cannot
be replayed as such: the emulator stamps every post with its own clock (the control API
takes no ``created_at``), ingest skips posts older than ``SEVA_INGEST_HORIZON_S`` (7 days
before the daemon's clock), and tickets, the SLA and the storm window all run on the
daemon's clock, which is the real one in a daemon process. So the timing is *compressed*:
post i is published at ``(created_at_i - created_at_0) / speed`` seconds after the start
(``--speed 3600``: one corpus hour is one second, so the dev corpus takes about 162 s).
The one time-dependent rule that reaches across posts in a run this short is the storm
window (a storm takes posts for ``SEVA_STORM_WINDOW_H`` = 24 h after its master opened),
so it is scaled by the same factor (24 h / 3600 = 24 s; the 8 h window of storms whose
posts only wait, ``SEVA_STORM_VAGUE_WINDOW_H``, becomes 8 s), which keeps the three storms
of a corpus (one to two days apart) as far apart, relative to the window, as they were written;
the sweep runs every 0.5 s (``SEVA_SLA_TICK_S``) instead of 30 s. The SLA's 48 hours are not
scaled: no ticket reaches a warning or breach in the run, so no interim reply is posted
(nothing measured here depends on them). X's post limits (100 per 15 minutes) are RAISED,
in the emulator and the outbox, as are the daily budget and read limits: at the corpus's
own pace (about 3 posts an hour) they would never bind, while compressed they would hold
most replies back. Follow-ups come 5.75 corpus hours (5.75 s) or more after the post they
follow, so the parent's ticket exists first.

What is read back, per post: the decision record (``Keys.decision``: action, FAQ id, body,
reason, facts), the ticket opened for the post (``Keys.post_ticket``) and its department
and storm membership (``storm_of``, or the master's own ``Keys.storm`` set), the reply job's
kind and state (``Keys.reply``), and the desk's posts on the emulator that reply to it.

The figures (issue 19's table), per corpus:
- *public promise*: an acknowledgement (reply kind ``ack``: "your concern has been
  registered ... an officer will respond by ...") posted on the emulator under the post.
  The share is over the posts labelled ``grievance: false``. A hashtag-only post that gets
  a ticket has no reply posted (X's reply rule; an officer answers by hand), so it counts
  as a ticket without a public promise; the non-grievances given a docket at all are
  printed too.
- *grievances with a ticket or a correct referral*: over the posts labelled
  ``grievance: true``, those that got a ticket of their own (any department, acknowledged
  or hand reply), or were referred to the labelled ``body`` (no grievance in these corpora
  carries a body label, so this part is empty), or, for follow-ups and repeats
  (``follow_up_of``), were attached to (or answered with the status of) the ticket of the
  post they follow.
- *wrong automatic FAQ answers*: posts that got an FAQ answer posted (reply kind ``faq``)
  whose FAQ id is not the label's (for a two-question post, not one of its two), or whose
  label has no FAQ.
- *FAQ recall on misspelt questions*: of the posts of kind ``faq_misspelt`` (the corpora's
  only misspelt kind; every one has an FAQ label), those answered with their labelled FAQ.
- *storm pairwise precision and recall*: over the unordered pairs of posts of the corpus.
  A predicted pair: two posts whose own tickets are in the same storm (a master and the
  tickets whose ``storm_of`` names it). A true pair: two posts with the same ``storm``
  label. Precision = true predicted pairs / predicted pairs (n/a without any), recall = true
  predicted pairs / true pairs. A follow-up attached to a storm member is not a ticket of
  its own and is in no pair (none carries a storm label). Hashtag-only tickets never join
  storms (each needs a hand reply), which caps recall: each corpus has one hashtag-only
  post per storm.
- *the general queue's share of new tickets*: of the tickets opened for corpus posts in
  the run, those in department ``general`` (``faq_kb/departments.yml``: the Social Media
  Cell, where ``bot.decision`` sends a ticket that names no department).
Also printed: a confusion table of the labelled route against what the desk did, what
the desk did per corpus ``kind``, a few extra figures (marked so) and the wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from bot.kb.source import FileKB
from bot.keys import Keys
from bot.net import free_port
from bot.nlu.project import Project
from bot.nlu.server import RasaServer
from bot.settings import Settings
from bot.x.emulator import EmulatorConfig, RunningEmulator, running_emulator

REPO = Path(__file__).resolve().parents[1]
CORPORA = {
    "dev": REPO / "benchmarks/corpora/triage_dev.jsonl",
    "holdout": REPO / "benchmarks/corpora/triage_holdout.jsonl",
}
HANDLE = "CommerceSeva"  # the account and hashtag the corpus authors wrote
HASHTAG = "SevaCommerce"
GENERAL = "general"  # departments.yml: the Social Media Cell, the default department
MISSPELT = "faq_misspelt"
BIG = 10_000_000
ROLES = ("ingest", "pipeline", "outbox", "sla")
SLA_TICK_S = 0.5
DONE_REPLY = {"sent", "failed"}
# The acknowledgement's words in the three reply languages (responses/*/ack.j2): a cross-check
# of the reply kind against the text actually posted.
ACK_TEXT = re.compile(r"has been registered with|दर्ज हो गई है|darj ho gayi hai|officer will reply")
OUTCOMES = (
    "answer", "withheld>ticket+ack", "ticket+ack", "ticket,hand", "refer", "status",
    "followup", "triage", "greet", "clarify", "ignore", "undecided",
)  # fmt: skip
ROUTES = ("answer", "ticket", "refer", "status", "triage", "ignore")


@dataclass(frozen=True)
class Item:
    """One labelled corpus post."""

    id: str
    author: str
    created_at: datetime
    text: str
    kind: str
    route: str
    grievance: bool
    faq: tuple[str, ...]  # empty: no FAQ; two ids for a two-question post
    dept: str | None
    body: str | None
    storm: str | None
    follow_up_of: str | None

    @classmethod
    def of(cls, data: dict[str, Any]) -> Item:
        faq = data.get("faq")
        return cls(
            id=str(data["id"]),
            author=str(data["author"]),
            created_at=datetime.fromisoformat(str(data["created_at"])),
            text=str(data["text"]),
            kind=str(data["kind"]),
            route=str(data["route"]),
            grievance=bool(data["grievance"]),
            faq=tuple(faq) if isinstance(faq, list) else ((str(faq),) if faq else ()),
            dept=data.get("dept"),
            body=data.get("body"),
            storm=data.get("storm"),
            follow_up_of=data.get("follow_up_of"),
        )


def load(path: Path) -> list[Item]:
    """The corpus in publishing order (created_at, then id)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    items = [Item.of(json.loads(line)) for line in lines if line.strip()]
    return sorted(items, key=lambda i: (i.created_at, i.id))


@dataclass
class Seen:
    """What the desk did with one post."""

    x_id: str
    decided: bool = False
    action: str | None = None
    reason: str = ""
    manual: bool = False
    faq_id: str | None = None
    body_id: str | None = None
    status_docket: str | None = None
    facts_docket: str | None = None
    withheld: bool = False
    ticket: str | None = None  # the docket opened for this post itself
    dept: str | None = None
    group: str | None = None  # the master docket of its storm
    reply_kind: str | None = None
    reply_state: str | None = None
    posted: list[str] = field(default_factory=list)  # the desk's posts replying to it

    @property
    def outcome(self) -> str:
        if not self.decided:
            return "undecided"
        if self.action == "answer_faq":
            return "withheld>ticket+ack" if self.withheld else "answer"
        if self.action == "escalate":
            return "ticket,hand" if self.manual else "ticket+ack"
        return str(self.action)

    @property
    def promised(self) -> bool:
        return self.reply_kind == "ack" and bool(self.posted)

    @property
    def faq_answered(self) -> str | None:
        return self.faq_id if self.reply_kind == "faq" and self.posted else None


@dataclass
class Run:
    """One corpus through the desk."""

    name: str
    items: list[Item]
    seen: dict[str, Seen]
    publish_s: float
    drain_s: float
    wall_s: float
    notes: list[str]


# --- the desk ---------------------------------------------------------------------------------


def emulator_config() -> EmulatorConfig:
    """The ministry as @CommerceSeva; X's post and read limits RAISED (see the docstring)."""
    config = EmulatorConfig(
        keepalive_s=1.0, ministry_username=HANDLE, ministry_name="Ministry of Commerce Seva"
    )
    unlimited = {"user": BIG, "app": BIG}
    config.update(
        {
            "limits": {
                "post_tweets": {"user": BIG},
                **dict.fromkeys(("mentions", "search", "lookup", "timeline", "users"), unlimited),
            },
            "post_3h_limit": BIG,
            "post_24h_app_limit": BIG,
        }
    )
    return config


def storm_window_h(speed: float, name: str = "storm_window_h") -> float:
    """A default storm window (``name``), compressed like the corpus's time."""
    default = Settings.model_fields[name].default
    return float(default) / speed


def start_daemon(
    emu: RunningEmulator, redis_url: str, prefix: str, rasa: RasaServer, speed: float, log: Path
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEVA_")} | {
        "SEVA_ROLES": ",".join(ROLES), "SEVA_INSTANCE_ID": "triage-bench",
        "SEVA_REDIS_URL": redis_url, "SEVA_KEY_PREFIX": prefix,
        "SEVA_X_BASE_URL": emu.base_url, "SEVA_X_BEARER_TOKEN": emu.config.app_bearer,
        "SEVA_X_USER_ACCESS_TOKEN": emu.ministry["user_token"],
        "SEVA_ACCOUNT_HANDLE": emu.ministry["username"], "SEVA_ACCOUNT_USER_ID": emu.ministry["id"],
        "SEVA_HASHTAGS": HASHTAG, "SEVA_RASA_URLS": rasa.url, "SEVA_RASA_TOKEN": rasa.token or "",
        "SEVA_LOG_LEVEL": "warning", "SEVA_WEB_PORT": "0", "SEVA_INGEST_POLL_INTERVAL_S": "5",
        "SEVA_SLA_TICK_S": str(SLA_TICK_S), "SEVA_STORM_WINDOW_H": repr(storm_window_h(speed)),
        "SEVA_STORM_VAGUE_WINDOW_H": repr(storm_window_h(speed, "storm_vague_window_h")),
        "SEVA_OUTBOX_LIMIT_15M": str(BIG), "SEVA_OUTBOX_LIMIT_3H": str(BIG),
        "SEVA_OUTBOX_LIMIT_24H": str(BIG), "SEVA_OUTBOX_DAILY_BUDGET_USD": "1e9",
        "SEVA_INGEST_READ_BUDGET_PER_HOUR": str(BIG), "PYTHONUNBUFFERED": "1",
    }  # fmt: skip
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, str(REPO / "daemon.py")],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


async def wait_ready(
    emu: RunningEmulator, redis: aioredis.Redis, keys: Keys, proc: subprocess.Popen[bytes]
) -> float:
    """Wait until every role beats and the filtered stream is connected with its rules."""
    started = time.perf_counter()
    deadline = started + 120
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the daemon exited with {proc.returncode} before it was ready")
        beats = {str(k).split(":")[-2] async for k in redis.scan_iter(keys.heartbeat_pattern())}
        runtime = emu.runtime
        if set(ROLES) <= beats and runtime.stream is not None and runtime.world.rules:
            return time.perf_counter() - started
        await asyncio.sleep(0.2)
    raise RuntimeError("the daemon was not ready after 120 s")


async def publish_all(
    emu: RunningEmulator, items: list[Item], speed: float, notes: list[str]
) -> tuple[dict[str, str], float]:
    """Publish the corpus on the compressed schedule; return corpus id -> emulator id."""
    x_ids: dict[str, str] = {}
    t0 = items[0].created_at
    start = time.perf_counter() + 0.5
    late = 0.0
    for item in items:
        due = start + (item.created_at - t0).total_seconds() / speed
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        late = max(late, time.perf_counter() - due)
        parent = x_ids.get(item.follow_up_of) if item.follow_up_of else None
        if item.follow_up_of and parent is None:
            notes.append(f"{item.id}: follows {item.follow_up_of}, not published; posted alone")
        post = await emu.control.publish(item.author, item.text, in_reply_to=parent)
        x_ids[item.id] = str(post["id"])
    if late > 1.0:
        notes.append(f"the publisher fell behind its schedule by up to {late:.1f} s")
    return x_ids, time.perf_counter() - start


async def drain(
    redis: aioredis.Redis, keys: Keys, x_ids: dict[str, str], notes: list[str]
) -> float:
    """Wait until every post is decided, every reply job is done and the sweep is idle."""
    started = time.perf_counter()
    deadline = started + 300
    ids = list(x_ids.values())
    while time.perf_counter() < deadline:
        raw = await redis.mget([keys.decision(i) for i in ids])
        records = [json.loads(r) if r else {} for r in raw]
        if all(r.get("done") for r in records):
            jobs = [str(r["facts"]["job"]) for r in records if (r.get("facts") or {}).get("job")]
            states = [await redis.hget(keys.reply(j), "state") for j in jobs]
            pending = await redis.zcard(keys.storm_pending)
            if all(s in DONE_REPLY for s in states) and not pending:
                await asyncio.sleep(4 * SLA_TICK_S)  # a last sweep, and its folds
                if not await redis.zcard(keys.storm_pending):
                    return time.perf_counter() - started
        await asyncio.sleep(0.5)
    notes.append("the desk had not finished after 300 s: the figures count what was done")
    return time.perf_counter() - started


async def read_back(
    emu: RunningEmulator, redis: aioredis.Redis, keys: Keys, x_ids: dict[str, str]
) -> dict[str, Seen]:
    """Decision, ticket, storm, reply job and posted replies of every corpus post."""
    replies: dict[str, list[str]] = {}
    for post in await emu.control.posts(author=emu.ministry["id"]):
        for ref in post.get("referenced_tweets") or ():
            if ref["type"] == "replied_to":
                replies.setdefault(str(ref["id"]), []).append(str(post["text"]))
    seen: dict[str, Seen] = {}
    for corpus_id, x_id in x_ids.items():
        s = Seen(x_id=x_id, posted=replies.get(x_id, []))
        raw = await redis.get(keys.decision(x_id))
        record = json.loads(raw) if raw else {}
        if record.get("done"):
            decision, facts = record["decision"], record.get("facts") or {}
            s.decided = True
            s.action = str(decision["action"])
            s.reason = str(decision.get("reason") or "")
            s.manual = bool(decision.get("manual_reply"))
            s.faq_id = decision.get("faq_id")
            s.body_id = decision.get("body_id")
            s.status_docket = (decision.get("extra") or {}).get("docket")
            s.facts_docket = facts.get("docket")
            s.withheld = bool(facts.get("withheld"))
        docket = await redis.get(keys.post_ticket(x_id))
        if docket:
            s.ticket = str(docket)
            ticket: Any = await redis.hgetall(keys.ticket(s.ticket))
            s.dept = ticket.get("dept")
            if ticket.get("storm_of"):
                s.group = str(ticket["storm_of"])
            elif await redis.zcard(keys.storm(s.ticket)):
                s.group = s.ticket
        job: Any = await redis.hgetall(keys.reply(f"reply:{x_id}"))
        s.reply_kind = job.get("kind")
        s.reply_state = job.get("state")
        seen[corpus_id] = s
    return seen


async def run_corpus(
    name: str, items: list[Item], redis_url: str, rasa: RasaServer, speed: float, work: Path
) -> Run:
    started = time.perf_counter()
    prefix = f"triage{secrets.token_hex(3)}"
    keys = Keys(prefix)
    notes: list[str] = []
    redis = aioredis.Redis.from_url(redis_url, decode_responses=True)
    log = work / f"daemon-{name}.log"
    try:
        async with running_emulator(emulator_config()) as emu:
            for author in sorted({i.author for i in items}):
                await emu.control.create_user(author)
            proc = start_daemon(emu, redis_url, prefix, rasa, speed, log)
            try:
                ready_s = await wait_ready(emu, redis, keys, proc)
                print(f"[{name}] desk ready after {ready_s:.1f} s; publishing {len(items)} posts")
                x_ids, publish_s = await publish_all(emu, items, speed, notes)
                drain_s = await drain(redis, keys, x_ids, notes)
                seen = await read_back(emu, redis, keys, x_ids)
            finally:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        await asyncio.to_thread(proc.wait, 30)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        await asyncio.to_thread(proc.wait, 10)
                        notes.append("the daemon did not stop within 30 s of SIGTERM: killed")
                elif proc.returncode:
                    notes.append(f"the daemon exited with {proc.returncode} during the run")
    finally:
        await redis.aclose()
    problems = [ln for ln in log.read_text(errors="replace").splitlines() if "error" in ln.lower()]
    if problems:
        notes.append(f"{len(problems)} daemon log lines mention an error, e.g. {problems[0][:160]}")
    return Run(name, items, seen, publish_s, drain_s, time.perf_counter() - started, notes)


# --- the figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """``hit`` of ``of``, printed as a percentage (or a ratio)."""

    hit: int
    of: int

    def pct(self) -> str:
        return f"{100 * self.hit / self.of:.1f} % ({self.hit}/{self.of})" if self.of else "n/a"

    def ratio(self) -> str:
        return f"{self.hit / self.of:.3f} ({self.hit}/{self.of})" if self.of else "n/a (no pairs)"

    def value(self) -> float | None:
        return self.hit / self.of if self.of else None


def pairs(groups: Iterable[list[str]]) -> set[frozenset[str]]:
    return {frozenset(p) for g in groups for p in combinations(sorted(g), 2)}


def covered(item: Item, s: Seen, by_id: dict[str, Item], seen: dict[str, Seen]) -> bool:
    """Whether a grievance got a ticket, a correct referral, or its parent's ticket."""
    if s.ticket:
        return True
    if s.action == "refer" and item.body is not None and s.body_id == item.body:
        return True
    if item.follow_up_of and item.follow_up_of in by_id:
        parent = seen[item.follow_up_of].ticket
        if parent and s.action == "followup" and s.facts_docket == parent:
            return True
        if parent and s.action == "status" and s.status_docket == parent:
            return True
    return False


@dataclass
class Figures:
    promise: Share
    grievance: Share
    wrong_faq: int
    misspelt: Share
    storm_p: Share
    storm_r: Share
    general: Share
    extra: dict[str, str]


def figures(run: Run) -> Figures:
    items, seen = run.items, run.seen
    by_id = {i.id: i for i in items}
    non = [i for i in items if not i.grievance]
    griev = [i for i in items if i.grievance]
    wrong = [
        i.id for i in items if (a := seen[i.id].faq_answered) is not None and a not in i.faq
    ]  # fmt: skip
    misspelt = [i for i in items if i.kind == MISSPELT]
    clean = [i for i in items if i.kind == "faq_clean"]
    groups: dict[str, list[str]] = {}
    for i in items:
        if (g := seen[i.id].group) is not None:
            groups.setdefault(g, []).append(i.id)
    labels: dict[str, list[str]] = {}
    for i in items:
        if i.storm:
            labels.setdefault(i.storm, []).append(i.id)
    predicted, true = pairs(groups.values()), pairs(labels.values())
    tickets = [seen[i.id] for i in items if seen[i.id].ticket]
    with_dept = [i for i in griev if seen[i.id].ticket and not i.follow_up_of]
    refer = [i for i in items if i.route == "refer"]
    mismatched = sum(
        1 for i in items if bool(ACK_TEXT.search(" ".join(seen[i.id].posted))) != seen[i.id].promised
    )  # fmt: skip
    sizes = sorted((len(g) for g in groups.values()), reverse=True)
    extra = {
        "non-grievances given a docket (promised or hand reply)": Share(
            sum(1 for i in non if seen[i.id].ticket), len(non)
        ).pct(),
        "grievance tickets in the labelled department": Share(
            sum(1 for i in with_dept if seen[i.id].dept == i.dept), len(with_dept)
        ).pct(),
        "referral-labelled posts referred to the labelled body": Share(
            sum(1 for i in refer if seen[i.id].action == "refer" and seen[i.id].body_id == i.body),
            len(refer),
        ).pct(),
        "FAQ recall on clean questions": Share(
            sum(1 for i in clean if seen[i.id].faq_answered in i.faq), len(clean)
        ).pct(),
        "posts with an FAQ answer posted": str(sum(1 for s in seen.values() if s.faq_answered)),
        "wrong FAQ answers (ids)": ", ".join(
            f"{i}: {seen[i].faq_answered} for {'/'.join(by_id[i].faq) or 'no faq'}" for i in wrong
        )
        or "none",
        "storms (groups of 2+ tickets), sizes": f"{len(groups)}: {sizes}" if groups else "0",
        "storm-labelled posts whose ticket was hand-reply only (never grouped)": str(
            sum(1 for i in items if i.storm and seen[i.id].manual)
        ),
        "undecided posts": str(sum(1 for s in seen.values() if not s.decided)),
        "replies posted by the desk": str(sum(1 for s in seen.values() if s.posted)),
        "reply jobs failed": str(sum(1 for s in seen.values() if s.reply_state == "failed")),
        "ack text vs reply kind disagreements (cross-check)": str(mismatched),
    }
    return Figures(
        promise=Share(sum(1 for i in non if seen[i.id].promised), len(non)),
        grievance=Share(sum(1 for i in griev if covered(i, seen[i.id], by_id, seen)), len(griev)),
        wrong_faq=len(wrong),
        misspelt=Share(sum(1 for i in misspelt if seen[i.id].faq_answered in i.faq), len(misspelt)),
        storm_p=Share(len(predicted & true), len(predicted)),
        storm_r=Share(len(predicted & true), len(true)),
        general=Share(sum(1 for s in tickets if s.dept == GENERAL), len(tickets)),
        extra=extra,
    )


def _meets(value: float | None, goal: str) -> str:
    if value is None:
        return "n/a"
    op, target = goal.split()
    ok = value <= float(target) if op == "<=" else value >= float(target)
    return "yes" if ok else "NO"


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]  # fmt: skip
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)


def report(runs: list[Run], figs: dict[str, Figures]) -> None:
    names = [r.name for r in runs]
    specs: list[tuple[str, str, Any]] = [
        ("share of non-grievances that got a public promise", "<= 0.02", lambda f: f.promise),
        ("share of grievances that got a ticket or a correct referral", ">= 0.98", lambda f: f.grievance),
        ("wrong automatic FAQ answers", "<= 0", lambda f: f.wrong_faq),
        ("FAQ recall on misspelt questions", ">= 0.90", lambda f: f.misspelt),
        ("storm pairwise precision", ">= 0.99", lambda f: f.storm_p),
        ("storm recall", ">= 0.85", lambda f: f.storm_r),
        ("the general queue's share of new tickets", "<= 0.20", lambda f: f.general),
    ]  # fmt: skip
    goals = {"<= 0.02": "≤ 2 %", ">= 0.98": "≥ 98 %", "<= 0": "0", ">= 0.90": "≥ 90 %",
             ">= 0.99": "≥ 0.99", ">= 0.85": "≥ 0.85", "<= 0.20": "≤ 20 %"}  # fmt: skip
    rows = [["figure", "goal", *[f"{n} ({len(r.items)} posts)" for n, r in zip(names, runs, strict=True)], *[f"{n} meets" for n in names]]]  # fmt: skip
    for label, goal, get in specs:
        cells, meets = [], []
        for n in names:
            v = get(figs[n])
            if isinstance(v, Share):
                cells.append(v.ratio() if "storm" in label else v.pct())
                meets.append(_meets(v.value(), goal))
            else:
                cells.append(str(v))
                meets.append(_meets(float(v), goal))
        rows.append([label, goals[goal], *cells, *meets])
    print("\n" + table(rows))
    print("\nextra figures (not goals):")
    for key in figs[names[0]].extra:
        print(f"  {key}: " + "; ".join(f"{n} {figs[n].extra[key]}" for n in names))
    for run in runs:
        seen = run.seen
        print(f"\n[{run.name}] labelled route (rows) against what the desk did (columns):")
        counts = Counter((i.route, seen[i.id].outcome) for i in run.items)
        cols = [o for o in OUTCOMES if any(counts[(r, o)] for r in ROUTES)]
        rows = [["route", *cols, "total"]]
        for route in ROUTES:
            total = sum(counts[(route, o)] for o in cols)
            rows.append([route, *[str(counts[(route, o)] or "") for o in cols], str(total)])
        rows.append(["total", *[str(sum(counts[(r, o)] for r in ROUTES)) for o in cols], str(len(run.items))])  # fmt: skip
        print(table(rows))
        print(f"[{run.name}] what the desk did, per corpus kind:")
        kinds = Counter(i.kind for i in run.items)
        for kind, size in kinds.most_common():
            did = Counter(seen[i.id].outcome for i in run.items if i.kind == kind)
            promised = sum(1 for i in run.items if i.kind == kind and seen[i.id].promised)
            print(f"  {kind:<22} {size:>3}: " + ", ".join(f"{o} {c}" for o, c in did.most_common()) + f"; public promise {promised}")  # fmt: skip
        print(f"[{run.name}] wall time {run.wall_s:.1f} s (publishing {run.publish_s:.1f} s, then the desk finished {run.drain_s:.1f} s after the last post)")  # fmt: skip
        for note in run.notes:
            print(f"[{run.name}] note: {note}")


def commit() -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "bot", "faq_kb", "responses", "nlu", "daemon.py"],
            cwd=REPO, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + (" (with uncommitted changes to the desk)" if dirty else "")


def dump(runs: list[Run], path: Path) -> None:
    """Each post's label beside what the desk did, one JSON line each (for reading a run)."""
    with path.open("w", encoding="utf-8") as out:
        for run in runs:
            for i in run.items:
                s = run.seen[i.id]
                row = {
                    "corpus": run.name, "id": i.id, "kind": i.kind, "route": i.route,
                    "grievance": i.grievance, "faq": list(i.faq), "dept": i.dept, "storm": i.storm,
                    "text": i.text, "outcome": s.outcome, "reason": s.reason, "faq_id": s.faq_id,
                    "ticket": s.ticket, "ticket_dept": s.dept, "group": s.group,
                    "promised": s.promised,
                }  # fmt: skip
                out.write(json.dumps(row, ensure_ascii=False) + "\n")


async def main(speed: float, only: str | None, dump_to: Path | None = None) -> None:
    wall = time.perf_counter()
    corpora = {n: load(p) for n, p in CORPORA.items() if only in {None, n}}
    project = Project(REPO / "nlu", REPO / ".venv-rasa")
    kb = await FileKB(REPO / "faq_kb", REPO / "responses").load()
    model, _ = project.train(kb)  # cached by input hash: trains only if the model is missing
    work = Path(tempfile.mkdtemp(prefix="seva-triage-"))
    port = free_port()
    redis_proc = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", str(work)], stdout=subprocess.DEVNULL,
    )  # fmt: skip
    rasa = RasaServer(project, model, free_port(), token=secrets.token_urlsafe(12), log_path=work / "rasa.log")  # fmt: skip
    rasa.start()
    try:
        started = time.perf_counter()
        await rasa.wait_ready()
        print(
            f"triage benchmark, {datetime.now(UTC):%Y-%m-%d}, commit {commit()}, {os.cpu_count()} cores; "
            f"model {model.name}; Rasa ready after {time.perf_counter() - started:.1f} s"
        )
        print(
            f"timing compressed: speed {speed:g} (one corpus hour = {3600 / speed:g} s); storm window "
            f"{storm_window_h(speed) * 3600:g} s (24 h compressed); sla tick {SLA_TICK_S} s; "
            "X's post limits RAISED in the emulator and the outbox"
        )
        runs = []
        for name, items in corpora.items():
            runs.append(await run_corpus(name, items, f"redis://127.0.0.1:{port}/0", rasa, speed, work))  # fmt: skip
        report(runs, {r.name: figures(r) for r in runs})
        if dump_to is not None:
            dump(runs, dump_to)
            print(f"each post's outcome written to {dump_to}")
        print(f"\ntotal wall time {time.perf_counter() - wall:.1f} s (logs in {work})")
    finally:
        rasa.stop()
        redis_proc.terminate()
        redis_proc.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--speed", type=float, default=3600.0, help="corpus seconds per real second")  # fmt: skip
    parser.add_argument("--only", choices=sorted(CORPORA), default=None, help="run one corpus")
    parser.add_argument("--dump", type=Path, default=None, help="write each post's outcome here (JSON lines)")  # fmt: skip
    args = parser.parse_args()
    asyncio.run(main(args.speed, args.only, args.dump))
