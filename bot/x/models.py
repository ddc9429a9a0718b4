"""Types that cross the X port. The rest of Seva never sees tweepy or raw JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class Source(StrEnum):
    """Where ingest found a post."""

    STREAM = "stream"
    MENTIONS = "mentions"
    SEARCH = "search"


@dataclass(frozen=True)
class Post:
    """One post, normalised. Built by the adapter; the ingest role decides what to keep."""

    id: str
    author_id: str
    author_handle: str | None
    text: str
    lang: str | None
    created_at: datetime | None
    conversation_id: str | None
    in_reply_to_user_id: str | None = None
    # (type, id) pairs: ("replied_to", "123"), ("quoted", "456"), ("retweeted", "789")
    referenced: tuple[tuple[str, str], ...] = ()
    mentions: tuple[str, ...] = ()  # lower-case handles, without "@"
    hashtags: tuple[str, ...] = ()  # lower-case, without "#"
    source: Source = Source.STREAM
    matching_rules: tuple[str, ...] = ()  # rule tags, stream only
    quoted_authors: tuple[str, ...] = ()  # who wrote the posts this one quotes (includes)
    # Filled by ingest against the configured account:
    mentions_account: bool = False
    quotes_account: bool = False
    reply_allowed: bool = True
    reply_as: str | None = None  # a department handle the citizen summoned, which replies

    @property
    def is_retweet(self) -> bool:
        """Whether this is a retweet (never answered, never queued)."""
        return any(kind == "retweeted" for kind, _ in self.referenced)

    @property
    def in_reply_to_id(self) -> str | None:
        """The id of the post this one replies to, if any."""
        return next((i for kind, i in self.referenced if kind == "replied_to"), None)

    def to_fields(self) -> dict[str, Any]:
        """Serialise for a Redis stream entry (JSON-friendly)."""
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat() if self.created_at else None
        data["source"] = self.source.value
        return data

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> Post:
        """Rebuild from ``to_fields`` output."""
        data = dict(data)
        created = data.get("created_at")
        data["created_at"] = datetime.fromisoformat(created) if created else None
        data["source"] = Source(data.get("source", "stream"))
        for key in ("referenced",):
            data[key] = tuple(tuple(x) for x in data.get(key) or ())
        for key in ("mentions", "hashtags", "matching_rules", "quoted_authors"):
            data[key] = tuple(data.get(key) or ())
        return cls(**data)


@dataclass(frozen=True)
class Page:
    """One page of posts plus X's ``meta`` cursor fields."""

    posts: list[Post]
    newest_id: str | None = None
    oldest_id: str | None = None
    next_token: str | None = None
    result_count: int = 0


@dataclass(frozen=True)
class PostedReply:
    """What X answered to a created post."""

    id: str
    text: str
    edit_history_tweet_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StreamRule:
    """A filtered-stream rule."""

    value: str
    tag: str = ""
    id: str | None = None


class StreamEvents(Protocol):
    """Callbacks the stream delivers to (ingest implements them)."""

    async def on_post(self, post: Post) -> None:
        """A post matched the rules."""
        ...

    async def on_connect(self) -> None:
        """X accepted the connection (HTTP 200): the stream is up."""
        ...

    async def on_disconnect(self, reason: str) -> None:
        """The connection ended (ingest then backfills)."""
        ...


class XClient(Protocol):
    """The daemon's only door to X. Every method raises ``bot.errors.XError`` subclasses."""

    async def me(self) -> tuple[str, str]:
        """Return the authenticated account's (id, username)."""
        ...

    async def mentions(
        self,
        user_id: str,
        *,
        since_id: str | None = None,
        pagination_token: str | None = None,
        max_results: int = 100,
    ) -> Page:
        """Return one page of the account's mentions, newest first."""
        ...

    async def search_recent(
        self,
        query: str,
        *,
        since_id: str | None = None,
        next_token: str | None = None,
        max_results: int = 100,
    ) -> Page:
        """Return one page of recent search results, newest first."""
        ...

    async def own_posts(
        self, *, since_id: str | None = None, pagination_token: str | None = None
    ) -> Page:
        """One page (up to 100) of the account's own posts, newest first (costs a read)."""
        ...

    async def get_posts(self, ids: list[str]) -> list[Post]:
        """Look posts up by id (for reconciliation); missing ids are simply absent."""
        ...

    async def create_reply(self, text: str, in_reply_to: str | None) -> PostedReply:
        """Create a post, as a reply when ``in_reply_to`` is given."""
        ...

    async def find_reply(self, in_reply_to: str, text: str) -> PostedReply | None:
        """Find the account's own reply to ``in_reply_to`` with exactly ``text``, if any.

        Used only to reconcile a reply interrupted mid-send, before any re-post. Reads the
        account's own recent posts (GET /2/users/:id/tweets), which costs a read.
        """
        ...

    async def get_rules(self) -> list[StreamRule]:
        """Return the filtered-stream rules."""
        ...

    async def add_rules(
        self, rules: list[StreamRule], *, dry_run: bool = False
    ) -> list[StreamRule]:
        """Add rules; return them with ids."""
        ...

    async def delete_rules(self, ids: list[str], *, dry_run: bool = False) -> None:
        """Delete rules by id."""
        ...

    async def stream(self, events: StreamEvents, stop: Any) -> None:
        """Hold the filtered stream until ``stop`` (an asyncio.Event) is set.

        Reconnects with the adapter's own backoff; calls ``events.on_disconnect`` after
        every drop so the caller can backfill.
        """
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
