"""The ``web`` role: serves the application until stop, then closes the listener."""

from __future__ import annotations

import structlog
from aiohttp import web

from bot.lifecycle import RoleContext
from bot.web.app import create_app

log = structlog.get_logger("web")


class WebRole:
    """Serves HTTP on ``settings.web_host:web_port``."""

    name = "web"

    def __init__(self) -> None:
        self.port: int | None = None
        self.app: web.Application | None = None  # while it runs (the benchmark reads its hub)

    async def run(self, ctx: RoleContext) -> None:
        """Serve until ``ctx.stop``; stop accepting, then close connections."""
        app = self.app = create_app(ctx.settings, ctx.redis, ctx.keys, ctx.clock)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, ctx.settings.web_host, ctx.settings.web_port)
        await site.start()
        server = site._server  # noqa: SLF001 (aiohttp exposes the bound port only here)
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else ctx.settings.web_port
        ctx.health["port"] = self.port
        log.info("web listening", host=ctx.settings.web_host, port=self.port)
        try:
            await ctx.stop.wait()
        finally:
            await runner.cleanup()
