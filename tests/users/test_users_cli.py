"""`seva users`: add, list, disable/enable, reset-password, set-role, totp, recovery codes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pyotp
import pytest
import redis.asyncio as aioredis
from click.testing import CliRunner, Result

from bot.users.commands import users
from tests.conftest import RedisServer


@pytest.fixture
def cli(redis_server: RedisServer, key_prefix: str):  # type: ignore[no-untyped-def]
    """Run ``seva users ...`` against the test's Redis and prefix (fast Argon2)."""
    env = {
        "SEVA_REDIS_URL": redis_server.url,
        "SEVA_KEY_PREFIX": key_prefix,
        "SEVA_ARGON2_MEMORY_KIB": "1024",
        "SEVA_ARGON2_TIME_COST": "1",
    }

    def run(*args: str, stdin: str | None = None) -> Result:
        return CliRunner().invoke(users, list(args), env=env, input=stdin)

    return run


def _user(redis_server: RedisServer, key_prefix: str, name: str) -> dict[str, str]:
    async def read() -> dict[str, str]:
        client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
        raw = await client.hgetall(f"{key_prefix}:user:{name}")
        await client.aclose()
        return raw

    return asyncio.run(read())


def test_add_takes_the_password_from_a_prompt_or_a_file(
    cli, tmp_path: Path, redis_server, key_prefix
) -> None:
    """The password is prompted (twice) or read from a file; only its Argon2id hash is kept."""
    added = cli("add", "meera", "--role", "officer", "--dept", "dgft,sez",
                stdin="a long password 1\na long password 1\n")  # fmt: skip
    assert 0 == added.exit_code, added.output
    assert "a long password 1" not in added.output  # the prompt does not echo it
    secret = tmp_path / "pw"
    secret.write_text("another long password\n")
    assert 0 == cli("add", "ravi", "--role", "viewer", "--password-file", str(secret)).exit_code
    stored = _user(redis_server, key_prefix, "meera")
    assert stored["password_hash"].startswith("$argon2id$v=19$m=1024,t=1")
    assert "dgft,sez" == stored["depts"]
    listed = json.loads(cli("list", "--json").output)
    assert ["meera", "ravi"] == [u["name"] for u in listed]
    assert all("password_hash" not in u for u in listed)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "Meera!", "--role", "officer", "--dept", "dgft"], "name: lower-case"),
        (["add", "meera", "--role", "officer"], "needs at least one department"),
        (["add", "meera", "--role", "viewer", "--display-name", "x" * 81], "at most 80"),
        (["add", "meera", "--role", "viewer", "--dept", "bad dept"], "not a department id"),
    ],
)
def test_add_refuses_bad_fields_and_saves_nothing(
    cli, args, message, redis_server, key_prefix
) -> None:
    """A bad name, a missing department or an over-long display name is refused, nothing kept."""
    result = cli(*args, stdin="a long password 1\na long password 1\n")
    assert 1 == result.exit_code
    assert message in result.output
    assert {} == _user(redis_server, key_prefix, "meera")
    assert [] == json.loads(cli("list", "--json").output)


def test_short_password_and_taken_name_are_refused(cli) -> None:
    """A password under the minimum length, and a name already taken, are refused."""
    short = cli("add", "meera", "--role", "viewer", stdin="short\nshort\n")
    assert (1, True) == (short.exit_code, "at least 12 characters" in short.output)
    assert 0 == cli("add", "meera", "--role", "viewer", stdin="a long password 1\n" * 2).exit_code
    again = cli("add", "meera", "--role", "viewer", stdin="a long password 2\n" * 2)
    assert (1, True) == (again.exit_code, "is taken" in again.output)


def test_disable_enable_set_role_reset_and_totp(cli, redis_server, key_prefix) -> None:
    """Each change is stored, bumps the session generation where it must, and is audited."""
    assert (
        0
        == cli(
            "add", "meera", "--role", "officer", "--dept", "dgft", stdin="a long password 1\n" * 2
        ).exit_code
    )
    assert 0 == cli("disable", "meera").exit_code
    assert ("1", "1") == tuple(
        _user(redis_server, key_prefix, "meera")[k] for k in ("disabled", "generation")
    )
    assert 0 == cli("enable", "meera").exit_code
    assert "0" == _user(redis_server, key_prefix, "meera")["disabled"]
    assert 0 == cli("set-role", "meera", "head", "--dept", "sez").exit_code
    assert ("head", "sez", "2") == tuple(
        _user(redis_server, key_prefix, "meera")[k] for k in ("role", "depts", "generation")
    )
    before = _user(redis_server, key_prefix, "meera")["password_hash"]
    assert 0 == cli("reset-password", "meera", stdin="a new long password\n" * 2).exit_code
    assert before != _user(redis_server, key_prefix, "meera")["password_hash"]
    enrolled = cli("totp", "enrol", "meera")
    secret = enrolled.output.split("secret: ")[1].split()[0]
    assert f"otpauth://totp/Seva%20desk:meera?secret={secret}" in enrolled.output
    assert pyotp.TOTP(secret).now().isdigit()
    codes = cli("recovery-codes", "meera").output.split()
    assert 10 == len(set(codes))
    assert 1 == cli("disable", "nobody").exit_code  # an unknown user

    async def audit() -> list[str]:
        client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
        rows = await client.xrange(f"{key_prefix}:audit")
        await client.aclose()
        assert all(r[1]["who"].startswith("cli:") for r in rows)
        assert all("password_hash" not in r[1]["after"] or "***" in r[1]["after"] for r in rows)
        return [r[1]["what"] for r in rows]

    assert ["user.add", "user.disable", "user.enable", "user.set_role", "user.reset_password",
            "user.totp_enrol", "user.recovery_codes"] == asyncio.run(audit())  # fmt: skip


def test_no_password_on_the_command_line(cli) -> None:
    """There is no --password option: a password never sits in argv."""
    result = cli("add", "meera", "--role", "viewer", "--password", "a long password 1")
    assert 2 == result.exit_code
    assert "No such option '--password'" in result.output
