"""X's v2 JSON into Seva's ``Post``, ``Page`` and ``PostedReply`` (and nothing else)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from bot import logs
from bot.errors import PayloadError
from bot.x.models import Page, Post, PostedReply, Source, StreamRule

log = logs.get(__name__)
# What a malformed payload raises while being read; each becomes a ``PayloadError``.
_MALFORMED = (KeyError, TypeError, ValueError, AttributeError)

# The fields every read asks for, so a Post is complete whichever door it came through.
TWEET_FIELDS = (
    "created_at",
    "author_id",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "lang",
    "entities",
)
# referenced_tweets.id: the quoted post comes in ``includes.tweets`` with its author, so a
# quote of the ministry's own post counts as summoning it (X's reply rule).
EXPANSIONS = ("author_id", "referenced_tweets.id")
USER_FIELDS = ("username",)

# Only for posts that arrive without ``entities`` (X always sends them when asked; a
# hand-written fixture may not). Handles are 1-15 word characters, not after a word or @.
_MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")
_HASHTAG = re.compile(r"(?<![\w#&])#(\w+)")
# X's v2 escapes exactly these three in post text; nothing else is an entity to undo.
_ENTITY = re.compile(r"&(amp|lt|gt);")
_UNESCAPED = {"amp": "&", "lt": "<", "gt": ">"}
_POST_ID = re.compile(r"^[0-9]{1,19}$")


def unescape(text: str) -> str:
    """Undo X's escaping of ``&``, ``<`` and ``>`` (one pass: ``&amp;lt;`` stays ``&lt;``)."""
    return _ENTITY.sub(lambda m: _UNESCAPED[m.group(1)], text)


def authors_by_post(includes: Mapping[str, Any] | None) -> dict[str, str]:
    """Map post id to author id from a response's ``includes.tweets`` (odd entries ignored)."""
    tweets = includes.get("tweets") if isinstance(includes, Mapping) else None
    if not isinstance(tweets, list):
        return {}
    return {
        str(t["id"]): str(t["author_id"])
        for t in tweets
        if isinstance(t, Mapping) and "id" in t and "author_id" in t
    }


def users_by_id(includes: Mapping[str, Any] | None) -> dict[str, str]:
    """Map user id to handle from a response's ``includes.users`` (odd entries are ignored)."""
    users = includes.get("users") if isinstance(includes, Mapping) else None
    if not isinstance(users, list):
        return {}
    return {
        str(u["id"]): str(u["username"])
        for u in users
        if isinstance(u, Mapping) and "id" in u and "username" in u
    }


def post(
    data: Mapping[str, Any],
    users: Mapping[str, str],
    source: Source,
    matching_rules: Iterable[str] = (),
    authors: Mapping[str, str] | None = None,
) -> Post:
    """Build a ``Post`` from one ``data`` item and what ``includes`` says of it.

    ``users`` gives the handles, ``authors`` (``authors_by_post``) the quoted posts' authors.
    Raises ``PayloadError`` when the item lacks an id or a field has the wrong kind.
    """
    try:
        return _post(data, users, source, matching_rules, authors or {})
    except _MALFORMED as err:
        raise PayloadError(f"malformed post: {type(err).__name__}: {err}") from err


def _post(
    data: Mapping[str, Any],
    users: Mapping[str, str],
    source: Source,
    matching_rules: Iterable[str],
    authors: Mapping[str, str],
) -> Post:
    if not isinstance(data.get("id"), str | int) or not _POST_ID.match(str(data["id"])):
        raise ValueError(f"post id {data.get('id')!r} is not a post id")
    lang = data.get("lang")
    if lang is not None and not isinstance(lang, str):
        raise TypeError("lang is not a string")
    text = data.get("text", "")
    if not isinstance(text, str):
        raise TypeError("text is not a string")
    text = unescape(text)
    entities = data.get("entities")
    if entities is None:
        mentions = tuple(m.lower() for m in _MENTION.findall(text))
        hashtags = tuple(h.lower() for h in _HASHTAG.findall(text))
    else:
        mentions = tuple(str(m["username"]).lower() for m in entities.get("mentions") or ())
        hashtags = tuple(str(h["tag"]).lower() for h in entities.get("hashtags") or ())
    author_id = str(data.get("author_id", ""))
    created = data.get("created_at")
    referenced = tuple((str(r["type"]), str(r["id"])) for r in data.get("referenced_tweets") or ())
    quoted = [authors[i] for kind, i in referenced if kind == "quoted" and i in authors]
    return Post(
        id=str(data["id"]),
        author_id=author_id,
        author_handle=users.get(author_id),
        text=text,
        lang=lang,
        created_at=datetime.fromisoformat(created) if created else None,
        conversation_id=_opt_str(data.get("conversation_id")),
        in_reply_to_user_id=_opt_str(data.get("in_reply_to_user_id")),
        referenced=referenced,
        mentions=_unique(mentions),
        hashtags=_unique(hashtags),
        source=source,
        matching_rules=tuple(matching_rules),
        quoted_authors=_unique(tuple(quoted)),
    )


def page(body: Mapping[str, Any], source: Source) -> Page:
    """Build a ``Page`` from a list response; an empty page has ``meta`` and no ``data``."""
    users = users_by_id(body.get("includes"))
    authors = authors_by_post(body.get("includes"))
    meta = body.get("meta") or {}
    if not isinstance(meta, Mapping):
        raise PayloadError("page meta is not an object")
    items = body.get("data") or []  # an empty page, or only ``errors``, has no data
    if not isinstance(items, list):
        raise PayloadError("page data is not a list")
    posts = []
    for item in items:
        try:
            posts.append(post(item, users, source, authors=authors))
        except PayloadError as err:  # one garbled post must not lose the page
            log.warning("x.parse.skipped_post", error=str(err))
    try:
        return _page(meta, posts)
    except _MALFORMED as err:
        raise PayloadError(f"malformed page meta: {err}") from err


def _page(meta: Mapping[str, Any], posts: list[Post]) -> Page:
    return Page(
        posts=posts,
        newest_id=_opt_str(meta.get("newest_id")),
        oldest_id=_opt_str(meta.get("oldest_id")),
        next_token=_opt_str(meta.get("next_token")),
        result_count=int(meta.get("result_count", len(posts))),
    )


def posted_reply(body: Mapping[str, Any]) -> PostedReply:
    """Build a ``PostedReply`` from the 201 answer of ``POST /2/tweets`` (else PayloadError)."""
    try:
        data = body["data"]
        history = [str(i) for i in data.get("edit_history_tweet_ids") or ()]
        text = unescape(str(data["text"]))
        return PostedReply(id=str(data["id"]), text=text, edit_history_tweet_ids=history)
    except _MALFORMED as err:
        raise PayloadError(f"malformed POST /2/tweets answer: {err}") from err


def rules(body: Mapping[str, Any]) -> list[StreamRule]:
    """Build the rules of a rules response (absent ``data`` means no rules)."""
    try:
        return [
            StreamRule(value=str(r["value"]), tag=str(r.get("tag") or ""), id=_opt_str(r.get("id")))
            for r in body.get("data") or ()
        ]
    except _MALFORMED as err:
        raise PayloadError(f"malformed rules answer: {err}") from err


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    """Drop repeats, keeping first-seen order (a handle may be mentioned twice)."""
    return tuple(dict.fromkeys(items))
