"""The emulator's world, in memory: users, posts, stream rules and the open stream."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.x.emulator import text as textlib
from bot.x.emulator.ids import SnowflakeIds


def iso(unix_s: float) -> str:
    """Return a time the way X writes it: UTC, milliseconds, ``Z``."""
    stamp = datetime.fromtimestamp(unix_s, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


class WorldError(Exception):
    """A control or API request names something that does not exist or already exists."""


@dataclass
class User:
    """An account on the emulated X."""

    id: str
    username: str
    name: str
    user_token: str
    created_at: float

    def public(self) -> dict[str, Any]:
        """Return the control API's view (includes the token)."""
        return {
            "id": self.id,
            "username": self.username,
            "name": self.name,
            "user_token": self.user_token,
        }


@dataclass
class Post:
    """A post as X stores it, with everything X derives from it."""

    id: str
    text: str
    author_id: str
    created_at: float
    conversation_id: str
    lang: str
    entities: dict[str, list[dict[str, Any]]]
    in_reply_to_user_id: str | None = None
    referenced: list[tuple[str, str]] = field(default_factory=list)  # (type, id)
    edit_history_tweet_ids: list[str] = field(default_factory=list)

    def ref(self, kind: str) -> str | None:
        """Return the id this post references as ``kind`` (replied_to/quoted/retweeted)."""
        return next((i for k, i in self.referenced if k == kind), None)

    def mentioned(self) -> set[str]:
        """Return the lower-case handles this post @mentions."""
        return {m["username"].lower() for m in self.entities.get("mentions", [])}

    def created_iso(self) -> str:
        """Return ``created_at`` the way X writes it."""
        return iso(self.created_at)

    def full(self, world: World) -> dict[str, Any]:
        """Return every field (the control API's view of a post)."""
        author = world.users[self.author_id]
        data: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "author_id": self.author_id,
            "username": author.username,
            "created_at": self.created_iso(),
            "conversation_id": self.conversation_id,
            "lang": self.lang,
            "entities": self.entities,
            "edit_history_tweet_ids": list(self.edit_history_tweet_ids),
        }
        if self.in_reply_to_user_id:
            data["in_reply_to_user_id"] = self.in_reply_to_user_id
        if self.referenced:
            data["referenced_tweets"] = [{"type": k, "id": i} for k, i in self.referenced]
        return data


@dataclass
class Rule:
    """A filtered-stream rule; ``matcher`` is the parsed query."""

    id: str
    value: str
    tag: str | None
    matcher: Any


class World:
    """Everything the emulator remembers; a restart forgets it (ids still never repeat)."""

    def __init__(self, ids: SnowflakeIds, now: Any) -> None:
        self.ids = ids
        self._now = now
        self.users: dict[str, User] = {}
        self.by_name: dict[str, User] = {}
        self.by_token: dict[str, User] = {}
        self.posts: dict[str, Post] = {}
        self.rules: dict[str, Rule] = {}
        # Queues of the open filtered-stream connections (X allows one per app).
        self.listeners: set[asyncio.Queue[Any]] = set()

    def clear(self) -> None:
        """Forget posts, rules and users (the caller re-adds the ministry)."""
        self.users.clear()
        self.by_name.clear()
        self.by_token.clear()
        self.posts.clear()
        self.rules.clear()

    # --- users ---------------------------------------------------------------------------

    def add_user(self, username: str, name: str | None = None, token: str | None = None) -> User:
        """Create an account; handles are unique regardless of case."""
        if not textlib.mentions("@" + username) or len(username) > 15:  # noqa: PLR2004 - X's cap
            raise WorldError(f"invalid username: {username!r}")
        textlib.check_encodable(name or "", "name")
        if username.lower() in self.by_name:
            raise WorldError(f"username taken: {username}")
        user = User(
            id=self.ids.next_id(),
            username=username,
            name=name or username,
            user_token=token or f"user-{secrets.token_urlsafe(18)}",
            created_at=self._now(),
        )
        self.users[user.id] = user
        self.by_name[username.lower()] = user
        self.by_token[user.user_token] = user
        return user

    def find_user(self, ref: str) -> User:
        """Find a user by id or by handle (with or without ``@``)."""
        if ref in self.users:
            return self.users[ref]
        user = self.by_name.get(ref.lstrip("@").lower())
        if user is None:
            raise WorldError(f"no such user: {ref}")
        return user

    # --- posts ---------------------------------------------------------------------------

    def get_post(self, post_id: str) -> Post:
        """Return a post or raise ``WorldError``."""
        post = self.posts.get(str(post_id))
        if post is None:
            raise WorldError(f"no such post: {post_id}")
        return post

    def create_post(
        self,
        author: User,
        text: str,
        *,
        in_reply_to: str | None = None,
        quote_of: str | None = None,
        retweet_of: str | None = None,
        lang: str | None = None,
    ) -> Post:
        """Store a post, derive what X derives from it, and hand it to open streams.

        Text with a lone surrogate raises ``TextError`` (a ``ValueError``) before anything
        is stored: X refuses it, and no reader could ever write it out.
        """
        textlib.check_encodable(text)
        post_id = self.ids.next_id()
        referenced: list[tuple[str, str]] = []
        conversation_id = post_id
        reply_user: str | None = None
        if retweet_of:
            original = self.get_post(retweet_of)
            # X's retweet text is the original prefixed with "RT @author: ".
            text = f"RT @{self.users[original.author_id].username}: {original.text}"
            referenced.append(("retweeted", original.id))
            lang = lang or original.lang
        if in_reply_to:
            parent = self.get_post(in_reply_to)
            referenced.append(("replied_to", parent.id))
            conversation_id = parent.conversation_id
            reply_user = parent.author_id
        if quote_of:
            referenced.append(("quoted", self.get_post(quote_of).id))
        text = textlib.normalise(text)
        post = Post(
            id=post_id,
            text=text,
            author_id=author.id,
            created_at=self._now(),
            conversation_id=conversation_id,
            lang=lang or textlib.detect_lang(text),
            entities=self._entities(text),
            in_reply_to_user_id=reply_user,
            referenced=referenced,
            edit_history_tweet_ids=[post_id],
        )
        self.posts[post_id] = post
        for queue in list(self.listeners):
            queue.put_nowait(post)
        return post

    def delete_post(self, post_id: str) -> None:
        """Forget a post."""
        self.posts.pop(post_id, None)

    def _entities(self, text: str) -> dict[str, list[dict[str, Any]]]:
        """Derive X's ``entities``; mentions of known accounts carry their id."""
        mentions = textlib.mentions(text)
        for mention in mentions:
            user = self.by_name.get(mention["username"].lower())
            if user is not None:
                mention["id"] = user.id
        candidates = {
            "mentions": mentions,
            "hashtags": textlib.hashtags(text),
            "urls": textlib.urls(text),
        }
        return {key: items for key, items in candidates.items() if items}

    def newest_first(self) -> list[Post]:
        """Return every post, newest first (ids grow with time)."""
        return sorted(self.posts.values(), key=lambda p: int(p.id), reverse=True)

    def mentions_of(self, user: User) -> list[Post]:
        """Return the user's mentions timeline, newest first.

        X counts a post as a mention when it @mentions the user, and also when it replies to
        one of the user's posts (X puts the replied-to handle in front of a reply's text).
        """
        name = user.username.lower()
        return [
            p
            for p in self.newest_first()
            if name in p.mentioned()
            or (p.in_reply_to_user_id == user.id and p.author_id != user.id)
        ]
