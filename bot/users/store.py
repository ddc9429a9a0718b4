"""Users in Redis: one hash each, a set of names, recovery-code digests; every change audited.

Every change bumps the user's *generation* where it must end sessions (disable, role,
password, TOTP): a web session remembers the generation it signed in with and is refused
on its next request once they differ. Changes are validated first and written in one
MULTI/EXEC, so a refused or interrupted change leaves nothing half-saved.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.audit import AuditLog
from bot.clock import Clock
from bot.errors import UserError
from bot.keys import Keys
from bot.settings import Settings
from bot.store import Redis
from bot.users.model import (
    Role,
    User,
    check_depts,
    check_display_name,
    check_name,
    check_password,
    check_role,
)
from bot.users.secrets import (
    Passwords,
    new_recovery_codes,
    new_totp_secret,
    recovery_digest,
    totp_step,
    totp_uri,
)

# KEYS[1] user hash, KEYS[2] users set; ARGV: name, then field/value pairs.
_ADD = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('SADD', KEYS[2], ARGV[1])
return 1
"""
# KEYS[1] user hash; ARGV[1] step: accept a TOTP step only once, and only moving forward.
_TOTP_STEP = """
local last = tonumber(redis.call('HGET', KEYS[1], 'totp_last') or '-1')
if tonumber(ARGV[1]) <= last then return 0 end
redis.call('HSET', KEYS[1], 'totp_last', ARGV[1])
return 1
"""


class UserStore:
    """Create, read and change users; ``actor`` names who did it, for the audit log."""

    def __init__(self, redis: Redis, keys: Keys, clock: Clock, settings: Settings) -> None:
        self.redis = redis
        self.keys = keys
        self.clock = clock
        self.settings = settings
        self.passwords = Passwords(settings)
        self.audit = AuditLog(redis, keys, clock)
        self._add = redis.register_script(_ADD)
        self._totp_step = redis.register_script(_TOTP_STEP)

    async def get(self, name: str) -> User | None:
        """The user called ``name``, if any."""
        raw: Any = await self.redis.hgetall(self.keys.user(name))
        return User.from_hash(raw) if raw else None

    async def require(self, name: str) -> User:
        """The user called ``name``, or ``UserError``."""
        user = await self.get(name)
        if user is None:
            raise UserError(f"no user {name!r} (seva users list)")
        return user

    async def all(self) -> list[User]:
        """Every user, by name."""
        names = sorted(str(n) for n in await self.redis.smembers(self.keys.users))
        found = [await self.get(n) for n in names]
        return [u for u in found if u is not None]

    async def add(  # noqa: PLR0917 (the CLI's arguments, one for one)
        self,
        name: str,
        role: str,
        depts: list[str],
        password: str,
        display_name: str | None,
        actor: str,
    ) -> User:
        """Store a new user; refuse a taken name or any invalid field."""
        name = check_name(name)
        checked_role = check_role(role)
        user = User(
            name=name,
            display_name=check_display_name(display_name or name),
            role=checked_role,
            depts=check_depts(checked_role, depts),
            password_hash="",
            created_at=self.clock.time(),
        )
        check_password(password, self.settings.password_min_length)
        user = replace(user, password_hash=await self.passwords.hash(password))
        fields = [x for pair in user.to_hash().items() for x in pair]
        added = await self._add(keys=[self.keys.user(name), self.keys.users], args=[name, *fields])
        if not added:
            raise UserError(f"name: {name!r} is taken")
        await self.audit.record(actor, "user.add", name, after=user.public())
        return user

    async def _change(
        self, name: str, actor: str, what: str, *, end_sessions: bool, **changes: Any
    ) -> User:
        before = await self.require(name)
        after = replace(before, **changes)
        if end_sessions:
            after = replace(after, generation=before.generation + 1)
        async with self.redis.pipeline(transaction=True) as pipe:
            fields: dict[Any, Any] = after.to_hash()
            pipe.hset(self.keys.user(name), mapping=fields)
            await pipe.execute()
        await self.audit.record(actor, what, name, before=before.public(), after=after.public())
        return after

    async def disable(self, name: str, actor: str) -> User:
        """Refuse the user's sign-ins and end their open sessions at once."""
        return await self._change(name, actor, "user.disable", end_sessions=True, disabled=True)

    async def enable(self, name: str, actor: str) -> User:
        """Let a disabled user sign in again."""
        return await self._change(name, actor, "user.enable", end_sessions=False, disabled=False)

    async def set_role(self, name: str, role: str, depts: list[str] | None, actor: str) -> User:
        """Change the role (and departments); ends the user's sessions."""
        checked = check_role(role)
        current = await self.require(name)
        new_depts = check_depts(checked, list(current.depts) if depts is None else depts)
        return await self._change(
            name, actor, "user.set_role", end_sessions=True, role=checked, depts=new_depts
        )

    async def set_display_name(self, name: str, display_name: str, actor: str) -> User:
        """Change the name shown on the desk."""
        shown = check_display_name(display_name)
        return await self._change(
            name, actor, "user.set_display_name", end_sessions=False, display_name=shown
        )

    async def reset_password(self, name: str, password: str, actor: str) -> User:
        """Set a new password; ends the user's sessions."""
        await self.require(name)
        check_password(password, self.settings.password_min_length)
        hashed = await self.passwords.hash(password)
        return await self._change(
            name, actor, "user.reset_password", end_sessions=True, password_hash=hashed
        )

    async def enrol_totp(self, name: str, actor: str) -> tuple[str, str]:
        """A new TOTP secret (replacing any); return it and its otpauth:// URI."""
        secret = new_totp_secret()
        await self._change(name, actor, "user.totp_enrol", end_sessions=True, totp_secret=secret)
        await self.redis.hdel(self.keys.user(name), "totp_last")
        return secret, totp_uri(secret, name)

    async def remove_totp(self, name: str, actor: str) -> User:
        """Forget the TOTP secret (an admin or head can then no longer sign in)."""
        return await self._change(
            name, actor, "user.totp_remove", end_sessions=True, totp_secret=""
        )

    async def new_recovery_codes(self, name: str, actor: str) -> list[str]:
        """Ten fresh single-use codes, replacing the old ones; shown once, stored hashed."""
        await self.require(name)
        codes = new_recovery_codes()
        key = self.keys.user_recovery(name)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.sadd(key, *(recovery_digest(c) for c in codes))
            await pipe.execute()
        await self.audit.record(actor, "user.recovery_codes", name, count=len(codes))
        return codes

    async def recovery_codes_left(self, name: str) -> int:
        """How many unused recovery codes the user has."""
        return int(await self.redis.scard(self.keys.user_recovery(name)))

    async def use_recovery_code(self, user: User, code: str) -> bool:
        """Spend a recovery code: true exactly once per code (SREM is atomic)."""
        removed = await self.redis.srem(self.keys.user_recovery(user.name), recovery_digest(code))
        return bool(removed)

    async def check_totp(self, user: User, code: str) -> bool:
        """Whether ``code`` is a current TOTP code not used before (no replay)."""
        step = totp_step(user.totp_secret, code, self.clock.time())
        if step is None:
            return False
        return bool(await self._totp_step(keys=[self.keys.user(user.name)], args=[step]))

    async def rehash_if_needed(self, user: User, password: str) -> None:
        """Re-hash with the current Argon2 parameters after a successful sign-in."""
        if self.passwords.needs_rehash(user.password_hash):
            hashed = await self.passwords.hash(password)
            await self.redis.hset(self.keys.user(user.name), "password_hash", hashed)


__all__ = ["Role", "UserStore"]
