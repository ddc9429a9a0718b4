"""What a post means for this desk: whether it addresses the account and may be answered.

X's 2026 rule for self-serve accounts: a programmatic reply is allowed only to a post that
@mentions or quotes the account ("summoned"). A hashtag-only post is still a grievance, so
it is escalated to an officer who answers by hand; ``SEVA_X_REPLY_RESTRICTION=false`` turns
the rule off for Enterprise accounts.
"""

from __future__ import annotations

from dataclasses import replace

from bot.x.models import Post


def for_account(
    post: Post,
    *,
    handle: str,
    quoted_authors: dict[str, str] | None = None,
    account_id: str | None = None,
    reply_restriction: bool = True,
) -> Post:
    """Return ``post`` with ``mentions_account``, ``quotes_account`` and ``reply_allowed`` set.

    ``quoted_authors`` maps quoted post ids to their author ids, when the caller has them.
    """
    mentions = handle.lstrip("@").lower() in post.mentions
    quoted = {pid for kind, pid in post.referenced if kind == "quoted"}
    quotes = bool(account_id) and any(
        (quoted_authors or {}).get(pid) == account_id for pid in quoted
    )
    allowed = mentions or quotes or not reply_restriction
    return replace(post, mentions_account=mentions, quotes_account=quotes, reply_allowed=allowed)


def is_own(post: Post, account_id: str | None, handle: str) -> bool:
    """Whether the desk itself wrote the post (its replies must never become tickets)."""
    if account_id and post.author_id == account_id:
        return True
    own = handle.lstrip("@").lower()
    return post.author_handle is not None and post.author_handle.lower() == own
