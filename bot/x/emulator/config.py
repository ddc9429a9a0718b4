"""The emulator's knobs: tokens, the ministry account, rate windows, caps and X's policies."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

# Endpoint names, used for rate limits, call counts and faults ("*" means any of them).
ENDPOINTS = (
    "me", "mentions", "post_tweets", "stream", "rules", "lookup", "search", "timeline", "users",
)  # fmt: skip


@dataclass(frozen=True)
class Limit:
    """Requests allowed per window for app-auth and for each user's token (0: not allowed)."""

    app: int
    user: int


def _default_limits() -> dict[str, Limit]:
    # X's published 15-minute limits (2026); users/me and the user timeline from its docs.
    return {
        "me": Limit(app=0, user=75),
        "mentions": Limit(app=450, user=300),
        "post_tweets": Limit(app=0, user=100),
        "stream": Limit(app=50, user=0),
        "rules": Limit(app=450, user=0),
        "lookup": Limit(app=900, user=900),
        "search": Limit(app=450, user=300),
        "timeline": Limit(app=1500, user=900),
        # User lookup (by id, by username, and both by list). X counts each of the four
        # in a window of its own; here they share one.
        "users": Limit(app=300, user=900),
    }


@dataclass
class EmulatorConfig:
    """Everything the emulator can be told; ``set_config`` changes fields at run time."""

    app_bearer: str = "emulator-app-bearer"
    admin_token: str = "emulator-admin"  # noqa: S105 - a public, loopback-only default
    ministry_username: str = "MoCI_Seva"
    ministry_name: str = "Ministry of Commerce and Industry Seva"
    ministry_user_token: str = "emulator-ministry-token"  # noqa: S105 - loopback-only default
    keepalive_s: float = 20.0
    window_s: float = 900.0  # X's 15-minute rate window
    limits: dict[str, Limit] = field(default_factory=_default_limits)
    # POST /2/tweets has two more ceilings: per user per 3 hours, per app per 24 hours.
    post_3h_limit: int = 300
    post_3h_window_s: float = 3 * 3600.0
    post_24h_app_limit: int = 10_000
    post_24h_window_s: float = 24 * 3600.0
    mentions_reach: int = 800  # only the newest 800 mentions can be paged to
    monthly_read_cap: int = 2_000_000  # posts returned by reads before 429 usage-capped
    reply_restriction: bool = True  # False = Enterprise, exempt from the Feb-2026 rule
    duplicate_window_s: float = 86_400.0
    # X writes both hosts into problem ``type``s; the spec (and 2026 answers) use api.x.com.
    problem_host: str = "https://api.x.com"

    def update(self, changes: dict[str, Any]) -> None:
        """Apply ``changes`` (JSON values); ``limits`` entries may be partial ``{app, user}``."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown config fields: {', '.join(unknown)}")
        for name, value in changes.items():
            if name == "limits":
                merged = dict(self.limits)
                for endpoint, spec in dict(value).items():
                    if endpoint not in ENDPOINTS:
                        raise ValueError(f"unknown endpoint in limits: {endpoint}")
                    old = merged.get(endpoint, Limit(0, 0))
                    merged[endpoint] = Limit(
                        app=int(spec.get("app", old.app)), user=int(spec.get("user", old.user))
                    )
                self.limits = merged
                continue
            current = getattr(self, name)
            setattr(self, name, type(current)(value))

    def to_dict(self) -> dict[str, Any]:
        """Return the config as JSON-friendly data."""
        return asdict(self)
