"""``seva users``: add, list, disable/enable, reset-password, set-role, totp, recovery-codes.

Passwords come from a prompt (typed twice, not echoed) or from ``--password-file``, never
from the command line, where they would land in shell history and ``ps``. Every change
is in the audit log under ``cli:<login>``.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from bot.clock import SystemClock
from bot.errors import UserError
from bot.keys import Keys
from bot.settings import load_settings
from bot.store import connect
from bot.textsafe import echo
from bot.users.model import Role
from bot.users.signin import SignIn
from bot.users.store import UserStore
from bot.users.tokens import issue

_T = TypeVar("_T")
ROLES = click.Choice([r.value for r in Role])


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _run(action: Callable[[UserStore], Awaitable[_T]]) -> _T:
    settings = load_settings()

    async def main() -> _T:
        redis = connect(settings.redis_url)
        try:
            return await action(
                UserStore(redis, Keys(settings.key_prefix), SystemClock(), settings)
            )
        finally:
            await redis.aclose()

    try:
        return asyncio.run(main())
    except UserError as err:
        echo(f"seva users: {err}", err=True)
        sys.exit(1)


def _password(path: Path | None) -> str:
    if path is not None:
        lines = path.read_text(encoding="utf-8").splitlines()
        return lines[0] if lines else ""
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _depts(value: str | None) -> list[str]:
    return [d for d in (value or "").split(",") if d.strip()]


_PASSWORD_FILE = click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the password from the first line of this file (else: a prompt).",
)


@click.group()
def users() -> None:
    """People at the desk: officers, heads, admins and viewers."""


@users.command()
@click.argument("name")
@click.option("--role", type=ROLES, required=True)
@click.option("--dept", help="Department ids, comma-separated (officers and heads need one).")
@click.option("--display-name", help="The name the desk shows (default: NAME).")
@_PASSWORD_FILE
def add(
    name: str, role: str, dept: str | None, display_name: str | None, password_file: Path | None
) -> None:
    """Add a user; admins and heads then need `seva users totp enrol NAME`."""
    password = _password(password_file)
    user = _run(lambda s: s.add(name, role, _depts(dept), password, display_name, _actor()))
    echo(
        f"added {user.name} ({user.role.value}{', ' + ','.join(user.depts) if user.depts else ''})"
    )


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_command(as_json: bool) -> None:
    """Every user: role, departments, TOTP, enabled or not (never a secret)."""
    found = _run(lambda s: s.all())
    if as_json:
        echo(json.dumps([u.public() for u in found], indent=2))
        return
    for u in found:
        state = "disabled" if u.disabled else "active"
        totp = "totp" if u.has_totp else "no totp"
        echo(f"{u.name:16} {u.role.value:8} {','.join(u.depts) or '-':16} {totp:8} {state}")


@users.command()
@click.argument("name")
def disable(name: str) -> None:
    """Refuse the user's sign-ins and end their open sessions now."""
    _run(lambda s: s.disable(name, _actor()))
    echo(f"{name} disabled; their sessions have ended")


@users.command()
@click.argument("name")
def enable(name: str) -> None:
    """Let a disabled user sign in again."""
    _run(lambda s: s.enable(name, _actor()))
    echo(f"{name} enabled")


@users.command("reset-password")
@click.argument("name")
@_PASSWORD_FILE
def reset_password(name: str, password_file: Path | None) -> None:
    """Set a new password (ends the user's sessions)."""
    password = _password(password_file)
    _run(lambda s: s.reset_password(name, password, _actor()))
    echo(f"password of {name} reset; their sessions have ended")


@users.command("set-role")
@click.argument("name")
@click.argument("role", type=ROLES)
@click.option("--dept", help="New departments, comma-separated (default: unchanged).")
def set_role(name: str, role: str, dept: str | None) -> None:
    """Change a user's role (ends their sessions)."""
    depts = _depts(dept) if dept is not None else None
    user = _run(lambda s: s.set_role(name, role, depts, _actor()))
    echo(f"{user.name} is now {user.role.value} ({','.join(user.depts) or 'no departments'})")


@users.group()
def totp() -> None:
    """TOTP second factor: required for admins and heads, optional for officers."""


@totp.command()
@click.argument("name")
def enrol(name: str) -> None:
    """Issue a new TOTP secret (replacing any) and print it and its otpauth:// URI once."""
    secret, uri = _run(lambda s: s.enrol_totp(name, _actor()))
    echo(f"secret: {secret}")
    echo(f"uri:    {uri}")
    echo("Give these to the user only; they are not shown again.")


@totp.command()
@click.argument("name")
def remove(name: str) -> None:
    """Forget a user's TOTP secret (an admin or head then cannot sign in)."""
    _run(lambda s: s.remove_totp(name, _actor()))
    echo(f"TOTP removed for {name}")


@users.command()
@click.argument("name")
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path.home() / ".config" / "seva" / "token",
    show_default=True,
    help="Where to write the token (then SEVA_OFFICER_TOKEN_FILE=this path).",
)
def signin(name: str, token_file: Path) -> None:
    """Sign in at the command line (password, then TOTP if enrolled) and write a token."""
    password: str = click.prompt("Password", hide_input=True)

    async def action(store: UserStore) -> None:
        user = await store.get(name)
        code = ""
        if user is not None and user.has_totp:
            code = click.prompt("Code (authenticator app or recovery code)")
        result = await SignIn(store).attempt(name, password, code, _actor())
        if result.user is None:
            raise UserError(result.message)
        await issue(store, result.user, token_file)

    _run(action)
    echo(f"signed in; token written to {token_file}")
    echo(f"export SEVA_OFFICER_TOKEN_FILE={token_file}")


@users.command("recovery-codes")
@click.argument("name")
def recovery_codes(name: str) -> None:
    """Issue ten single-use recovery codes (replacing the old ones); printed once."""
    for code in _run(lambda s: s.new_recovery_codes(name, _actor())):
        echo(code)
