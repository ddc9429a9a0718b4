"""What "X" charges the app: pay-per-use, from the post objects it creates and the reads.

The bill is X's side of the ledger, so it is computed from what the emulator itself
attaches to each created post (its ``entities.urls``, as X's post objects carry them) and
from the posts each read returns, never from the desk's pricing code. Prices are X's
published list (docs/ARCHITECTURE.md, "Money"), in micro-dollars so sums are exact.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# Micro-dollars per request / per post read (X's price list, 2026).
PRICES_MICRO: dict[str, int] = {
    "post": 15_000,  # Content: Create
    "post_with_url": 200_000,  # Content: Create (with URL)
    "summoned_reply": 10_000,  # a reply to a post that summoned the account
    "read": 5_000,  # a post read (search, lookup, stream, timeline)
    "mention_read": 1_000,  # a post read from one's own mentions
}


@dataclass
class Bill:
    """Counts per billed item; dollars are derived from them."""

    counts: Counter[str] = field(default_factory=Counter)

    def post(self, entities: dict[str, Any], *, summoned_reply: bool) -> str:
        """Bill one created post from its entities; return the item it was billed as."""
        if entities.get("urls"):
            item = "post_with_url"
        elif summoned_reply:
            item = "summoned_reply"
        else:
            item = "post"
        self.counts[item] += 1
        return item

    def reads(self, endpoint: str, posts: int) -> None:
        """Bill ``posts`` returned by a read endpoint."""
        if posts > 0:
            self.counts["mention_read" if endpoint == "mentions" else "read"] += posts

    def clear(self) -> None:
        """Start a fresh bill."""
        self.counts.clear()

    def to_dict(self) -> dict[str, Any]:
        """The bill as the control API answers it: counts, micro-dollars and dollars."""
        micro = {item: n * PRICES_MICRO[item] for item, n in self.counts.items()}
        posts = sum(v for k, v in micro.items() if k in {"post", "post_with_url", "summoned_reply"})
        total = sum(micro.values())
        return {
            "counts": dict(self.counts),
            "usd": {item: v / 1_000_000 for item, v in micro.items()},
            "posts_usd": posts / 1_000_000,
            "reads_usd": (total - posts) / 1_000_000,
            "total_usd": total / 1_000_000,
        }
