"""The demo's people: one user per role, with fresh passwords, printed for loopback use only."""

from __future__ import annotations

import secrets

from bot.clock import SystemClock
from bot.keys import Keys
from bot.settings import load_settings
from bot.store import Redis
from bot.users.store import UserStore

# name, role, departments, display name. Admins and heads must use TOTP (issue: sign-in).
DEMO_USERS: tuple[tuple[str, str, list[str], str], ...] = (
    ("meera", "officer", ["dgft"], "Meera (DGFT officer)"),
    ("ravi", "head", ["dgft"], "Ravi (DGFT head)"),
    ("anita", "admin", [], "Anita (social-media cell)"),
    ("mo_office", "viewer", [], "Minister's office"),
)


async def create_demo_users(redis: Redis, redis_url: str, prefix: str) -> list[str]:
    """Create the demo users under this run's prefix; return the lines to print."""
    settings = load_settings(redis_url=redis_url, key_prefix=prefix)
    store = UserStore(redis, Keys(prefix), SystemClock(), settings)
    lines = []
    for name, role, depts, display in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        await store.add(name, role, depts, password, display, actor="seva demo")
        line = f"  {role:<8} {name:<10} password {password}"
        if depts:
            line += f"  (departments: {', '.join(depts)})"
        if role in {"admin", "head"}:
            secret, _ = await store.enrol_totp(name, actor="seva demo")
            line += f"\n           TOTP secret {secret} (current code: .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{secret}').now())\")"  # noqa: E501
        lines.append(line)
    return lines
