"""POST /2/tweets, DELETE /2/tweets/:id, GET /2/tweets(/:id), GET /2/tweets/search/recent."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.weighted import MAX_WEIGHTED, weighted_length
from bot.x.emulator import problems, rules
from bot.x.emulator.auth import principal
from bot.x.emulator.paging import PageSpec
from bot.x.emulator.render import FieldError, Fields, includes, post_json
from bot.x.emulator.respond import count_read, json_response
from bot.x.emulator.runtime import RUNTIME, Runtime
from bot.x.emulator.state import Post, User
from bot.x.emulator.text import TextError, check_encodable, escape, normalise
from bot.x.emulator.users_api import field_error, paged_response

SEARCH_DAYS = 7  # recent search reaches back seven days
SEARCH = PageSpec(
    low=10,
    high=100,
    default=10,
    token_params=("next_token", "pagination_token"),
    reach_s=SEARCH_DAYS * 86_400.0,
    times_exclude_ids=True,
)
CREATE_KEYS = frozenset(
    {
        "card_uri", "community_id", "direct_message_deep_link", "edit_options",
        "for_super_followers_only", "geo", "made_with_ai", "media", "nullcast",
        "paid_partnership", "poll", "quote_tweet_id", "reply", "reply_settings",
        "share_with_followers", "text",
    }
)  # fmt: skip
NOT_VISIBLE = "You attempted to reply to a Tweet that is deleted or not visible to you."
MAX_LOOKUP_IDS = 100


def _invalid(host: str, message: str, field: str = "body") -> web.Response:
    return json_response(
        problems.invalid_request(host, [{"parameters": {field: []}, "message": message}]), 400
    )


async def _read_body(request: web.Request, host: str) -> dict[str, Any] | web.Response:
    try:
        body = json.loads(await request.text() or "null")
    except ValueError:
        return _invalid(host, "Request body is not valid JSON.")
    if not isinstance(body, dict):
        return _invalid(host, "Request body must be a JSON object.")
    return body


def summoned(parent: Post, replier: User, runtime: Runtime) -> bool:
    """Whether ``parent``'s author summoned ``replier``: mentioned it or quoted its post.

    X's February-2026 rule for self-serve apps; a reply in one's own thread is always fine.
    """
    if parent.author_id == replier.id or replier.username.lower() in parent.mentioned():
        return True
    quoted = parent.ref("quoted")
    return quoted is not None and (
        (q := runtime.world.posts.get(quoted)) is not None and q.author_id == replier.id
    )


def _is_duplicate(runtime: Runtime, author: User, text: str) -> bool:
    since = runtime.clock.time() - runtime.config.duplicate_window_s
    return any(
        p.author_id == author.id and p.text == text and p.created_at >= since
        for p in runtime.world.posts.values()
    )


def _text_problem(host: str, text: str) -> web.Response | None:
    """Refuse unencodable or empty text and text over 280 weighted characters."""
    try:
        check_encodable(text)
    except TextError:
        return _invalid(host, "Text must be valid Unicode (it holds a lone surrogate).", "text")
    length = weighted_length(text)
    if length == 0:
        return _invalid(host, "Text must not be empty.", "text")
    if length > MAX_WEIGHTED:
        return _invalid(host, problems.TOO_LONG_MESSAGE, "text")
    return None


def _refusal(
    runtime: Runtime, user: User, text: str, reply_to: str | None, quote: str | None
) -> web.Response | None:
    """Return X's answer if the post may not be created, else None."""
    host = runtime.config.problem_host
    bad_text = _text_problem(host, text)
    if bad_text is not None:
        return bad_text
    if quote is not None and quote not in runtime.world.posts:
        return _invalid(host, f"The quoted Tweet [{quote}] does not exist.", "quote_tweet_id")
    if reply_to is not None:
        parent = runtime.world.posts.get(reply_to)
        if parent is None:
            return json_response(problems.blank(403, "Forbidden", NOT_VISIBLE), 403)
        if runtime.config.reply_restriction and not summoned(parent, user, runtime):
            detail = problems.REPLY_NOT_ALLOWED_DETAIL
            return json_response(problems.blank(403, "Forbidden", detail), 403)
    if _is_duplicate(runtime, user, text):
        return json_response(problems.blank(403, "Forbidden", problems.DUPLICATE_DETAIL), 403)
    return None


async def create(request: web.Request) -> web.Response:
    """Create a post (optionally a reply or a quote) for the authenticated user."""
    runtime = request.app[RUNTIME]
    host = runtime.config.problem_host
    user = principal(request).user
    assert user is not None  # the gate lets only user context through
    body = await _read_body(request, host)
    if isinstance(body, web.Response):
        return body
    unknown = sorted(set(body) - CREATE_KEYS)
    if unknown:
        return _invalid(host, f"[{unknown[0]}] is not a valid field.", unknown[0])
    text = normalise(str(body.get("text", "")))
    reply = body.get("reply") or {}
    reply_to = str(reply["in_reply_to_tweet_id"]) if reply.get("in_reply_to_tweet_id") else None
    quote = str(body["quote_tweet_id"]) if body.get("quote_tweet_id") else None
    refused = _refusal(runtime, user, text, reply_to, quote)
    if refused is not None:
        return refused
    post = runtime.world.create_post(user, text, in_reply_to=reply_to, quote_of=quote)
    parent = runtime.world.posts.get(reply_to) if reply_to else None
    # A reply in one's own thread was summoned by nobody: it is billed as a plain post.
    runtime.bill.post(
        post.entities,
        summoned_reply=parent is not None
        and parent.author_id != user.id
        and summoned(parent, user, runtime),
    )
    data = {"id": post.id, "text": escape(post.text), "edit_history_tweet_ids": [post.id]}
    return json_response({"data": data}, 201)


async def delete(request: web.Request) -> web.Response:
    """Delete one of the authenticated user's posts."""
    runtime = request.app[RUNTIME]
    user = principal(request).user
    post = runtime.world.posts.get(request.match_info["id"])
    if post is None:
        return json_response({"data": {"deleted": False}})
    if user is None or post.author_id != user.id:
        detail = "You are not authorized to delete this Tweet."
        return json_response(problems.blank(403, "Forbidden", detail), 403)
    runtime.world.delete_post(post.id)
    return json_response({"data": {"deleted": True}})


def _lookup_body(
    runtime: Runtime, ids: list[str], fields: Fields, parameter: str
) -> tuple[dict[str, Any], list[Post]]:
    host = runtime.config.problem_host
    found = [runtime.world.posts[i] for i in ids if i in runtime.world.posts]
    missing = [i for i in ids if i not in runtime.world.posts]
    body: dict[str, Any] = {}
    if found:
        body["data"] = [post_json(p, fields, runtime.world) for p in found]
        extra = includes(found, fields, runtime.world)
        if extra:
            body["includes"] = extra
    if missing:
        body["errors"] = [problems.not_found(host, "tweet", i, parameter) for i in missing]
    return body, found


async def lookup_many(request: web.Request) -> web.Response:
    """Look posts up by ``ids`` (1-100); unknown ids come back in ``errors`` with a 200."""
    runtime = request.app[RUNTIME]
    host = runtime.config.problem_host
    raw = request.query.get("ids", "")
    ids = [i for i in raw.split(",") if i]
    if not ids or len(ids) > MAX_LOOKUP_IDS or not all(i.isdigit() for i in ids):
        message = f"The `ids` query parameter value [{raw}] is not valid (1-100 post ids)."
        return json_response(problems.bad_parameter(host, "ids", raw, message), 400)
    try:
        fields = Fields.for_posts(dict(request.query))
    except FieldError as err:
        return field_error(host, err)
    body, found = _lookup_body(runtime, ids, fields, "ids")
    count_read(request, len(found))
    return json_response(body)


async def lookup_one(request: web.Request) -> web.Response:
    """Look one post up; an unknown id comes back in ``errors`` with a 200."""
    runtime = request.app[RUNTIME]
    try:
        fields = Fields.for_posts(dict(request.query))
    except FieldError as err:
        return field_error(runtime.config.problem_host, err)
    body, found = _lookup_body(runtime, [request.match_info["id"]], fields, "id")
    if found:
        body["data"] = body["data"][0]
    count_read(request, len(found))
    return json_response(body)


async def search_recent(request: web.Request) -> web.Response:
    """Search the last seven days with X's query language, newest first."""
    runtime = request.app[RUNTIME]
    host = runtime.config.problem_host
    query = request.query.get("query", "")
    if not query.strip():
        message = "The `query` query parameter can not be empty"
        return json_response(problems.bad_parameter(host, "query", query, message), 400)
    try:
        parsed = rules.parse(query)
    except rules.RuleSyntaxError as err:
        message = "There were errors processing your request: " + " ".join(err.details)
        return json_response(problems.bad_parameter(host, "query", query, message), 400)
    oldest = runtime.clock.time() - SEARCH_DAYS * 86_400
    world = runtime.world
    posts = [p for p in world.newest_first() if p.created_at >= oldest and parsed.matches(p, world)]
    return paged_response(request, posts, SEARCH)
