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

    async def search(
        self,
        *,
        who: str = "",
        what: str = "",
        since: float | None = None,
        until: float | None = None,
        limit: int = 200,
        scan: int = 20_000,
    ) -> list[AuditEntry]:
        """The newest ``limit`` entries matching every filter given, reading at most ``scan``.

        ``who`` is exact, ``what`` a prefix of the action ("user." is every change to a
        user), ``since`` and ``until`` Unix times (``until`` excluded). Stream ids are the
        Redis server's milliseconds, so the time range also bounds the read: a search of
        last month does not walk this month's entries first.
        """
        high = f"({int(until * 1000)}-0" if until is not None else "+"
        low = f"{int(since * 1000)}-0" if since is not None else "-"
        found: list[AuditEntry] = []
        read = 0
        while read < scan and len(found) < limit:
            rows: Any = await self.redis.xrevrange(self.keys.audit, high, low, count=500)
            if not rows:
                break
            for entry_id, fields in rows:
                entry = _entry(str(entry_id), fields)
                if _matches(entry, who, what, since, until):
                    found.append(entry)
            read += len(rows)
            high = f"({rows[-1][0]}"
        return found[:limit]


def _matches(
    entry: AuditEntry, who: str, what: str, since: float | None, until: float | None
) -> bool:
    return (
        (not who or entry.who == who)
        and entry.what.startswith(what)
        and (since is None or entry.at >= since)
        and (until is None or entry.at < until)
    )


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
