"""What a post means for this desk: whether it addresses the account and may be answered.

X's 2026 rule for self-serve accounts: a programmatic reply is allowed only to a post that
@mentions or quotes the account ("summoned"). A hashtag-only post is still a grievance, so
it is escalated to an officer who answers by hand; ``SEVA_X_REPLY_RESTRICTION=false`` turns
the rule off for Enterprise accounts. A post that summons only a department's handle
(``departments.yml: handles``) may be answered by that handle when the desk holds its user
token (``reply_as``); without one it goes to an officer, as a hashtag-only post does.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from bot.x.models import Post


def for_account(
    post: Post,
    *,
    handle: str,
    quoted_authors: dict[str, str] | None = None,
    account_id: str | None = None,
    reply_restriction: bool = True,
    reply_handles: Collection[str] = (),
) -> Post:
    """Return ``post`` with ``mentions_account``, ``quotes_account``, ``reply_allowed`` set.

    ``quoted_authors`` maps quoted post ids to their author ids; without it, the authors X
    sent with the post (``Post.quoted_authors``) decide.
    ``reply_handles`` are the department handles (lower case) the desk can post as: a post
    that mentions one and not the account is answered from it (``reply_as``).
    """
    mentions = handle.lstrip("@").lower() in post.mentions
    quoted = {pid for kind, pid in post.referenced if kind == "quoted"}
    if quoted_authors is None:
        quotes = bool(account_id) and account_id in post.quoted_authors
    else:
        quotes = bool(account_id) and any(quoted_authors.get(p) == account_id for p in quoted)
    allowed = mentions or quotes or not reply_restriction
    reply_as = None
    if not allowed:
        reply_as = next((m for m in post.mentions if m in reply_handles), None)
        allowed = reply_as is not None
    return replace(
        post,
        mentions_account=mentions,
        quotes_account=quotes,
        reply_allowed=allowed,
        reply_as=reply_as,
    )


def is_own(
    post: Post, account_id: str | None, handle: str, dept_handles: Collection[str] = ()
) -> bool:
    """Whether the desk (or a department's handle) wrote the post: never a ticket."""
    if account_id and post.author_id == account_id:
        return True
    own = {handle.lstrip("@").lower(), *dept_handles}
    return post.author_handle is not None and post.author_handle.lower() in own
