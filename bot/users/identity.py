"""Who is acting at the command line: the configured user, checked.

``seva tickets`` records this user's id in every transition. There is no free-text
``--officer`` flag: the identity is a token file from ``seva users signin``
(``SEVA_OFFICER_TOKEN_FILE``: password and TOTP were checked) or else ``SEVA_OFFICER``,
naming a user that exists. Either way the user must be enabled and have a role that works
on tickets (officer, head or admin).
"""

from __future__ import annotations

from bot.errors import IdentityError
from bot.settings import Settings
from bot.users.model import TICKET_ROLES, User
from bot.users.store import UserStore
from bot.users.tokens import resolve


async def cli_identity(settings: Settings, users: UserStore) -> User:
    """The configured user, or ``IdentityError`` saying what to set."""
    if settings.officer_token_file is not None:
        user: User | None = await resolve(users, settings.officer_token_file)
    elif settings.officer:
        user = await users.get(settings.officer)
        if user is None:
            raise IdentityError(
                f"SEVA_OFFICER={settings.officer!r} is not a user (seva users list)"
            )
    else:
        raise IdentityError(
            "no identity configured: set SEVA_OFFICER to your user name, or "
            "SEVA_OFFICER_TOKEN_FILE to a token from `seva users signin NAME`"
        )
    assert user is not None  # both branches above raise without one
    if user.disabled:
        raise IdentityError(f"user {user.name!r} is disabled")
    if user.role not in TICKET_ROLES:
        raise IdentityError(f"user {user.name!r} is a {user.role.value}; viewers change nothing")
    return user
