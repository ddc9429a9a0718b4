"""Timeline paging as X does it: newest first, since_id/until_id, opaque page tokens."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from bot.x.emulator import problems
from bot.x.emulator.params import ParameterError, time_param, x_minutes
from bot.x.emulator.render import Fields, includes, post_json
from bot.x.emulator.state import Post, World

_ID = re.compile(r"^[0-9]{1,19}$")
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = _B36[r] + out
    return out or "0"


def make_token(oldest_id: str) -> str:
    """Return an opaque next-page token that resumes below ``oldest_id``."""
    body = _base36(int(oldest_id))
    check = hashlib.blake2s(body.encode(), digest_size=4).hexdigest()
    return f"{body}{check}"


def read_token(token: str) -> int | None:
    """Return the id a token resumes below, or None if the token is not one of ours."""
    body, check = token[:-8], token[-8:]
    if not body or hashlib.blake2s(body.encode(), digest_size=4).hexdigest() != check:
        return None
    try:
        return int(body, 36)
    except ValueError:
        return None


@dataclass(frozen=True)
class PageSpec:
    """Bounds of ``max_results`` and the name of the page-token parameter."""

    low: int
    high: int
    default: int
    token_params: tuple[str, ...] = ("pagination_token",)
    # How far back ``start_time`` may reach (recent search: seven days); None: no bound.
    reach_s: float | None = None
    # Recent search takes at most one of start_time/since_id and of end_time/until_id.
    times_exclude_ids: bool = False


def _id_param(query: dict[str, str], name: str, host: str) -> int | None:
    raw = query.get(name)
    if raw is None:
        return None
    if not _ID.match(raw):
        raise ParameterError(
            problems.bad_parameter(
                host,
                name,
                raw,
                f"The `{name}` query parameter value [{raw}] does not match ^[0-9]{{1,19}}$",
            )
        )
    return int(raw)


def _max_results(query: dict[str, str], spec: PageSpec, host: str) -> int:
    raw = query.get("max_results")
    if raw is None:
        return spec.default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if not spec.low <= value <= spec.high:
        raise ParameterError(
            problems.bad_parameter(
                host,
                "max_results",
                raw,
                f"The `max_results` query parameter value [{raw}] is not between "
                f"{spec.low} and {spec.high}",
            )
        )
    return value


def _bad_time(host: str, name: str, raw: str, why: str) -> ParameterError:
    message = f"Invalid '{name}':'{raw}'. {why}"
    return ParameterError(problems.bad_parameter(host, name, raw, message))


def _times(
    query: dict[str, str], spec: PageSpec, host: str, now: float
) -> tuple[float | None, float | None]:
    """Return ``start_time`` (inclusive) and ``end_time`` (exclusive), checked as X does."""
    start = time_param(query, "start_time", host)
    end = time_param(query, "end_time", host)
    if spec.times_exclude_ids:
        for time_name, id_name in (("start_time", "since_id"), ("end_time", "until_id")):
            if time_name in query and id_name in query:
                message = f"At most one of `{time_name}`, `{id_name}` may be provided."
                raise ParameterError(problems.invalid_request(host, [{"message": message}]))
    if start is not None and spec.reach_s is not None and start < now - spec.reach_s:
        why = f"'start_time' must be on or after {x_minutes(now - spec.reach_s)}"
        raise _bad_time(host, "start_time", query["start_time"], why)
    if start is not None and end is not None and start >= end:
        why = "'start_time' must be earlier than 'end_time'"
        raise _bad_time(host, "start_time", query["start_time"], why)
    return start, end


def page(
    posts: list[Post],
    query: dict[str, str],
    spec: PageSpec,
    world: World,
    host: str,
    *,
    now: float,
) -> tuple[dict[str, Any], int]:
    """Return one page body (and the number of posts in it) from ``posts``, newest first."""
    fields = Fields.for_posts(query)
    size = _max_results(query, spec, host)
    since = _id_param(query, "since_id", host)
    until = _id_param(query, "until_id", host)
    start, end = _times(query, spec, host, now)
    below: int | None = None
    for name in spec.token_params:
        if (raw := query.get(name)) is not None:
            below = read_token(raw)
            if below is None:
                raise ParameterError(
                    problems.bad_parameter(
                        host, name, raw, f"The `{name}` query parameter value [{raw}] is not valid"
                    )
                )
    chosen = [
        p
        for p in posts
        if (since is None or int(p.id) > since)
        and (until is None or int(p.id) < until)
        and (below is None or int(p.id) < below)
        and (start is None or p.created_at >= start)
        and (end is None or p.created_at < end)
    ]
    shown, rest = chosen[:size], chosen[size:]
    if not shown:
        return {"meta": {"result_count": 0}}, 0
    meta: dict[str, Any] = {
        "result_count": len(shown),
        "newest_id": shown[0].id,
        "oldest_id": shown[-1].id,
    }
    if rest:
        meta["next_token"] = make_token(shown[-1].id)
    body: dict[str, Any] = {"data": [post_json(p, fields, world) for p in shown]}
    extra = includes(shown, fields, world)
    if extra:
        body["includes"] = extra
    body["meta"] = meta
    return body, len(shown)
