"""Filtered-stream rules from configuration, synced idempotently at start."""

from __future__ import annotations

import structlog

from bot.settings import Settings
from bot.x.models import StreamRule, XClient

log = structlog.get_logger("ingest")


def desired_rules(settings: Settings) -> list[StreamRule]:
    """The rules this desk needs: its @handle, its hashtags and keywords; never retweets."""
    rules = [StreamRule(value=f"@{settings.account_handle.lstrip('@')} -is:retweet", tag="handle")]
    rules += [
        StreamRule(value=f"#{tag.lstrip('#')} -is:retweet", tag=f"hashtag:{tag.lstrip('#')}")
        for tag in settings.hashtags
    ]
    rules += [
        StreamRule(value=f'"{word}" -is:retweet', tag=f"keyword:{word}")
        for word in settings.keywords
    ]
    return rules


async def sync_rules(x: XClient, settings: Settings) -> tuple[int, int]:
    """Add what is missing (validated with dry_run first), delete what is stale.

    Returns (added, deleted); a second call with the same settings returns (0, 0).
    """
    wanted = {r.value: r for r in desired_rules(settings)}
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
