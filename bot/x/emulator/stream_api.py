"""GET /2/tweets/search/stream and GET/POST /2/tweets/search/stream/rules."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from aiohttp import web

from bot.x.emulator import problems, rules
from bot.x.emulator.faults import STREAM_FAULTS
from bot.x.emulator.render import FieldError, Fields, includes, post_json
from bot.x.emulator.respond import dumps, json_response, rate_headers
from bot.x.emulator.runtime import RUNTIME, Runtime, StreamConnection
from bot.x.emulator.state import Post, Rule, iso
from bot.x.emulator.users_api import field_error

log = logging.getLogger(__name__)
WAKE = "wake"  # queued by the control API when a stream fault is armed
LINE_END = b"\r\n"


def _item(post: Post, matched: list[Rule], fields: Fields, runtime: Runtime) -> bytes:
    body: dict[str, Any] = {"data": post_json(post, fields, runtime.world)}
    extra = includes([post], fields, runtime.world)
    if extra:
        body["includes"] = extra
    # tweepy reads rule["tag"] unconditionally: X always sends it, "" when there is none.
    body["matching_rules"] = [{"id": r.id, "tag": r.tag or ""} for r in matched]
    return dumps(body).encode() + LINE_END


async def _serve(
    conn: StreamConnection, response: web.StreamResponse, runtime: Runtime, fields: Fields
) -> str:
    """Write matching posts and keep-alives until a fault or the client ends it."""
    host = runtime.config.problem_host
    while True:
        fault = runtime.faults.take("stream", STREAM_FAULTS)
        if fault is not None:
            return fault.kind
        try:
            item = await asyncio.wait_for(conn.queue.get(), timeout=runtime.config.keepalive_s)
        except TimeoutError:
            await response.write(LINE_END)  # X's keep-alive: a bare CRLF
            continue
        if item == "drop_stream":
            return "drop_stream"
        if not isinstance(item, Post):
            continue
        line = _line_or_none(item, runtime, fields)
        if line is None:
            continue
        if runtime.read_cap.exhausted(runtime.config.monthly_read_cap):
            await response.write(
                dumps({"errors": [problems.usage_capped(host)]}).encode() + LINE_END
            )
            return "usage_capped"
        await response.write(line)
        runtime.read_cap.spend(1)
        runtime.bill.reads("stream", 1)


def _line_or_none(post: Post, runtime: Runtime, fields: Fields) -> bytes | None:
    """Return the stream line for ``post``, or None if no rule matches or it cannot be written.

    One post the emulator cannot render is skipped (and logged), never the end of the stream.
    """
    try:
        world = runtime.world
        matched = [r for r in world.rules.values() if r.matcher.matches(post, world)]
        return _item(post, matched, fields, runtime) if matched else None
    except Exception:
        log.exception("stream: skipped post %s that could not be written", post.id)
        return None


async def stream(request: web.Request) -> web.StreamResponse:
    """Hold the app's one filtered-stream connection."""
    runtime = request.app[RUNTIME]
    host = runtime.config.problem_host
    try:
        fields = Fields.for_posts(dict(request.query))
    except FieldError as err:
        return field_error(host, err)
    if runtime.stream is not None and not runtime.stream.gone():
        return json_response(problems.too_many_connections(host), 429)
    conn = StreamConnection(request)
    runtime.stream = conn
    runtime.world.listeners.add(conn.queue)
    response = web.StreamResponse(status=200, headers=rate_headers(request))
    response.content_type = "application/json"
    response.charset = "utf-8"
    try:
        await response.prepare(request)
        reason = await _serve(conn, response, runtime, fields)
        if reason == "operational_disconnect":
            await response.write(dumps(problems.operational_disconnect(host)).encode() + LINE_END)
        elif reason == "drop_stream" and request.transport is not None:
            # A dropped connection ends mid-stream, without the final empty chunk.
            request.transport.abort()
            return response
        with contextlib.suppress(ConnectionError):
            await response.write_eof()
    except ConnectionError:
        pass  # the client went away
    finally:
        runtime.world.listeners.discard(conn.queue)
        if runtime.stream is conn:
            runtime.stream = None
    return response


def _rule_json(rule: Rule) -> dict[str, str]:
    data = {"id": rule.id, "value": rule.value}
    if rule.tag:
        data["tag"] = rule.tag
    return data


async def get_rules(request: web.Request) -> web.Response:
    """List the stream rules (optionally only ``ids``)."""
    runtime = request.app[RUNTIME]
    wanted = [i for i in request.query.get("ids", "").split(",") if i]
    found = [r for r in runtime.world.rules.values() if not wanted or r.id in wanted]
    meta = {"sent": iso(runtime.clock.time()), "result_count": len(found)}
    if not found:
        return json_response({"meta": meta})
    return json_response({"data": [_rule_json(r) for r in found], "meta": meta})


def _add(runtime: Runtime, items: list[Any], dry_run: bool) -> dict[str, Any]:
    host = runtime.config.problem_host
    world = runtime.world
    created: list[Rule] = []
    errors: list[dict[str, Any]] = []
    for item in items:
        value = str(item.get("value", "")) if isinstance(item, dict) else ""
        tag = item.get("tag") if isinstance(item, dict) else None
        existing = next((r for r in [*world.rules.values(), *created] if r.value == value), None)
        if existing is not None:
            errors.append(problems.duplicate_rule(host, value, existing.id))
            continue
        try:
            matcher = rules.parse(value)
        except rules.RuleSyntaxError as err:
            errors.append(problems.invalid_rule(host, value, err.details))
            continue
        created.append(Rule(id=world.ids.next_id(), value=value, tag=tag, matcher=matcher))
    if not dry_run:
        for rule in created:
            world.rules[rule.id] = rule
    body: dict[str, Any] = {}
    if created:
        body["data"] = [_rule_json(r) for r in created]
    if errors:
        body["errors"] = errors
    summary = {
        "created": len(created),
        "not_created": len(errors),
        "valid": len(created),
        "invalid": len(errors),
    }
    body["meta"] = {"sent": iso(runtime.clock.time()), "summary": summary}
    return body


def _delete(runtime: Runtime, spec: dict[str, Any], dry_run: bool) -> dict[str, Any]:
    host = runtime.config.problem_host
    world = runtime.world
    ids = [str(i) for i in spec.get("ids") or []]
    values = [str(v) for v in spec.get("values") or []]
    targets = [r for r in world.rules.values() if r.id in ids or r.value in values]
    hit = {r.id for r in targets} | {r.value for r in targets}
    missing = [x for x in ids + values if x not in hit]
    if not dry_run:
        for rule in targets:
            del world.rules[rule.id]
    body: dict[str, Any] = {
        "meta": {
            "sent": iso(runtime.clock.time()),
            "summary": {"deleted": len(targets), "not_deleted": len(missing)},
        }
    }
    if missing:
        body["errors"] = [
            problems.invalid_request(host, [{"parameters": {}, "message": "Rule does not exist"}])
            | {"value": m}
            for m in missing
        ]
    return body


async def post_rules(request: web.Request) -> web.Response:
    """Add or delete stream rules; ``dry_run=true`` validates without changing anything."""
    runtime = request.app[RUNTIME]
    host = runtime.config.problem_host
    dry_run = request.query.get("dry_run", "false").lower() == "true"
    try:
        body = json.loads(await request.text() or "null")
    except ValueError:
        body = None
    if not isinstance(body, dict) or ("add" in body) == ("delete" in body):
        message = "Request body must hold exactly one of `add` or `delete`."
        return json_response(problems.invalid_request(host, [{"message": message}]), 400)
    if "add" in body:
        items = body["add"]
        if not isinstance(items, list) or not items:
            message = "`add` must be a non-empty array of {value, tag}."
            return json_response(problems.invalid_request(host, [{"message": message}]), 400)
        return json_response(_add(runtime, items, dry_run))
    spec = body["delete"]
    if not isinstance(spec, dict) or not (spec.get("ids") or spec.get("values")):
        message = "`delete` must hold `ids` or `values`."
        return json_response(problems.invalid_request(host, [{"message": message}]), 400)
    return json_response(_delete(runtime, spec, dry_run))
