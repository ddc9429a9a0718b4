"""What X charges per 1,000 answered FAQs and per 1,000 acknowledgements, under both readings.

Every FAQ answer (each entry in English, Hindi and Hinglish) and every acknowledgement (each
department in each language) is composed by the desk's own composer, exactly as it would be
posted, and priced per post with X's price list (docs/ARCHITECTURE.md, "Money"):
- reading "scheme": only text with ``http(s)://`` is "Content: Create (with URL)";
- reading "linked" (conservative, what the desk now records): any URL twitter-text links,
  bare domains such as ``dgft.gov.in`` included.
A thread's first post is a summoned reply; later parts reply to the desk's own post and are
plain posts. "today" is the knowledge base and templates of ``--base`` (default ``main``),
priced both ways and as the desk recorded it there (scheme reading, every part summoned).

    .venv/bin/python benchmarks/cost.py [--base main] [--budget 25]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.kb import files
from bot.kb.schema import KnowledgeBase
from bot.kb.source import StaticKB
from bot.outbox.budget import UrlReading, carries_url
from bot.replies.composer import ReplyComposer
from bot.settings import Settings
from bot.x.models import Post

REPO = Path(__file__).resolve().parents[1]
LANGS = ("en", "hi", "hinglish")


def _post(i: int) -> Post:
    pid = str(1_900_000_000_000_000_000 + i)
    return Post(
        id=pid, author_id="1", author_handle="c", text="@MoCI_Seva question", lang="en",
        created_at=datetime(2026, 12, 1, tzinfo=UTC), conversation_id=pid,
    )  # fmt: skip


async def _replies(kb: KnowledgeBase) -> dict[str, list[list[str]]]:
    composer = ReplyComposer(StaticKB(kb), timezone=Settings().reply_timezone)
    out: dict[str, list[list[str]]] = {"faq": [], "ack": []}
    i = 0
    for lang in LANGS:
        for faq in kb.faqs:
            i += 1
            out["faq"].append(await composer.compose("faq", lang, _post(i), {"faq_id": faq.id}))
        for dept in kb.departments:
            i += 1
            ack = {"docket": f"MOCI-2026-{i:06d}", "due_at": "2026-12-03T10:00:00+00:00"}
            out["ack"].append(
                await composer.compose("ack", lang, _post(i), ack | {"dept": dept.id})
            )
    return out


def _price(parts: list[str], s: Settings, reading: UrlReading, *, all_summoned: bool) -> float:
    total = 0.0
    for i, text in enumerate(parts):
        if carries_url(text, reading):
            total += s.price_post_url_usd
        elif i == 0 or all_summoned:
            total += s.price_summoned_reply_usd
        else:
            total += s.price_post_usd
    return total


def _kb_at(ref: str, into: Path) -> KnowledgeBase:
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref, "faq_kb", "responses"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    kb, problems = files.load(into / "faq_kb", into / "responses")
    if problems:
        msg = f"{ref}: {problems[0]}"
        raise SystemExit(msg)
    return kb


def _rows(name: str, replies: dict[str, list[list[str]]], s: Settings, budget: float) -> list[str]:
    rows = []
    for kind, label in (("faq", "answers"), ("ack", "acknowledgements")):
        items = replies[kind]
        posts = statistics.mean(len(p) for p in items)
        one = sum(1 for p in items if len(p) == 1)
        costs = {
            r: statistics.mean(_price(p, s, r, all_summoned=False) for p in items)
            for r in ("scheme", "linked")
        }
        recorded = statistics.mean(_price(p, s, "scheme", all_summoned=True) for p in items)
        rows.append(
            f"| {name} | {label} (n={len(items)}) | {posts:.2f} ({one} in one post) "
            f"| ${recorded * 1000:,.2f} | ${costs['scheme'] * 1000:,.2f} "
            f"| **${costs['linked'] * 1000:,.2f}** | {budget / costs['linked']:,.0f} |"
        )
    return rows


async def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="git ref for 'today' (default main)")
    parser.add_argument("--budget", type=float, default=25.0, help="daily budget, USD")
    args = parser.parse_args()
    s = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        base = _kb_at(args.base, Path(tmp))
        base_replies = await _replies(base)
    head, problems = files.load(REPO / "faq_kb", REPO / "responses")
    if problems:
        raise SystemExit(str(problems[0]))
    head_replies = await _replies(head)
    print(
        "\n".join(
            [
                (
                    "| KB | replies | posts per reply | per 1,000 as recorded before | "
                    "per 1,000, URL = scheme only | per 1,000, URL = anything twitter-text "
                    f"links | replies per ${args.budget:g}/day (linked) |"
                ),
                "| --- | --- | --- | --- | --- | --- | --- |",
                *_rows(f"today ({args.base})", base_replies, s, args.budget),
                *_rows("this tree", head_replies, s, args.budget),
            ]
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
