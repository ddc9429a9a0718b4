"""`seva tickets` acts as the configured user (SEVA_OFFICER), never a self-declared id."""

from __future__ import annotations

import asyncio
import json

import pytest
import redis.asyncio as aioredis
from click.testing import CliRunner

from bot.keys import Keys
from bot.settings import Settings
from bot.tickets.commands import tickets
from bot.users.store import UserStore
from tests.conftest import RedisServer
from tests.tickets.test_workflow_sla import Desk
from tests.users.helpers import PASSWORD, add_officers


@pytest.fixture
def seeded(redis_server: RedisServer, key_prefix: str, settings: Settings) -> tuple[dict, str]:
    """A ticket in dgft, officers meera and ravi (ravi disabled), a viewer; the CLI's env."""

    async def seed() -> str:
        client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
        keys = Keys(key_prefix)
        docket = await Desk(client, keys, settings).ticket(1)
        await add_officers(client, keys, settings, "meera", "ravi")
        users = UserStore(client, keys, Desk(client, keys, settings).clock, settings)
        await users.add("minister", "viewer", [], PASSWORD, None, "test")
        await users.disable("ravi", "test")
        await client.aclose()
        return docket

    env = {"SEVA_REDIS_URL": redis_server.url, "SEVA_KEY_PREFIX": key_prefix}
    return env, asyncio.run(seed())


def _history(redis_server: RedisServer, key_prefix: str, docket: str) -> list[dict]:
    async def read() -> list[dict]:
        client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
        raw = await client.lrange(Keys(key_prefix).ticket_history(docket), 0, -1)
        await client.aclose()
        return [json.loads(e) for e in raw]

    return asyncio.run(read())


def test_claim_records_the_configured_users_id(seeded, redis_server, key_prefix) -> None:
    """With SEVA_OFFICER=meera, a claim is recorded as meera's in the history."""
    env, docket = seeded
    result = CliRunner().invoke(tickets, ["claim", docket], env=env | {"SEVA_OFFICER": "meera"})
    assert 0 == result.exit_code, result.output
    last = _history(redis_server, key_prefix, docket)[-1]
    assert ("claimed", "meera") == (last["event"], last["by"])


@pytest.mark.parametrize(
    ("officer", "message"),
    [
        (None, "no identity configured: set SEVA_OFFICER"),
        ("nobody", "SEVA_OFFICER='nobody' is not a user"),
        ("ravi", "user 'ravi' is disabled"),
        ("minister", "viewers change nothing"),
    ],
)
def test_claim_refuses_without_a_usable_identity(
    seeded, redis_server, key_prefix, officer, message
) -> None:
    """No SEVA_OFFICER, an unknown, a disabled user or a viewer: refused, nothing recorded."""
    env, docket = seeded
    if officer:
        env = env | {"SEVA_OFFICER": officer}
    result = CliRunner().invoke(tickets, ["claim", docket], env=env)
    assert 1 == result.exit_code
    assert message in result.output
    assert ["created"] == [e["event"] for e in _history(redis_server, key_prefix, docket)]


def test_the_free_text_officer_flag_is_gone(seeded) -> None:
    """`--officer` is no longer accepted: identity cannot be self-declared."""
    env, docket = seeded
    result = CliRunner().invoke(tickets, ["claim", docket, "--officer", "meera"], env=env)
    assert 2 == result.exit_code
    assert "No such option '--officer'" in result.output


def test_a_token_from_seva_users_signin_is_an_identity(
    seeded, tmp_path, redis_server, key_prefix
) -> None:
    """A `seva users signin` token acts as its user, and is refused once she is disabled."""
    from bot.users.commands import users

    env, docket = seeded
    token = tmp_path / "token"
    wrong = CliRunner().invoke(
        users, ["signin", "meera", "--token-file", str(token)], env=env, input="nope\n"
    )
    assert (1, False) == (wrong.exit_code, token.exists())
    signed = CliRunner().invoke(
        users, ["signin", "meera", "--token-file", str(token)], env=env, input=PASSWORD + "\n"
    )
    assert 0 == signed.exit_code, signed.output
    assert 0o600 == token.stat().st_mode & 0o777
    as_token = env | {"SEVA_OFFICER_TOKEN_FILE": str(token), "SEVA_OFFICER": "ravi"}
    result = CliRunner().invoke(tickets, ["claim", docket], env=as_token)
    assert 0 == result.exit_code, result.output
    assert "meera" == _history(redis_server, key_prefix, docket)[-1]["by"]  # the token wins
    assert 0 == CliRunner().invoke(users, ["disable", "meera"], env=env).exit_code
    refused = CliRunner().invoke(tickets, ["close", docket], env=as_token)
    assert 1 == refused.exit_code
    assert "was revoked" in refused.output
    token.write_text("made-up\n")
    made_up = CliRunner().invoke(tickets, ["close", docket], env=as_token)
    assert "unknown or expired" in made_up.output
