"""Command-line sign-in tokens: ``seva users signin`` writes one, ``seva tickets`` reads it.

A token is 256 random bits in a file only its owner can read; Redis keeps its SHA-256
with the user's name and generation, expiring after ``SEVA_CLI_TOKEN_TTL_S``. A disable,
a role change or a password reset (a new generation) makes every token of the user void.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
from pathlib import Path

from bot.errors import IdentityError
from bot.users.model import User
from bot.users.store import UserStore


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable by its owner only (created so, never widened)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def _digest(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


async def issue(users: UserStore, user: User, path: Path) -> None:
    """Store a new token for ``user`` and write it to ``path`` (mode 0600)."""
    token = secrets.token_urlsafe(32)
    record = json.dumps({"user": user.name, "generation": user.generation})
    ttl_ms = int(users.settings.cli_token_ttl_s * 1000)
    await users.redis.set(users.keys.cli_token(_digest(token)), record, px=ttl_ms)
    await asyncio.to_thread(_write_private, path, token + "\n")
    await users.audit.record(user.name, "token.issue", user.name, path=str(path))


async def resolve(users: UserStore, path: Path) -> User:
    """The user a token file signs in, or ``IdentityError``."""
    try:
        token = (await asyncio.to_thread(path.read_text, encoding="utf-8")).strip()
    except OSError as err:
        raise IdentityError(f"cannot read the token file {path}: {err.strerror}") from None
    raw = await users.redis.get(users.keys.cli_token(_digest(token))) if token else None
    if raw is None:
        raise IdentityError(f"the token in {path} is unknown or expired; seva users signin NAME")
    record = json.loads(raw)
    user = await users.get(record["user"])
    if user is None or user.generation != record["generation"]:
        raise IdentityError(f"the token in {path} was revoked; seva users signin NAME")
    return user
