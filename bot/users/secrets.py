"""Password hashes (Argon2id), TOTP codes and single-use recovery codes.

Argon2 runs in a worker thread: one hash takes tens of milliseconds, which would stall
every other request on the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets

import pyotp
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from bot.settings import Settings

TOTP_ISSUER = "Seva desk"
TOTP_WINDOW = 1  # accept the previous and next 30 s step as well (clock drift)
RECOVERY_CODES = 10
TOTP_DIGITS = 6


class Passwords:
    """Hash and verify passwords with the configured Argon2id parameters."""

    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            type=Type.ID,
        )
        # Verified when the account does not exist, so both answers take as long; made on
        # first need, so a command that never signs anyone in never pays for it.
        self._dummy = ""

    async def hash(self, password: str) -> str:
        """An Argon2id hash of ``password``."""
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches (``None``: no such user; still costs a hash)."""
        if not password_hash and not self._dummy:
            self._dummy = await self.hash(secrets.token_urlsafe(16))
        try:
            return await asyncio.to_thread(
                self._hasher.verify, password_hash or self._dummy, password
            ) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with other parameters than the settings'."""
        return self._hasher.check_needs_rehash(password_hash)


def new_totp_secret() -> str:
    """A fresh base32 TOTP secret."""
    return pyotp.random_base32()


def totp_uri(secret: str, name: str) -> str:
    """The otpauth:// URI an authenticator app scans."""
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=TOTP_ISSUER)


def totp_step(secret: str, code: str, now: float) -> int | None:
    """The time step ``code`` is valid for (within the window), or ``None``."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == TOTP_DIGITS):
        return None
    totp = pyotp.TOTP(secret)
    step = int(now // totp.interval)
    for offset in range(-TOTP_WINDOW, TOTP_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step + offset), code):
            return step + offset
    return None


def new_recovery_codes() -> list[str]:
    """Ten random codes such as ``3f9a1-c07d2`` (40 bits each)."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def recovery_digest(code: str) -> str:
    """What is stored for a recovery code (the codes are random, so SHA-256 suffices)."""
    canonical = code.strip().lower().replace("-", "").replace(" ", "")
    return hashlib.sha256(canonical.encode()).hexdigest()
