"""Sign-in: password, then TOTP or a recovery code, throttled per account and per address.

``signin_max_failures`` wrong answers in a row lock the account for ``signin_lockout_s``
(even the right password is refused meanwhile); ``signin_max_failures_per_address``
failures from one address within ``signin_address_window_s`` refuse that address for the
rest of the window. Every attempt goes to the audit log: ``signin.success``,
``signin.failure`` (with the reason), ``signin.lockout`` and ``signin.refused``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.users.model import TOTP_REQUIRED, User
from bot.users.store import UserStore

WRONG = "Wrong name, password or code."


@dataclass(frozen=True)
class SignInResult:
    """What happened: the user on success, else a message for the form."""

    user: User | None
    message: str = ""
    method: str = ""


class SignIn:
    """Checks credentials against the user store, with throttling and auditing."""

    def __init__(self, users: UserStore) -> None:
        self.users = users
        self.settings = users.settings
        self.redis = users.redis
        self.keys = users.keys
        self.audit = users.audit

    async def attempt(self, name: str, password: str, code: str, address: str) -> SignInResult:
        """One sign-in attempt from ``address``."""
        name = name.strip().lower()
        refused = await self._refused(name, address)
        if refused:
            return SignInResult(None, refused)
        user = await self.users.get(name)
        if not await self.users.passwords.verify(user.password_hash if user else None, password):
            reason = "wrong password" if user else "unknown user"
            return await self._fail(name, address, reason)
        assert user is not None  # verify() is false without a user
        if why := await self._not_allowed(user, address):
            return SignInResult(None, why)
        method = await self._second_factor(user, code) if user.has_totp else "password"
        if not method:
            return await self._fail(name, address, "wrong code")
        if method == "none":
            return SignInResult(None, "Enter the code from your authenticator app.")
        await self.redis.delete(self.keys.signin_failures(name))
        await self.users.rehash_if_needed(user, password)
        left = await self.users.recovery_codes_left(name) if method.endswith("recovery") else None
        await self.audit.record(
            name, "signin.success", name, address=address, method=method, recovery_left=left
        )
        return SignInResult(user, method=method)

    async def _refused(self, name: str, address: str) -> str:
        """Why the attempt is refused before any password is checked ("" if it is not)."""
        if await self._address_blocked(address):
            await self.audit.record(name, "signin.refused", name, address=address, reason="address")
            return "Too many failed sign-ins from your address; try later."
        locked_for = await self.redis.pttl(self.keys.signin_lock(name))
        if locked_for > 0:
            await self.audit.record(name, "signin.refused", name, address=address, reason="locked")
            minutes = max(1, round(locked_for / 60_000))
            return f"This account is locked; try again in {minutes} min."
        return ""

    async def _not_allowed(self, user: User, address: str) -> str:
        """Why a user with the right password may still not sign in ("" if they may)."""
        if user.disabled:
            await self.audit.record(
                user.name, "signin.failure", user.name, address=address, reason="disabled"
            )
            return "This account is disabled."
        if user.role in TOTP_REQUIRED and not user.has_totp:
            await self.audit.record(
                user.name, "signin.failure", user.name, address=address, reason="no totp"
            )
            return (
                f"An {user.role.value} must use a TOTP code, and none is enrolled for this "
                "account. Ask an admin: seva users totp enrol NAME."
            )
        return ""

    async def _second_factor(self, user: User, code: str) -> str:
        """The method that passed, "none" when no code was given, "" when it was wrong."""
        if not code.strip():
            return "none"
        if await self.users.check_totp(user, code):
            return "password+totp"
        if await self.users.use_recovery_code(user, code):
            return "password+recovery"
        return ""

    async def _address_blocked(self, address: str) -> bool:
        count = await self.redis.get(self.keys.signin_address(address))
        return int(count or 0) >= self.settings.signin_max_failures_per_address

    async def _fail(self, name: str, address: str, reason: str) -> SignInResult:
        lockout_ms = int(self.settings.signin_lockout_s * 1000)
        window_ms = int(self.settings.signin_address_window_s * 1000)
        fail_key = self.keys.signin_failures(name)
        addr_key = self.keys.signin_address(address)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(fail_key)
            pipe.pexpire(fail_key, lockout_ms)
            pipe.incr(addr_key)
            pipe.pexpire(addr_key, window_ms, nx=True)
            failures, *_ = await pipe.execute()
        await self.audit.record(
            name, "signin.failure", name, address=address, reason=reason, failures=int(failures)
        )
        if int(failures) >= self.settings.signin_max_failures:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(self.keys.signin_lock(name), "1", px=lockout_ms)
                pipe.delete(fail_key)
                await pipe.execute()
            await self.audit.record(
                name,
                "signin.lockout",
                name,
                address=address,
                failures=int(failures),
                lockout_s=self.settings.signin_lockout_s,
            )
            return SignInResult(None, "Too many wrong attempts: this account is now locked.")
        return SignInResult(None, WRONG)
