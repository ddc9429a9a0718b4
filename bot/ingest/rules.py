"""Filtered-stream rules from settings and the live KB's departments, synced idempotently.

The rules follow the desk's handle, hashtags and keywords (settings) and every department's
own hashtags and handles (``departments.yml``); the ingest role syncs them at start and again
whenever the live knowledge base changes the departments' tags.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from bot.kb.schema import KnowledgeBase
from bot.settings import Settings
from bot.x.models import StreamRule, XClient

log = structlog.get_logger("ingest")


@dataclass(frozen=True)
class DeptTags:
    """The departments' own hashtags and handles (lower case, no sigils), with their owners."""

    hashtags: tuple[tuple[str, str], ...] = ()  # (tag, department id)
    handles: tuple[tuple[str, str], ...] = ()  # (handle, department id)

    @classmethod
    def of(cls, kb: KnowledgeBase) -> DeptTags:
        """The tags the departments of ``kb`` own."""
        return cls(
            hashtags=tuple((t, d.id) for d in kb.departments for t in d.own_hashtags()),
            handles=tuple((h, d.id) for d in kb.departments for h in d.own_handles()),
        )

    @property
    def handle_names(self) -> frozenset[str]:
        """The handles alone."""
        return frozenset(h for h, _ in self.handles)

    def search_terms(self) -> list[str]:
        """Recent-search terms that find posts using the tags."""
        return [f"#{t}" for t, _ in self.hashtags] + [f"@{h}" for h, _ in self.handles]


def desired_rules(settings: Settings, depts: DeptTags | None = None) -> list[StreamRule]:
    """The desk's @handle, hashtags and keywords, and its departments' tags; no retweets."""
    own = settings.account_handle.lstrip("@")
    rules = [StreamRule(value=f"@{own} -is:retweet", tag="handle")]
    rules += [
        StreamRule(value=f"#{tag.lstrip('#')} -is:retweet", tag=f"hashtag:{tag.lstrip('#')}")
        for tag in settings.hashtags
    ]
    rules += [
        StreamRule(value=f'"{word}" -is:retweet', tag=f"keyword:{word}")
        for word in settings.keywords
    ]
    depts = depts or DeptTags()
    rules += [
        StreamRule(value=f"#{tag} -is:retweet", tag=f"dept:{dept}:hashtag:{tag}")
        for tag, dept in depts.hashtags
    ]
    rules += [
        StreamRule(value=f"@{handle} -is:retweet", tag=f"dept:{dept}:handle:{handle}")
        for handle, dept in depts.handles
    ]
    return rules


async def sync_rules(
    x: XClient, settings: Settings, depts: DeptTags | None = None
) -> tuple[int, int]:
    """Add what is missing (validated with dry_run first), delete what is stale.

    Returns (added, deleted); a second call with the same settings returns (0, 0).
    """
    wanted = {r.value: r for r in desired_rules(settings, depts)}
    current = await x.get_rules()
    have = {r.value for r in current}
    stale = [r.id for r in current if r.value not in wanted and r.id]
    missing = [r for value, r in wanted.items() if value not in have]
    if missing:
        await x.add_rules(missing, dry_run=True)  # X validates the syntax without saving
        await x.add_rules(missing)
    if stale:
        await x.delete_rules(stale)
    if missing or stale:
        log.info("stream rules synced", added=len(missing), deleted=len(stale))
    return len(missing), len(stale)
