"""X's settings and the outbox's: a part of ``bot.settings.Settings``.

Kept in their own module so that ``bot/settings.py`` stays small; ``Settings`` inherits
these fields, so they are ``SEVA_*`` variables like every other setting.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings


class XSettings(BaseSettings):
    """X: the API, its credentials, reconnects, and the outbox's post limits and prices."""

    # --- X ----------------------------------------------------------------------------
    x_base_url: str = Field(
        default="https://api.twitter.com",
        description="X API v2 (`https://api.x.com` works too), or the emulator on loopback",
    )
    x_bearer_token: SecretStr | None = Field(
        default=None,
        description=(
            "the app's Bearer token, for the stream and reads; needed by the ingest and outbox "
            "roles unless SEVA_X_BASE_URL is loopback"
        ),
    )
    x_user_access_token: SecretStr | None = Field(
        default=None,
        description="OAuth 2.0 user-context token of the replying account, for posting",
    )
    x_reply_restriction: bool = Field(
        default=True,
        description=(
            "X's February 2026 rule: reply only to a post whose author summoned the account; "
            "false only for an Enterprise account (exempt)"
        ),
    )

    # --- X adapter: X's reconnect guidance, settings so tests scale them down ---------
    x_backoff_network_step_s: float = Field(
        default=0.25, gt=0, description="X reconnect after a TCP error: linear step"
    )
    x_backoff_network_max_s: float = Field(default=16.0, gt=0, description="... and its ceiling")
    x_backoff_http_initial_s: float = Field(
        default=5.0, gt=0, description="after an HTTP 5xx: exponential from"
    )
    x_backoff_http_max_s: float = Field(default=320.0, gt=0, description="... up to")
    x_backoff_429_initial_s: float = Field(
        default=60.0, gt=0, description="after a 429 without a reset header: exponential from"
    )
    x_backoff_429_max_s: float = Field(default=960.0, gt=0, description="... up to")
    x_stream_keepalive_s: float = Field(
        default=20.0, gt=0, description="X's stream keep-alive interval (a blank line every 20 s)"
    )
    x_stream_read_timeout_s: float = Field(
        default=26.0,
        gt=0,
        description=(
            "stream watchdog: reconnect after this long without a byte; must be above the "
            "keep-alive (tweepy uses 21 s)"
        ),
    )
    x_stream_payment_retry_s: float = Field(
        default=300.0,
        gt=0,
        description="stream refused (402, usage cap, bad credentials): critical alarm, retry every",
    )
    x_reconcile_max_pages: int = Field(
        default=10,
        ge=1,
        description=(
            "pages of 100 own posts read (since the target) to find a reply interrupted mid-send"
        ),
    )
    x_request_timeout_s: float = Field(
        default=30.0, gt=0, description="one REST call to X, end to end"
    )
    x_read_retries: int = Field(
        default=2,
        ge=0,
        description="retries of a read on network/5xx errors (posts are never re-sent)",
    )

    # --- outbox: X's post limits and prices, all configurable ---------------------------
    outbox_limit_15m: int = Field(
        default=100,
        ge=1,
        description=("posts per 15 minutes, per user (X's manage-posts page says 200)"),
    )
    outbox_limit_3h: int = Field(default=300, ge=1, description="posts per 3 hours, per user")
    outbox_limit_24h: int = Field(default=10_000, ge=1, description="posts per 24 hours, per app")

    @property
    def post_windows(self) -> tuple[tuple[int, int, str], ...]:
        """X's post limits as sliding windows: (seconds, posts allowed, name), shortest first.

        The outbox budget enforces them; the metrics report what is left of each.
        """
        return (
            (15 * 60, self.outbox_limit_15m, "15-minute post limit"),
            (3 * 3600, self.outbox_limit_3h, "3-hour post limit"),
            (24 * 3600, self.outbox_limit_24h, "24-hour app post limit"),
        )

    outbox_fanout_share: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description=(
            "share of each post window storm fan-out may fill (the rest stays free for answers, "
            "acknowledgements and interim replies)"
        ),
    )
    outbox_daily_budget_usd: float = Field(
        default=25.0,
        ge=0,
        description=(
            "dollars the outbox may spend on posts per UTC day; then posts wait for the next day"
        ),
    )
    price_post_usd: float = Field(
        default=0.015,
        description=(
            "X's price of a plain post without a URL (a thread's later parts, which reply to the "
            "desk's own post)"
        ),
    )
    price_post_url_usd: float = Field(
        default=0.20,
        description="X's price of a post with a URL, bare domains such as dgft.gov.in included",
    )
    price_summoned_reply_usd: float = Field(
        default=0.01,
        description="X's price of a reply, without a URL, to an author who summoned the account",
    )
    outbox_pause_s: float = Field(
        default=300.0,
        gt=0,
        description=(
            "X says credits depleted, usage capped or bad credentials: alarm, and the outbox waits "
            "this long"
        ),
    )
    outbox_retry_initial_s: float = Field(
        default=5.0, gt=0, description="a post failed on an X server or network error: retry after"
    )
    outbox_retry_max_s: float = Field(default=320.0, gt=0, description="... doubling up to")
    outbox_claim_idle_ms: int = Field(
        default=60_000,
        ge=0,
        description="a reply job a dead outbox left unacknowledged this long (ms) is taken over",
    )
