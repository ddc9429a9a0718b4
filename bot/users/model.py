"""A user of the desk, its roles, and the validation of every field.

Validation happens before anything is written, so a refused change saves nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.errors import UserError

NAME_MAX = 32
NAME_RE = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")  # 2 to NAME_MAX characters
DEPT_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
DISPLAY_NAME_MAX = 80
PASSWORD_MAX = 256  # Argon2 takes any length; this bounds the work a request can cause


class Role(StrEnum):
    """What a user may do: the web desk checks it on every request."""

    OFFICER = "officer"  # works on their departments' tickets
    HEAD = "head"  # also sees the department's escalations
    ADMIN = "admin"  # sees everything; the console
    VIEWER = "viewer"  # the minister's office: reads reports, changes nothing


# Roles that must have TOTP to sign in; officers may enrol, viewers too.
TOTP_REQUIRED = frozenset({Role.ADMIN, Role.HEAD})
# Roles that need at least one department.
DEPT_ROLES = frozenset({Role.OFFICER, Role.HEAD})
# Roles that may act on tickets (the CLI identity and the desk's buttons).
TICKET_ROLES = frozenset({Role.OFFICER, Role.HEAD, Role.ADMIN})


@dataclass(frozen=True)
class User:
    """One user as stored (``Keys.user``)."""

    name: str
    display_name: str
    role: Role
    depts: tuple[str, ...]
    password_hash: str = field(repr=False)
    disabled: bool = False
    totp_secret: str = field(default="", repr=False)
    generation: int = 0
    created_at: float = 0.0

    @property
    def has_totp(self) -> bool:
        """Whether a TOTP secret is enrolled."""
        return bool(self.totp_secret)

    def public(self) -> dict[str, Any]:
        """What lists and the audit log may show (no hash, no secret)."""
        return {
            "name": self.name,
            "display_name": self.display_name,
            "role": self.role.value,
            "depts": list(self.depts),
            "disabled": self.disabled,
            "totp": self.has_totp,
        }

    def to_hash(self) -> dict[str, str]:
        """The Redis hash fields."""
        return {
            "name": self.name,
            "display_name": self.display_name,
            "role": self.role.value,
            "depts": ",".join(self.depts),
            "password_hash": self.password_hash,
            "disabled": "1" if self.disabled else "0",
            "totp_secret": self.totp_secret,
            "generation": str(self.generation),
            "created_at": repr(self.created_at),
        }

    @classmethod
    def from_hash(cls, raw: dict[str, str]) -> User:
        """Read a stored hash back."""
        return cls(
            name=raw["name"],
            display_name=raw.get("display_name") or raw["name"],
            role=Role(raw["role"]),
            depts=tuple(d for d in raw.get("depts", "").split(",") if d),
            password_hash=raw.get("password_hash", ""),
            disabled=raw.get("disabled") == "1",
            totp_secret=raw.get("totp_secret", ""),
            generation=int(raw.get("generation") or 0),
            created_at=float(raw.get("created_at") or 0),
        )


def check_name(name: str) -> str:
    """A user name: lower-case letters, digits, ``.``, ``_``, ``-``; 2 to 32 characters."""
    if not name:
        raise UserError("name: required")
    if len(name) > NAME_MAX:
        raise UserError(f"name: at most {NAME_MAX} characters")
    if not NAME_RE.match(name):
        raise UserError("name: lower-case letters, digits, '.', '_' or '-', starting with a letter")
    return name


def check_role(role: str) -> Role:
    """One of the four roles."""
    try:
        return Role(role)
    except ValueError:
        raise UserError(f"role: one of {', '.join(r.value for r in Role)}") from None


def check_depts(role: Role, depts: list[str]) -> tuple[str, ...]:
    """Department ids (as in faq_kb/departments.yml); officers and heads need one."""
    cleaned = tuple(dict.fromkeys(d.strip().lower() for d in depts if d.strip()))
    if role in DEPT_ROLES and not cleaned:
        raise UserError(f"dept: an {role.value} needs at least one department (--dept D[,D])")
    for dept in cleaned:
        if not DEPT_RE.match(dept):
            raise UserError(f"dept: {dept!r} is not a department id (letters, digits, '_', '-')")
    return cleaned


def check_display_name(value: str) -> str:
    """Any printable text up to 80 characters; it is always rendered as text."""
    value = value.strip()
    if not value:
        raise UserError("display name: required")
    if len(value) > DISPLAY_NAME_MAX:
        raise UserError(f"display name: at most {DISPLAY_NAME_MAX} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise UserError("display name: no control characters")
    return value


def check_password(password: str, min_length: int) -> str:
    """Long enough, not absurdly long."""
    if len(password) < min_length:
        raise UserError(f"password: at least {min_length} characters")
    if len(password) > PASSWORD_MAX:
        raise UserError(f"password: at most {PASSWORD_MAX} characters")
    return password
