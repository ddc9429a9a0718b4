"""Who is acting at the command line: the configured user (``SEVA_OFFICER``), checked.

``seva tickets`` records this user's id in every transition. There is no free-text
``--officer`` flag: the name must be a user that exists, is enabled, and has a role that
works on tickets (officer, head or admin).
"""

from __future__ import annotations

from bot.errors import IdentityError
from bot.settings import Settings
from bot.users.model import TICKET_ROLES, User
from bot.users.store import UserStore


async def cli_identity(settings: Settings, users: UserStore) -> User:
    """The configured user, or ``IdentityError`` saying what to set."""
    if not settings.officer:
        raise IdentityError(
            "no identity configured: set SEVA_OFFICER to your user name "
            "(an admin creates it with `seva users add`)"
        )
    user = await users.get(settings.officer)
    if user is None:
        raise IdentityError(f"SEVA_OFFICER={settings.officer!r} is not a user (seva users list)")
    if user.disabled:
        raise IdentityError(f"user {user.name!r} is disabled")
    if user.role not in TICKET_ROLES:
        raise IdentityError(f"user {user.name!r} is a {user.role.value}; viewers change nothing")
    return user
