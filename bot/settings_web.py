"""The web desk's and the users' settings: a part of ``bot.settings.Settings``.

Kept in their own module so that ``bot/settings.py`` stays small; ``Settings`` inherits
these fields, so they are ``SEVA_*`` variables like every other setting.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings

from bot.settings_desk import CSV


class WebSettings(BaseSettings):
    """Sign-in, sessions, passwords and the identity of ``seva tickets``."""

    # --- identity of the command line ----------------------------------------------------
    officer: str | None = Field(
        default=None,
        description="the user `seva tickets` acts as (must exist and be enabled; see `seva users`)",
    )
    officer_token_file: Path | None = Field(
        default=None,
        description=(
            "instead of `SEVA_OFFICER`: a token file written by `seva users signin` "
            "(password and TOTP checked); `seva tickets` acts as its user"
        ),
    )
    cli_token_ttl_s: float = Field(
        default=12 * 3600.0, gt=0, description="how long a `seva users signin` token is valid"
    )

    # --- passwords (Argon2id) ---------------------------------------------------------------
    argon2_time_cost: int = Field(default=3, ge=1, description="Argon2id passes")
    argon2_memory_kib: int = Field(default=65536, ge=8, description="Argon2id memory, in KiB")
    argon2_parallelism: int = Field(default=4, ge=1, description="Argon2id lanes")
    password_min_length: int = Field(
        default=12, ge=8, description="shortest password `seva users` accepts"
    )

    # --- sessions ---------------------------------------------------------------------------
    web_cookie_secure: bool = Field(
        default=False,
        description="mark the session cookie Secure: set true whenever the desk is behind TLS",
    )
    web_idle_timeout_s: float = Field(
        default=1800.0, gt=0, description="a session unused this long is ended"
    )
    web_absolute_timeout_s: float = Field(
        default=12 * 3600.0, gt=0, description="a session is ended this long after sign-in"
    )
    web_origins: CSV = Field(
        default_factory=list,
        description=(
            "origins allowed to POST (e.g. `https://desk.example.gov.in`); "
            "empty: the desk's own scheme and Host"
        ),
    )

    # --- the officer's queue -------------------------------------------------------------
    web_queue_page_size: int = Field(
        default=50, ge=5, le=500, description="tickets per page of `/queue`"
    )
    web_queue_max_tickets: int = Field(
        default=2000,
        ge=50,
        description=(
            "most tickets a `/queue` filter on the tickets themselves (language, storm, hand "
            "reply, mine, search) reads, earliest due first: the bound on such a page's work"
        ),
    )
    web_live_ping_s: float = Field(
        default=15.0,
        gt=0,
        description=(
            "`/queue/events`: seconds between keep-alive pings (proxies close idle streams); "
            "also how often an open stream rechecks its user"
        ),
    )

    # --- sign-in throttling -------------------------------------------------------------------
    signin_max_failures: int = Field(
        default=6, ge=1, description="wrong passwords in a row that lock an account"
    )
    signin_lockout_s: float = Field(
        default=900.0, gt=0, description="how long a locked account stays locked"
    )
    signin_max_failures_per_address: int = Field(
        default=30, ge=1, description="failed sign-ins from one address before it is refused"
    )
    signin_address_window_s: float = Field(
        default=900.0, gt=0, description="the window (and refusal time) for the per-address count"
    )
    web_trust_forwarded: bool = Field(
        default=False,
        description="take the client address from X-Forwarded-For (only behind your own proxy)",
    )
