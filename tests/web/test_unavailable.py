"""Redis down: pages answer a clear 503 "service unavailable"; the desk recovers by itself."""

from __future__ import annotations

import pytest

from bot.net import free_port
from tests.conftest import RedisServer
from tests.web.conftest import StartDesk

pytestmark = pytest.mark.chaos


async def test_redis_down_gives_503_and_the_desk_recovers(tmp_path, start_desk: StartDesk) -> None:
    """Redis down: pages are 503 "Service unavailable"; Redis back: the same session works."""
    own = RedisServer(port=free_port(), dir=tmp_path)
    own.start()
    try:
        async with start_desk(redis_url=own.url) as desk:
            http = await desk.http_signin(await desk.add_user("officer"))
            async with http:
                async with http.get(f"{desk.base}/queue") as r:
                    assert 200 == r.status
                own.kill()
                for path in ("/queue", "/signin", "/readyz"):
                    async with http.get(f"{desk.base}{path}", allow_redirects=False) as r:
                        assert 503 == r.status, path
                        assert "Service unavailable" in await r.text()
                        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
                async with http.get(f"{desk.base}/healthz") as r:
                    assert 200 == r.status  # the process is alive; only Redis is not
                own.start()  # same port, same AOF: users and sessions are back
                async with http.get(f"{desk.base}/queue", allow_redirects=False) as r:
                    assert 200 == r.status
                    assert "Queue: dgft" in await r.text()
    finally:
        own.stop()
