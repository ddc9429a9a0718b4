"""FAQ-gap clustering (``bot.tickets.gaps``) on the two labelled gap corpora, and its cost.

Each corpus (``corpora/gaps_dev.jsonl``: two topics of 15 posts in English, Hindi and
Hinglish, among 30 unrelated posts; ``corpora/gaps_holdout.jsonl``: three topics of 12, among 30
unrelated; ``corpora/gaps_holdout2.jsonl`` and ``corpora/gaps_holdout3.jsonl``: three topics
of 15, among 30 unrelated, each written after the code of its time was final; each
written and labelled by someone who never saw the code) is grouped with the desk's
settings. The figures: the clusters the gaps page would show, their
purity (the share of clustered posts whose cluster's main topic is theirs; an unrelated
post in a cluster counts as wrong), how many of the topic posts were clustered, and each
cluster's languages. The cost: one grouping of ``--posts`` posts (the corpora repeated
with new ids and authors), the page's work at ``SEVA_GAPS_MAX_POSTS``.

    .venv/bin/python benchmarks/gaps.py [--only dev|holdout|holdout2|holdout3|holdout4] [--posts 500]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from bot.settings import load_settings
from bot.tickets.gaps import GapPost, cluster, purity

CORPORA = Path(__file__).resolve().parent / "corpora"


def _load(name: str) -> tuple[list[GapPost], dict[str, str | None]]:
    text = (CORPORA / f"gaps_{name}.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines()]
    posts = [GapPost(r["id"], r["author"], r["text"], r["lang"]) for r in rows]
    return posts, {r["id"]: r["topic"] for r in rows}


def report(name: str, threshold: float, min_size: int) -> None:
    posts, topic = _load(name)
    found = cluster(posts, threshold=threshold, min_size=min_size)
    on_topic = sum(1 for t in topic.values() if t)
    topics = len({t for t in topic.values() if t})
    clustered = sum(1 for c in found for p in c.posts if topic[p.post_id])
    print(
        f"{name}: {len(posts)} posts, {topics} topics ({on_topic} posts); "
        f"{len(found)} clusters shown, purity {purity(found, topic):.3f}; "
        f"{clustered}/{on_topic} topic posts clustered, "
        f"{sum(c.size for c in found) - clustered} unrelated posts in clusters"
    )
    for c in found:
        labels = Counter(topic[p.post_id] or "(unrelated)" for p in c.posts)
        print(f"  {c.size:3} posts  {dict(c.langs)}  {dict(labels)}  terms {', '.join(c.terms)}")


def cost(n: int, threshold: float, min_size: int) -> None:
    base = _load("dev")[0] + _load("holdout")[0]
    posts = [
        GapPost(f"{p.post_id}-{i}", f"{p.author}-{i}", p.text, p.lang)
        for i in range(n // len(base) + 1)
        for p in base
    ][:n]
    times = []
    for _ in range(3):
        began = time.perf_counter()
        cluster(posts, threshold=threshold, min_size=min_size)
        times.append(time.perf_counter() - began)
    print(f"cost: {n} posts grouped in {sorted(times)[1] * 1000:.0f} ms (median of 3)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", choices=["dev", "holdout", "holdout2", "holdout3", "holdout4"])
    parser.add_argument("--posts", type=int, default=500)
    args = parser.parse_args()
    settings = load_settings()
    for corpus in (
        [args.only] if args.only else ["dev", "holdout", "holdout2", "holdout3", "holdout4"]
    ):
        report(corpus, settings.gaps_threshold, settings.gaps_min_size)
    cost(args.posts, settings.gaps_threshold, settings.gaps_min_size)
