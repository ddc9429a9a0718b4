"""With Redis down, every page is a clear 503 "service unavailable", and nothing else.

The Redis client reconnects on its next command, so the first request after Redis is
back is served normally: the desk recovers by itself, nobody restarts it.
"""

from __future__ import annotations

import aiohttp_jinja2
import structlog
from aiohttp import web

from bot.store import REDIS_DOWN
from bot.web.routes import Handler

log = structlog.get_logger("web")
RETRY_AFTER_S = 5


@web.middleware
async def unavailable_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer 503 with the "service unavailable" page when Redis cannot be reached."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except REDIS_DOWN as exc:
        log.warning("redis unreachable; answering 503", path=request.path, error=str(exc))
        response = aiohttp_jinja2.render_template(
            "unavailable.html", request, {"user": None, "csrf": "", "notice": ""}, status=503
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response
