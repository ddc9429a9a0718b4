"""A fake X port for fast unit tests of the outbox's logic (integration uses the emulator)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.errors import XError
from bot.x.models import PostedReply


@dataclass
class FakeX:
    """Records created posts; can fail before or after "creating" a post."""

    posts: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # id -> (text, parent)
    fail_before: list[XError] = field(default_factory=list)  # raised before creating
    fail_after: list[XError] = field(default_factory=list)  # raised after creating
    lookups: int = 0
    _ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(1_900_000_000_000_000_000)
    )

    async def create_reply(self, text: str, in_reply_to: str | None) -> PostedReply:
        if self.fail_before:
            raise self.fail_before.pop(0)
        post_id = str(next(self._ids))
        self.posts[post_id] = (text, in_reply_to)
        if self.fail_after:
            raise self.fail_after.pop(0)
        return PostedReply(id=post_id, text=text, edit_history_tweet_ids=[post_id])

    async def find_reply(self, in_reply_to: str, text: str) -> PostedReply | None:
        self.lookups += 1
        for post_id, (t, parent) in self.posts.items():
            if t == text and parent == in_reply_to:
                return PostedReply(id=post_id, text=t, edit_history_tweet_ids=[post_id])
        return None

    def texts(self) -> list[str]:
        return [t for t, _ in self.posts.values()]
