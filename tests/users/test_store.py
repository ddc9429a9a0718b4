"""The user store on a real Redis: TOTP replay, recovery codes, nothing half-saved."""

from __future__ import annotations

import asyncio
import time

import pyotp
import pytest

from bot.clock import SystemClock
from bot.errors import UserError
from bot.keys import Keys
from bot.settings import Settings
from bot.users.store import UserStore


@pytest.fixture
def store(redis, keys: Keys, settings: Settings) -> UserStore:
    fast = settings.model_copy(update={"argon2_memory_kib": 1024, "argon2_time_cost": 1})
    return UserStore(redis, keys, SystemClock(), fast)


async def test_a_totp_code_is_accepted_once(store: UserStore) -> None:
    """The same TOTP code cannot be replayed, nor an older step after a newer one."""
    await store.add("asha", "admin", [], "a long password 1", None, "test")
    secret, uri = await store.enrol_totp("asha", "test")
    assert uri.startswith("otpauth://totp/")
    user = await store.require("asha")
    totp = pyotp.TOTP(secret)
    now = int(time.time() // 30)
    assert await store.check_totp(user, totp.generate_otp(now))
    assert not await store.check_totp(user, totp.generate_otp(now))
    assert not await store.check_totp(user, totp.generate_otp(now - 1))
    assert await store.check_totp(user, totp.generate_otp(now + 1))
    assert not await store.check_totp(user, "12345x")


async def test_a_recovery_code_is_spent_once_even_when_raced(store: UserStore) -> None:
    """Ten sign-ins racing with one recovery code: exactly one spends it."""
    await store.add("asha", "admin", [], "a long password 1", None, "test")
    codes = await store.new_recovery_codes("asha", "test")
    user = await store.require("asha")
    results = await asyncio.gather(*(store.use_recovery_code(user, codes[3]) for _ in range(10)))
    assert 1 == sum(results)
    assert 9 == await store.recovery_codes_left("asha")
    assert await store.use_recovery_code(user, codes[4].upper().replace("-", " "))  # typed loosely
    new = await store.new_recovery_codes("asha", "test")
    assert not await store.use_recovery_code(user, codes[5])  # the old set is gone
    assert 10 == await store.recovery_codes_left("asha")
    assert 10 == len(new)


async def test_a_refused_change_saves_nothing(store: UserStore, redis, keys: Keys) -> None:
    """An invalid role or department change is refused and the stored user is unchanged."""
    await store.add("meera", "officer", ["dgft"], "a long password 1", "Meera", "test")
    before = await redis.hgetall(keys.user("meera"))
    with pytest.raises(UserError, match="role: one of"):
        await store.set_role("meera", "boss", None, "test")
    with pytest.raises(UserError, match="needs at least one department"):
        await store.set_role("meera", "head", [], "test")
    with pytest.raises(UserError, match="at least 12"):
        await store.reset_password("meera", "short", "test")
    assert before == await redis.hgetall(keys.user("meera"))
    assert ["user.add"] == [e.what for e in await store.audit.recent()]


async def test_secrets_never_reach_the_audit_log(store: UserStore, redis, keys: Keys) -> None:
    """Password hashes, TOTP secrets and recovery codes appear in no audit entry."""
    await store.add("meera", "officer", ["dgft"], "a long password 1", None, "test")
    secret, _ = await store.enrol_totp("meera", "test")
    codes = await store.new_recovery_codes("meera", "test")
    await store.reset_password("meera", "another long password", "test")
    stored = await redis.hgetall(keys.user("meera"))
    raw = str(await redis.xrange(keys.audit))
    for value in (secret, stored["password_hash"], *codes, "a long password 1"):
        assert value not in raw
