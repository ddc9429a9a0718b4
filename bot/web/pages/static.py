"""``/static/{name}``: the vendored htmx and our stylesheet, served by us (no CDN)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
FILES = {p.name: p for p in STATIC_DIR.iterdir() if p.suffix in TYPES}


async def serve(request: web.Request) -> web.StreamResponse:
    """One file from ``bot/web/static`` (only the ones listed at start)."""
    path = FILES.get(request.match_info["name"])
    if path is None:
        raise web.HTTPNotFound
    return web.Response(
        body=path.read_bytes(),
        content_type=TYPES[path.suffix],
        headers={"Cache-Control": "public, max-age=3600"},
    )
