"""The middleware every X request passes: count, authenticate, inject faults, rate-limit.

Every response it lets out, success or error, carries ``x-rate-limit-limit``,
``x-rate-limit-remaining`` and ``x-rate-limit-reset`` (UNIX seconds), as X's do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from bot.x.emulator import problems
from bot.x.emulator.auth import APP_ONLY, PRINCIPAL, USER_CONTEXT, AuthKind, Principal, identify
from bot.x.emulator.faults import RESPONSE_FAULTS, Fault
from bot.x.emulator.params import unknown_parameter
from bot.x.emulator.ratelimit import Verdict
from bot.x.emulator.respond import POSTS_READ, RATE_HEADERS, json_response
from bot.x.emulator.runtime import RUNTIME, Runtime

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
READ_ENDPOINTS = frozenset({"mentions", "search", "lookup", "stream", "timeline", "users"})


@dataclass(frozen=True)
class Endpoint:
    """What the gate needs to know about a route."""

    name: str
    auth: AuthKind
    params: frozenset[str] = frozenset()  # the query parameters X takes here


ENDPOINT = web.AppKey("endpoints", dict[tuple[str, str], Endpoint])


def _limit(runtime: Runtime, name: str, who: Principal | None) -> int:
    limits = runtime.config.limits.get(name)
    if limits is None:
        return 50  # DELETE /2/tweets: X's documented 50 per 15 minutes
    if who is None:
        return limits.app or limits.user
    chosen = limits.app if who.user is None else limits.user
    # A token type the endpoint refuses still sees the endpoint's limit in the headers.
    return chosen or max(limits.app, limits.user)


def _window(runtime: Runtime, name: str, who: Principal | None, *, spend: bool) -> Verdict:
    key = ("ep", name, who.identity if who else "anonymous")
    limit = _limit(runtime, name, who)
    window_s = runtime.config.window_s
    if spend:
        return runtime.limiter.spend(key, limit, window_s)
    return runtime.limiter.peek(key, limit, window_s)


def _post_windows(runtime: Runtime, who: Principal) -> list[tuple[tuple[str, ...], int, float]]:
    cfg = runtime.config
    return [
        (("post3h", who.identity), cfg.post_3h_limit, cfg.post_3h_window_s),
        (("post24h", "app"), cfg.post_24h_app_limit, cfg.post_24h_window_s),
    ]


def _fault_response(runtime: Runtime, fault: Fault) -> web.Response:
    host = runtime.config.problem_host
    kind = fault.kind
    if kind == "429":
        return json_response(problems.rate_limited(), 429)
    if kind == "usage_capped":
        return json_response(problems.usage_capped(host), 429)
    if kind == "503":
        return json_response(problems.service_unavailable(), 503)
    if kind == "503html":
        return web.Response(
            text=problems.SERVICE_UNAVAILABLE_HTML,
            status=503,
            content_type="text/html",
            charset="utf-8",
        )
    if kind == "402":
        return json_response(problems.credits_depleted(host), 402)
    return json_response(problems.unauthorized(), 401)


def _auth_problem(runtime: Runtime, endpoint: Endpoint, who: Principal) -> web.Response | None:
    host = runtime.config.problem_host
    if endpoint.auth == "user" and who.user is None:
        return json_response(problems.unsupported_authentication(host, APP_ONLY, USER_CONTEXT), 403)
    if endpoint.auth == "app" and who.user is not None:
        used = "OAuth 2.0 User Context"
        return json_response(problems.unsupported_authentication(host, used, APP_ONLY), 403)
    return None


async def _guarded(
    request: web.Request, handler: Handler, runtime: Runtime, endpoint: Endpoint
) -> tuple[web.StreamResponse, dict[str, str]]:
    """Run the request through every check; return the response and its rate headers."""
    who = identify(request, runtime)
    if who is None:
        verdict = _window(runtime, endpoint.name, None, spend=False)
        return json_response(problems.unauthorized(), 401), verdict.headers()
    request[PRINCIPAL] = who
    refused = _auth_problem(runtime, endpoint, who)
    if refused is not None:
        return refused, _window(runtime, endpoint.name, who, spend=False).headers()

    fault = runtime.faults.take(endpoint.name, RESPONSE_FAULTS)
    if fault is not None:
        verdict = _window(runtime, endpoint.name, who, spend=True)
        if fault.kind == "429":
            verdict = Verdict(allowed=False, limit=verdict.limit, remaining=0, reset=verdict.reset)
        return _fault_response(runtime, fault), verdict.headers()
    slow = runtime.faults.take(endpoint.name, ("slow",))
    if slow is not None:
        await asyncio.sleep(slow.delay_s)

    verdict = _window(runtime, endpoint.name, who, spend=True)
    headers = verdict.headers()
    if endpoint.name == "post_tweets" and verdict.allowed:
        verdict, headers = _spend_post_windows(runtime, who, verdict)
    refused = _late_refusal(request, runtime, endpoint, verdict)
    if refused is not None:
        return refused, headers
    request[RATE_HEADERS] = headers
    delay = runtime.faults.take(endpoint.name, ("delay",))
    response = await handler(request)
    runtime.read_cap.spend(request.get(POSTS_READ, 0))
    runtime.bill.reads(endpoint.name, request.get(POSTS_READ, 0))
    if delay is not None:
        # The work is done (a post is created); only the answer is late.
        await asyncio.sleep(delay.delay_s)
    return response, headers


def _late_refusal(
    request: web.Request, runtime: Runtime, endpoint: Endpoint, verdict: Verdict
) -> web.Response | None:
    """Refuse a counted request: rate window spent, read cap reached, or unknown parameters."""
    host = runtime.config.problem_host
    if not verdict.allowed:
        return json_response(problems.rate_limited(), 429)
    if endpoint.name in READ_ENDPOINTS and runtime.read_cap.exhausted(
        runtime.config.monthly_read_cap
    ):
        return json_response(problems.usage_capped(host), 429)
    unknown = sorted(set(request.query) - endpoint.params)
    if unknown:
        return json_response(unknown_parameter(host, unknown, endpoint.params).body, 400)
    return None


def _spend_post_windows(
    runtime: Runtime, who: Principal, verdict: Verdict
) -> tuple[Verdict, dict[str, str]]:
    """Apply POST /2/tweets' 3-hour (user) and 24-hour (app) ceilings on top of 15 minutes."""
    windows = _post_windows(runtime, who)
    states = [runtime.limiter.peek(key, limit, span) for key, limit, span in windows]
    day = states[1]
    blocked = [s for s in states if not s.allowed]
    if blocked:
        # X keeps x-rate-limit-* for the 15-minute window; the 24-hour one has headers of its
        # own. Here the refusal also says, in x-rate-limit-reset, when the blocking window ends.
        reset = max(s.reset for s in blocked)
        verdict = Verdict(allowed=False, limit=verdict.limit, remaining=0, reset=reset)
    else:
        day = [runtime.limiter.spend(k, lim, span) for k, lim, span in windows][1]
    return verdict, {**verdict.headers(), **day.headers("x-app-limit-24hour")}


@web.middleware
async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Check and count an X API request; leave control and unknown routes alone."""
    runtime = request.app[RUNTIME]
    route = request.match_info.route
    canonical = route.resource.canonical if route.resource is not None else ""
    endpoint = request.app[ENDPOINT].get((request.method, canonical))
    if endpoint is None:
        return await handler(request)
    runtime.api_calls[endpoint.name] += 1
    response, headers = await _guarded(request, handler, runtime, endpoint)
    if not response.prepared:
        response.headers.update(headers)
    return response
