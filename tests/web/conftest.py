"""The web role against the test's redis-server, users for each role, and a real browser.

``start_desk(**settings)`` runs the real web role (the lifecycle ``Runner`` with
``WebRole``, so heartbeats and ``/readyz`` are real) on a free port; ``desk`` is one with
the default test settings. ``browser`` is Debian's Chromium driven by Playwright, and
``page_as(role)`` gives a page signed in through the form as a fresh user of that role.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pyotp
import pytest
import redis.asyncio as aioredis

from bot.audit import AuditLog
from bot.clock import SystemClock
from bot.kb.source import FileKB, RedisKB, StaticKB
from bot.keys import Keys
from bot.lifecycle import Runner
from bot.settings import Settings, load_settings
from bot.store import connect
from bot.tickets.desk_index import DeskIndex
from bot.tickets.store import TicketStore
from bot.tickets.triage import TriageInbox
from bot.users.model import TOTP_REQUIRED, Role
from bot.users.store import UserStore
from bot.web.pages.live import HUB
from bot.web.role import WebRole
from bot.x.models import Post
from tests.conftest import ROOT, RedisServer
from tests.e2e.test_desk import Desk as Daemon
from tests.e2e.test_desk import running_desk

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in CI and on these machines
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="_csrf" value="([^"]+)"')
DEPTS = {Role.OFFICER: ["dgft"], Role.HEAD: ["dgft"], Role.ADMIN: [], Role.VIEWER: []}


_KB: list[StaticKB] = []  # the shipped KB, read once per test session


@dataclass
class Account:
    """A user the test created, with what it needs to sign in."""

    name: str
    role: Role
    password: str
    totp_secret: str = ""
    last_step: int = -1

    def code(self) -> str:
        """A TOTP code not used before (the desk refuses a replayed step)."""
        if not self.totp_secret:
            return ""
        totp = pyotp.TOTP(self.totp_secret)
        step = max(int(time.time() // 30), self.last_step + 1)
        self.last_step = step
        return totp.generate_otp(step)


@dataclass
class Desk:
    """A running web role and handles on its Redis."""

    settings: Settings
    base: str
    redis: aioredis.Redis
    users: UserStore
    audit: AuditLog
    role: WebRole | None = None
    accounts: dict[str, Account] = field(default_factory=dict)
    _count: int = 0

    @property
    def live_streams(self) -> int:
        """How many event streams the web role's hub feeds now."""
        assert self.role is not None
        assert self.role.app is not None
        return self.role.app[HUB].subscribers

    async def add_user(
        self,
        role: Role | str,
        *,
        name: str | None = None,
        display_name: str | None = None,
        totp: bool | None = None,
    ) -> Account:
        """A new user of ``role``; TOTP enrolled where the role requires it (or if asked)."""
        role = Role(role)
        self._count += 1
        name = name or f"{role.value}{self._count}"
        await self.users.add(name, role.value, DEPTS[role], PASSWORD, display_name, "test")
        account = Account(name, role, PASSWORD)
        if role in TOTP_REQUIRED if totp is None else totp:
            account.totp_secret, _ = await self.users.enrol_totp(name, "test")
        self.accounts[name] = account
        return account

    async def http_signin(self, account: Account) -> aiohttp.ClientSession:
        """An HTTP client (not a browser) signed in as ``account``."""
        http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"Origin": self.base}
        )
        page = await (await http.get(f"{self.base}/signin")).text()
        form = {
            "_csrf": csrf_of(page),
            "name": account.name,
            "password": account.password,
            "code": account.code(),
        }
        async with http.post(f"{self.base}/signin", data=form, allow_redirects=False) as r:
            assert 303 == r.status, await r.text()
        return http

    async def import_kb(self) -> None:
        """Make the shipped knowledge base the live one (as ``seva kb import`` does)."""
        kb = await FileKB(ROOT / "faq_kb", ROOT / "responses").load()
        live = RedisKB(self.redis, self.users.keys)
        await live.apply(await live.version(), kb, who="test", when="now", summary="test")

    async def rewrite(self, docket: str, **fields: str) -> None:
        """Write a ticket's fields past the workflow, then file it in the desk's index as the
        moves' scripts would (a test's shortcut to a state, a due time or a level)."""
        await self.redis.hset(self.users.keys.ticket(docket), mapping=fields)
        await DeskIndex(self.redis, self.users.keys).file(docket)

    def _citizen_post(self, text: str, handle: str, first_id: int) -> Post:
        """A new citizen's post (ids from ``first_id`` on, one per call)."""
        self._count += 1
        pid = str(first_id + self._count)
        return Post(
            id=pid, author_id="7", author_handle=handle, text=text, lang="en",
            created_at=datetime.now(UTC), conversation_id=pid, mentions_account=True,
        )  # fmt: skip

    async def add_triaged(self, text: str, dept: str = "dgft", handle: str = "citizen") -> str:
        """A citizen's post in the triage inbox, as the pipeline leaves it; its post id."""
        post = self._citizen_post(text, handle, 1_965_000_000_000_000_000)
        inbox = TriageInbox(self.redis, self.users.keys, SystemClock())
        await inbox.add(post, "no grievance, no confident answer: greet (0.40)", dept, {})
        return post.id

    async def park_publishes(self) -> str:
        """Hold the publish lease (so a route walk's POST /kb/publish starts no training)
        and leave a finished publish behind; return that job's id."""
        keys = self.users.keys
        await self.redis.set(keys.kb("publish", "lease"), "held-by-the-test", px=600_000)
        job = "parkedjob"
        await self.redis.hset(keys.kb("publish", job), mapping={
            "job": job, "by": "test", "state": "published", "started": "", "override": "",
        })  # fmt: skip
        end = {"stage": "end", "status": "published", "detail": "{}"}
        await self.redis.xadd(keys.kb("publish", job, "events"), end)  # type: ignore[arg-type]
        return job

    async def add_ticket(self, text: str, dept: str = "dgft", handle: str = "citizen") -> str:
        """A ticket in ``dept``'s queue from a citizen's post; returns its docket."""
        post = self._citizen_post(text, handle, 1_960_000_000_000_000_000)
        if not _KB:
            _KB.append(StaticKB(await FileKB(ROOT / "faq_kb", ROOT / "responses").load()))
        kb = _KB[0]
        store = TicketStore(self.redis, self.users.keys, SystemClock(), kb, self.settings)
        ticket = await store.create(post, dept, reason="complaint", reply_allowed=True, nlu={})
        return ticket.docket


def csrf_of(page: str) -> str:
    """The CSRF token in a rendered page."""
    match = CSRF_RE.search(page)
    assert match, page
    return match.group(1)


def desk_settings(redis_server: RedisServer, key_prefix: str, **overrides: Any) -> Settings:
    """Settings for a desk under test: fast Argon2, the web role only."""
    base: dict[str, Any] = {
        "redis_url": redis_server.url,
        "key_prefix": key_prefix,
        "roles": "web",
        "web_port": 0,
        "heartbeat_interval_s": 0.2,
        "x_base_url": "http://127.0.0.1:9",
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "argon2_parallelism": 1,
        "instance_id": "web-test",
    }
    return load_settings(**(base | overrides))


StartDesk = Callable[..., contextlib.AbstractAsyncContextManager[Desk]]


@pytest.fixture
def start_desk(redis_server: RedisServer, key_prefix: str) -> StartDesk:
    """Return ``start_desk(**settings)``: run the web role with those settings."""

    @contextlib.asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Desk]:
        settings = desk_settings(redis_server, key_prefix, **overrides)
        role = WebRole()
        clock = SystemClock()
        runner = Runner(
            settings=settings,
            redis=connect(settings.redis_url),
            keys=Keys(key_prefix),
            clock=clock,
            roles=[role],
        )
        task = asyncio.create_task(runner.run())
        client = aioredis.Redis.from_url(settings.redis_url, decode_responses=True)
        try:
            async with asyncio.timeout(10):
                while not role.port:
                    await asyncio.sleep(0.02)
            keys = Keys(key_prefix)
            yield Desk(
                settings=settings,
                base=f"http://127.0.0.1:{role.port}",
                redis=client,
                users=UserStore(client, keys, clock, settings),
                audit=AuditLog(client, keys, clock),
                role=role,
            )
        finally:
            runner.stop.set()
            await asyncio.wait_for(task, 15)
            await client.aclose()

    return start


@pytest.fixture
async def desk(start_desk: StartDesk) -> AsyncIterator[Desk]:
    """The web role with the default test settings."""
    async with start_desk() as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless Debian Chromium through Playwright (skips locally without it; fails in CI)."""
    if not shutil.which(CHROMIUM):
        reason = f"{CHROMIUM} is missing (make setup installs the chromium package as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@dataclass
class Watched:
    """A page and what the browser reported about it."""

    page: Any
    account: Account | None = None
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


async def open_page(browser: Any) -> Watched:
    """A new page in its own context, recording dialogs and console errors."""
    context = await browser.new_context()
    context.set_default_timeout(10_000)
    page = await context.new_page()
    watched = Watched(page)

    async def on_dialog(dialog: Any) -> None:
        watched.dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda m: m.type == "error" and watched.console_errors.append(m.text))
    return watched


async def fill_signin(page: Any, desk: Desk, account: Account, code: str | None = None) -> None:
    """Open the sign-in form and submit it."""
    await page.goto(f"{desk.base}/signin")
    await page.fill("#name", account.name)
    await page.fill("#password", account.password)
    await page.fill("#code", account.code() if code is None else code)
    await page.click("form.signin button[type=submit]")
    await page.wait_for_load_state()


PageAs = Callable[..., Awaitable[Watched]]


@pytest.fixture
def page_as(browser: Any, desk: Desk) -> PageAs:
    """Return ``page_as(role, **user)``: a browser page signed in as a new user of ``role``."""

    async def sign_in(role: Role | str, **user: Any) -> Watched:
        account = await desk.add_user(role, **user)
        watched = await open_page(browser)
        watched.account = account
        await fill_signin(watched.page, desk, account)
        return watched

    return sign_in


async def screenshot(page: Any, name: str) -> None:
    """Save the page as ``$SEVA_SCREENSHOTS/NAME.png`` when that is set (``make screenshots``).

    Documentation, not an assertion: the README shows these pictures of the desk.
    (Playwright makes the folder.)
    """
    folder = os.environ.get("SEVA_SCREENSHOTS")
    if folder:
        await page.screenshot(path=Path(folder) / f"{name}.png", full_page=True)


@contextlib.asynccontextmanager
async def web_and_outbox(
    redis_server: RedisServer, key_prefix: str
) -> AsyncIterator[tuple[Daemon, Desk]]:
    """The daemon with the web and outbox roles (no NLU: neither asks it), and desk handles."""
    no_nlu: Any = SimpleNamespace(url="http://127.0.0.1:9", token="unused")
    fast = {"argon2_time_cost": 1, "argon2_memory_kib": 1024, "argon2_parallelism": 1}
    async with running_desk(no_nlu, redis_server, key_prefix, "web,outbox", **fast) as daemon:
        async with asyncio.timeout(15):
            while not daemon.web.port:
                await asyncio.sleep(0.05)
        client = aioredis.Redis.from_url(daemon.settings.redis_url, decode_responses=True)
        clock = SystemClock()
        desk = Desk(
            settings=daemon.settings,
            base=f"http://127.0.0.1:{daemon.web.port}",
            redis=client,
            users=UserStore(client, daemon.keys, clock, daemon.settings),
            audit=AuditLog(client, daemon.keys, clock),
        )
        await desk.import_kb()
        try:
            yield daemon, desk
        finally:
            await client.aclose()


@pytest.fixture
async def daemon_desk(
    redis_server: RedisServer, key_prefix: str
) -> AsyncIterator[tuple[Daemon, Desk]]:
    """The web and outbox roles against the emulator."""
    async with web_and_outbox(redis_server, key_prefix) as running:
        yield running
