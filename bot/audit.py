"""The audit log: who did what, when, and what changed (before → after).

One Redis stream (``Keys.audit``) for every sign-in attempt (success, failure, lockout)
and every action on users, from the web desk and from ``seva users``. Ticket transitions
keep their own history in ``bot.tickets`` and carry the acting user's id there. Values are
JSON; password hashes, TOTP secrets and recovery codes never enter an entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from bot.keys import Keys
from bot.store import Redis

# Fields of a user record that are secrets and never go into the log.
SECRET_FIELDS = frozenset({"password_hash", "totp_secret"})
MAX_ENTRIES = 1_000_000  # approximate trim; the log is the record, so keep it long


@dataclass(frozen=True)
class AuditEntry:
    """One entry as read back."""

    id: str
    at: float
    who: str
    what: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: dict[str, Any]


def redact(record: dict[str, Any] | None) -> dict[str, Any] | None:
    """The record without its secret fields (``before``/``after`` of a user)."""
    if record is None:
        return None
    return {k: ("***" if k in SECRET_FIELDS else v) for k, v in record.items()}


class AuditLog:
    """Appends to and reads the audit stream."""

    def __init__(self, redis: Redis, keys: Keys, clock: Clock) -> None:
        self.redis = redis
        self.keys = keys
        self.clock = clock

    async def record(
        self,
        who: str,
        what: str,
        target: str = "",
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        **detail: Any,
    ) -> str:
        """Append one entry; return its stream id."""
        fields: dict[Any, Any] = {
            "at": repr(self.clock.time()),
            "who": who,
            "what": what,
            "target": target,
            "before": json.dumps(redact(before), sort_keys=True, default=str),
            "after": json.dumps(redact(after), sort_keys=True, default=str),
            "detail": json.dumps(detail, sort_keys=True, default=str),
        }
        entry_id = await self.redis.xadd(
            self.keys.audit, fields, maxlen=MAX_ENTRIES, approximate=True
        )
        return str(entry_id)

    async def recent(self, count: int = 100) -> list[AuditEntry]:
        """The newest entries, newest first."""
        rows: Any = await self.redis.xrevrange(self.keys.audit, count=count)
        return [_entry(str(entry_id), fields) for entry_id, fields in rows]


def _entry(entry_id: str, fields: dict[str, str]) -> AuditEntry:
    return AuditEntry(
        id=entry_id,
        at=float(fields["at"]),
        who=fields["who"],
        what=fields["what"],
        target=fields["target"],
        before=json.loads(fields["before"]),
        after=json.loads(fields["after"]),
        detail=json.loads(fields["detail"]),
    )
