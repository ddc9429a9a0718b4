"""Query-parameter fields and expansions, and posts/users rendered the way X renders them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.x.emulator.state import Post, User, World, iso
from bot.x.emulator.text import escape

TWEET_FIELDS = frozenset(
    {
        "article", "attachments", "author_id", "card_uri", "community_id",
        "context_annotations", "conversation_id", "created_at", "display_text_range",
        "edit_controls", "edit_history_tweet_ids", "entities", "geo", "id",
        "in_reply_to_user_id", "lang", "media_metadata", "non_public_metrics", "note_tweet",
        "organic_metrics", "possibly_sensitive", "promoted_metrics", "public_metrics",
        "referenced_tweets", "reply_settings", "scopes", "source", "text", "withheld",
    }
)  # fmt: skip
USER_FIELDS = frozenset(
    {
        "affiliation", "connection_status", "created_at", "description", "entities", "id",
        "is_identity_verified", "location", "most_recent_tweet_id", "name", "parody",
        "pinned_tweet_id", "profile_banner_url", "profile_image_url", "protected",
        "public_metrics", "receives_your_dm", "subscription", "subscription_type", "url",
        "username", "verified", "verified_followers_count", "verified_type", "withheld",
    }
)  # fmt: skip
EXPANSIONS = frozenset(
    {
        "article.cover_media", "article.media_entities", "attachments.media_keys",
        "attachments.media_source_tweet", "attachments.poll_ids", "author_id",
        "edit_history_tweet_ids", "entities.mentions.username", "geo.place_id",
        "in_reply_to_user_id", "entities.note.mentions.username", "referenced_tweets.id",
        "referenced_tweets.id.attachments.media_keys", "referenced_tweets.id.author_id",
    }
)  # fmt: skip
USER_EXPANSIONS = frozenset({"affiliation.user_id", "most_recent_tweet_id", "pinned_tweet_id"})


class FieldError(ValueError):
    """A ``*.fields`` or ``expansions`` value X does not know."""

    def __init__(self, parameter: str, bad: list[str], allowed: Iterable[str]) -> None:
        self.parameter = parameter
        self.value = ",".join(bad)
        self.message = (
            f"The `{parameter}` query parameter value [{bad[0]}] is not one of "
            f"[{','.join(sorted(allowed))}]"
        )
        super().__init__(self.message)


def _split(query: dict[str, str], name: str, allowed: frozenset[str]) -> frozenset[str]:
    if name == "tweet.fields" and "post.fields" in query:
        name = "post.fields"  # the spec's new name for the same parameter
    raw = query.get(name, "")
    values = [v for v in raw.split(",") if v]
    bad = [v for v in values if v not in allowed]
    if bad:
        raise FieldError(name, bad, allowed)
    return frozenset(values)


@dataclass(frozen=True)
class Fields:
    """What the client asked to see."""

    tweet: frozenset[str]
    user: frozenset[str]
    expansions: frozenset[str]

    @classmethod
    def for_posts(cls, query: dict[str, str]) -> Fields:
        """Parse ``tweet.fields``, ``user.fields`` and post ``expansions``."""
        return cls(
            tweet=_split(query, "tweet.fields", TWEET_FIELDS),
            user=_split(query, "user.fields", USER_FIELDS),
            expansions=_split(query, "expansions", EXPANSIONS),
        )

    @classmethod
    def for_users(cls, query: dict[str, str]) -> Fields:
        """Parse the parameters of a user endpoint (users/me)."""
        return cls(
            tweet=_split(query, "tweet.fields", TWEET_FIELDS),
            user=_split(query, "user.fields", USER_FIELDS),
            expansions=_split(query, "expansions", USER_EXPANSIONS),
        )


def _metrics(post: Post, world: World) -> dict[str, int]:
    counts = {"retweeted": 0, "replied_to": 0, "quoted": 0}
    for other in world.posts.values():
        for kind, ref in other.referenced:
            if ref == post.id:
                counts[kind] += 1
    return {
        "retweet_count": counts["retweeted"],
        "reply_count": counts["replied_to"],
        "like_count": 0,
        "quote_count": counts["quoted"],
        "bookmark_count": 0,
        "impression_count": 0,
    }


def post_json(post: Post, fields: Fields, world: World) -> dict[str, Any]:  # noqa: C901 - one line per field
    """Render a post: id, text and edit_history_tweet_ids always, the rest on request."""
    data: dict[str, Any] = {
        "id": post.id,
        "text": escape(post.text),  # X's v2 escapes &, < and > in every read
        "edit_history_tweet_ids": list(post.edit_history_tweet_ids),
    }
    want = fields.tweet
    if "author_id" in want:
        data["author_id"] = post.author_id
    if "created_at" in want:
        data["created_at"] = post.created_iso()
    if "conversation_id" in want:
        data["conversation_id"] = post.conversation_id
    if "in_reply_to_user_id" in want and post.in_reply_to_user_id:
        data["in_reply_to_user_id"] = post.in_reply_to_user_id
    if "referenced_tweets" in want and post.referenced:
        data["referenced_tweets"] = [{"type": k, "id": i} for k, i in post.referenced]
    if "lang" in want:
        data["lang"] = post.lang
    if "entities" in want and post.entities:
        data["entities"] = post.entities
    if "public_metrics" in want:
        data["public_metrics"] = _metrics(post, world)
    if "possibly_sensitive" in want:
        data["possibly_sensitive"] = False
    if "reply_settings" in want:
        data["reply_settings"] = "everyone"
    if "display_text_range" in want:
        data["display_text_range"] = [0, len(post.text)]
    if "edit_controls" in want:
        data["edit_controls"] = {
            "edits_remaining": 5,
            "is_edit_eligible": False,
            "editable_until": post.created_iso(),
        }
    return data


def user_json(user: User, fields: Fields, world: World) -> dict[str, Any]:
    """Render a user: id, name and username always, the rest on request."""
    data: dict[str, Any] = {"id": user.id, "name": user.name, "username": user.username}
    want = fields.user
    if "created_at" in want:
        data["created_at"] = iso(user.created_at)
    if "description" in want:
        data["description"] = ""
    if "protected" in want:
        data["protected"] = False
    if "verified" in want:
        data["verified"] = False
    if "public_metrics" in want:
        posts = sum(1 for p in world.posts.values() if p.author_id == user.id)
        data["public_metrics"] = {
            "followers_count": 0,
            "following_count": 0,
            "tweet_count": posts,
            "listed_count": 0,
            "like_count": 0,
        }
    return data


def _expanded_users(post: Post, exp: frozenset[str]) -> list[str]:
    """Return the user ids a post's expansions pull in (not counting referenced posts)."""
    found: list[str] = []
    if "author_id" in exp:
        found.append(post.author_id)
    if "in_reply_to_user_id" in exp and post.in_reply_to_user_id:
        found.append(post.in_reply_to_user_id)
    if "entities.mentions.username" in exp:
        found += [m["id"] for m in post.entities.get("mentions", []) if "id" in m]
    return found


def includes(posts: list[Post], fields: Fields, world: World) -> dict[str, Any]:
    """Return ``includes`` for the requested expansions (users and referenced posts)."""
    user_ids: list[str] = []
    post_ids: list[str] = []
    exp = fields.expansions
    for post in posts:
        user_ids += _expanded_users(post, exp)
        if exp & {"referenced_tweets.id", "referenced_tweets.id.author_id"}:
            refs = [ref for _, ref in post.referenced if ref in world.posts]
            post_ids += refs
            if "referenced_tweets.id.author_id" in exp:
                user_ids += [world.posts[ref].author_id for ref in refs]
    out: dict[str, Any] = {}
    seen_users = dict.fromkeys(u for u in user_ids if u in world.users)
    if seen_users:
        out["users"] = [user_json(world.users[u], fields, world) for u in seen_users]
    seen_posts = dict.fromkeys(post_ids)
    if seen_posts:
        out["tweets"] = [post_json(world.posts[p], fields, world) for p in seen_posts]
    return out
