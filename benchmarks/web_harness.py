"""What the browser-desk benchmarks share: a private redis-server, the web role built by the
composition root in this process, a signed-in HTTP client, and the timing figures."""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp

from bot.lifecycle import Runner, freeze_heap
from bot.net import free_port
from bot.settings import Settings, load_settings
from bot.web.role import WebRole

CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
PASSWORD = "correct horse battery"


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def csrf(page: str) -> str:
    """The CSRF token in a page."""
    found = CSRF.search(page)
    if found is None:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


async def timed(rounds: int, call: Callable[[], Awaitable[None]]) -> list[float]:
    """``rounds`` calls' times in ms, after one warm-up call that is not counted."""
    await call()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        await call()
        times.append((time.perf_counter() - start) * 1000)
    return times


@contextlib.contextmanager
def private_redis(prefix: str) -> Iterator[int]:
    """A redis-server of the benchmark's own, without persistence; yields its port."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    port = free_port()
    proc = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(work)], stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def web_settings(port: int) -> Settings:
    """The web role alone on that Redis, with fast password hashing."""
    return load_settings(
        roles="web", redis_url=f"redis://127.0.0.1:{port}/0",
        key_prefix=f"b{secrets.token_hex(3)}", web_port=0, log_level="warning",
        argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1,
        x_base_url="http://127.0.0.1:9",
    )  # fmt: skip


@contextlib.asynccontextmanager
async def serving(runner: Runner) -> AsyncIterator[tuple[str, WebRole]]:
    """Run the roles (the heap frozen first, as ``seva run`` does); yield the base URL."""
    freeze_heap()
    task = asyncio.create_task(runner.run())
    web = next(r for r in runner.roles if isinstance(r, WebRole))
    while not web.port:
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{web.port}", web
    finally:
        runner.stop.set()
        await asyncio.wait_for(task, 30)


@contextlib.asynccontextmanager
async def signed_in(base: str, name: str) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client signed in as ``name`` (password ``PASSWORD``, no TOTP)."""
    async with aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"Origin": base}
    ) as http:
        token = csrf(await (await http.get(f"{base}/signin")).text())
        form: dict[str, Any] = {"_csrf": token, "name": name, "password": PASSWORD, "code": ""}
        async with http.post(f"{base}/signin", data=form) as r:
            assert r.status == 200, r.status
        yield http


def getter(http: aiohttp.ClientSession, base: str) -> Callable[[str], Awaitable[None]]:
    """A GET that must answer 200, its body read."""

    async def get(path: str) -> None:
        async with http.get(base + path) as r:
            assert r.status == 200, (path, r.status)
            await r.read()

    return get
