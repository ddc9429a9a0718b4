"""Typed settings, built once from ``SEVA_*`` environment variables and passed down.

Nothing in Seva reads ``os.environ`` at import time. ``load_settings()`` is called by the
composition root (``bot.app``) or by a CLI command, and a bad or missing value becomes a
``SettingsError`` that names the variable and what it expects.

Secrets (``SEVA_X_BEARER_TOKEN`` ...) may also come from files in ``SEVA_SECRETS_DIR``
(one file per setting, named like the variable in lower case without the prefix, as
Docker and Kubernetes secrets are mounted).
"""

from __future__ import annotations

import os
import socket
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from pydantic import (
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import SettingsError
from bot.settings_web import WebSettings

ALL_ROLES = ("ingest", "pipeline", "outbox", "sla", "web")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ENV_PREFIX = "SEVA_"
SENTINEL_SCHEME = "redis+sentinel"  # redis+sentinel://[:PW@]h1:p1,h2:p2/MASTER[/DB]

CSV = Annotated[list[str], NoDecode]
HANDLE_TOKEN_FILE = "x_user_access_token_"  # noqa: S105 (a file name: + the handle)


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _default_instance() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class Settings(WebSettings, BaseSettings):
    """Everything configurable about one Seva deployment (the web desk's part: ``WebSettings``)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="ignore",
        frozen=True,
        validate_default=True,
    )

    # --- process ----------------------------------------------------------------------
    roles: CSV = Field(default=list(ALL_ROLES), description="roles this process runs")
    instance_id: str = Field(default_factory=_default_instance)
    log_format: Literal["console", "json"] = "console"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    drain_timeout_s: float = Field(default=8.0, gt=0, le=60)
    heartbeat_interval_s: float = Field(default=2.0, gt=0)
    heartbeat_ttl_s: float = Field(default=10.0, gt=0)
    shared_dir: Path = Path("../shared")

    epoch_check_s: float = Field(
        default=2.0, gt=0, description="while intake is held (Redis amnesia): re-check every"
    )
    recover_docket_margin: int = Field(
        default=100,
        ge=0,
        description="`seva recover` starts dockets this far above the highest one seen on X",
    )
    recover_max_pages: int = Field(
        default=32, ge=1, description="pages of 100 own posts `seva recover` reads (X keeps 3,200)"
    )

    # --- redis ------------------------------------------------------------------------
    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        description=(
            "Redis URL; with requirepass, redis://:PASSWORD@host:port/0 or "
            "redis://USER:PASSWORD@host:port/0 (masked in every log line and in seva status)"
        ),
    )
    redis_password: SecretStr | None = Field(
        default=None,
        description="Redis requirepass for a SEVA_REDIS_URL without one (e.g. a Docker secret)",
    )
    key_prefix: str = Field(default="seva", pattern=r"^[A-Za-z0-9_.\-:]+$")
    redis_backoff_initial_s: float = Field(default=0.5, gt=0)
    redis_backoff_max_s: float = Field(default=10.0, gt=0)

    # --- the ministry's accounts (demo defaults; every deployment sets its own) --------
    account_handle: str = Field(default="MoCI_Seva", pattern=r"^@?\w{1,15}$")
    account_user_id: str | None = Field(default=None, pattern=r"^\d+$")
    watch_handles: CSV = Field(default_factory=list)
    hashtags: CSV = Field(default_factory=lambda: ["mociseva"])
    keywords: CSV = Field(default_factory=list)
    docket_prefix: str = Field(default="MOCI", pattern=r"^[A-Z]{2,8}$")

    # --- X ----------------------------------------------------------------------------
    x_base_url: str = "https://api.twitter.com"
    x_bearer_token: SecretStr | None = None
    x_user_access_token: SecretStr | None = None
    x_reply_restriction: bool = True  # False for Enterprise accounts, which are exempt
    x_handle_tokens: CSV = Field(
        default_factory=list,
        description=(
            "department handles the desk may reply as: HANDLE=FILE pairs, each file holding "
            "that handle's OAuth 2.0 user token (files `x_user_access_token_<handle>` in "
            "SEVA_SECRETS_DIR count too)"
        ),
    )
    secrets_dir: Path | None = Field(
        default=None, description="directory of secret files, one per setting (Docker secrets)"
    )
    _handle_tokens: dict[str, SecretStr] = PrivateAttr(default_factory=dict)

    # --- X adapter: X's reconnect guidance (DESIGN.md), settings so tests scale them down
    x_backoff_network_step_s: float = Field(default=0.25, gt=0)  # linear, per try
    x_backoff_network_max_s: float = Field(default=16.0, gt=0)
    x_backoff_http_initial_s: float = Field(default=5.0, gt=0)  # exponential
    x_backoff_http_max_s: float = Field(default=320.0, gt=0)
    x_backoff_429_initial_s: float = Field(default=60.0, gt=0)  # exponential
    x_backoff_429_max_s: float = Field(default=960.0, gt=0)
    x_stream_keepalive_s: float = Field(
        default=20.0, gt=0, description="X's stream keep-alive interval (a blank line every 20 s)"
    )
    x_stream_read_timeout_s: float = Field(
        default=26.0,
        gt=0,
        description="stream watchdog: reconnect after this long without a byte (> keep-alive)",
    )
    x_stream_payment_retry_s: float = Field(
        default=300.0,
        gt=0,
        description="stream refused (402, usage cap, bad credentials): alarm, retry every",
    )
    x_reconcile_max_pages: int = Field(
        default=10,
        ge=1,
        description="pages of 100 own posts read to find a reply interrupted mid-send",
    )
    x_request_timeout_s: float = Field(default=30.0, gt=0)  # one REST call, end to end
    x_read_retries: int = Field(default=2, ge=0)  # reads only; posts are never re-sent here

    # --- outbox: X's post limits and prices (DESIGN.md), all configurable ---------------
    outbox_limit_15m: int = Field(default=100, ge=1)  # per user; the manage-posts page says 200
    outbox_limit_3h: int = Field(default=300, ge=1)
    outbox_limit_24h: int = Field(default=10_000, ge=1)  # per app
    outbox_fanout_share: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="share of each post window storm fan-out may fill (the rest: answers)",
    )
    outbox_daily_budget_usd: float = Field(default=25.0, ge=0)
    price_post_usd: float = 0.015
    price_post_url_usd: float = 0.20
    price_summoned_reply_usd: float = 0.01
    outbox_pause_s: float = Field(default=300.0, gt=0)  # after credits-depleted / usage-capped
    outbox_retry_initial_s: float = Field(default=5.0, gt=0)
    outbox_retry_max_s: float = Field(default=320.0, gt=0)
    outbox_claim_idle_ms: int = Field(default=60_000, ge=0)

    # --- NLU (the Rasa server; the client arrives with the NLU issue) -------------------
    rasa_urls: CSV = Field(default_factory=lambda: ["http://127.0.0.1:5005"])
    rasa_token: SecretStr | None = Field(
        default=None,
        description=(
            "Rasa's auth token; reaches Rasa by environment, never argv; "
            "`seva nlu serve` refuses to start without it unless --insecure-local"
        ),
    )
    nlu_timeout_s: float = Field(default=3.0, gt=0)  # one parse call, end to end
    nlu_retries: int = Field(default=1, ge=0)  # further rounds over the URL list
    nlu_retry_backoff_s: float = Field(default=0.2, ge=0)
    nlu_breaker_failures: int = Field(
        default=3, ge=1
    )  # failures in a row that open a URL's breaker
    nlu_breaker_reset_s: float = Field(default=10.0, gt=0)  # then one trial call
    nlu_urls_refresh_s: float = Field(default=1.0, gt=0)  # how soon daemons follow a publish
    rasa_venv: Path = Path(".venv-rasa")
    nlu_dir: Path = Path("nlu")

    # --- pipeline ------------------------------------------------------------------------
    nlu_max_wait_s: float = Field(default=600.0, gt=0)  # then a human answers instead
    nlu_retry_s: float = Field(default=5.0, gt=0)
    threshold_faq: float = Field(default=0.55, ge=0, le=1)  # README, "Choosing the thresholds"
    threshold_refer: float = Field(default=0.5, ge=0, le=1)
    threshold_abuse: float = Field(default=0.7, ge=0, le=1)
    threshold_chitchat: float = Field(default=0.7, ge=0, le=1)

    # --- ingest ----------------------------------------------------------------------------
    ingest_stream: bool = True  # False for accounts without filtered-stream access: poll only
    ingest_poll_interval_s: float = Field(
        default=60.0, gt=0
    )  # safety-net polling, also after drops
    ingest_first_lookback_s: float = Field(
        default=3600.0, ge=0
    )  # a first start reads back this far
    ingest_horizon_s: float = Field(default=7 * 24 * 3600.0, gt=0)  # older posts are skipped
    ingest_max_pages: int = Field(default=10, ge=1)  # pages per source per poll (reads cost money)
    ingest_read_budget_per_hour: int = Field(default=5_000, ge=1)  # posts read by polling (billed)
    ingest_silence_alarm_s: float = Field(default=3600.0, gt=0)  # quiet this long is an alarm ...
    ingest_silence_min_daily: int = Field(default=20, ge=1)  # ... when the last day had this many

    # --- tickets and SLA ---------------------------------------------------------------------
    sla_tick_s: float = Field(default=30.0, gt=0)  # how often the SLA leader looks at due times
    tickets_claim_idle_s: float = Field(default=1800.0, gt=0)  # an idle claim returns to the queue
    storm_threshold: float = Field(default=0.5, ge=0, le=1)  # how close a post must be to a storm
    storm_window_h: float = Field(default=24.0, gt=0)  # a storm accepts posts this long
    # Working hours, for departments whose SLA counts only those (``business_hours: true``).
    sla_business_open: str = "09:30"
    sla_business_close: str = "18:00"
    sla_business_days: CSV = Field(default=["mon", "tue", "wed", "thu", "fri"])

    # --- knowledge base: the files `seva kb import` reads and `validate` checks ---------
    kb_dir: Path = Path("faq_kb")
    responses_dir: Path = Path("responses")
    reply_timezone: str = "Asia/Kolkata"  # due times in replies are shown in this zone

    # --- web --------------------------------------------------------------------------
    web_host: str = Field(
        default="127.0.0.1",
        description="address the web role binds (0.0.0.0 in a container, published on loopback)",
    )
    web_port: int = Field(default=8080, ge=0, le=65535)

    @field_validator(
        "roles", "watch_handles", "hashtags", "keywords", "rasa_urls", "sla_business_days",
        "web_origins", "x_handle_tokens", mode="before",
    )  # fmt: skip
    @classmethod
    def _csv(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(ALL_ROLES))
        if unknown:
            raise ValueError(f"unknown role(s) {unknown}; expected some of {list(ALL_ROLES)}")
        if not value:
            raise ValueError(f"at least one of {list(ALL_ROLES)}")
        return value

    @field_validator("sla_business_days")
    @classmethod
    def _day_names(cls, value: list[str]) -> list[str]:
        days = [v.lower()[:3] for v in value]
        unknown = sorted(set(days) - set(WEEKDAYS))
        if unknown or not days:
            raise ValueError(f"comma-separated day names from {', '.join(WEEKDAYS)}")
        return days

    @field_validator("sla_business_open", "sla_business_close")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        try:
            time.fromisoformat(value)
        except ValueError:
            raise ValueError("a time of day such as 09:30") from None
        return value

    @field_validator("account_handle")
    @classmethod
    def _strip_at(cls, value: str) -> str:
        return value.removeprefix("@")

    @field_validator("watch_handles", "hashtags")
    @classmethod
    def _strip_sigils(cls, value: list[str]) -> list[str]:
        return [v.lstrip("@#") for v in value]

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"redis", "rediss", "unix", SENTINEL_SCHEME}:
            raise ValueError(
                "a redis://, rediss://, unix:// or redis+sentinel://h1:p1,h2:p2/MASTER URL"
            )
        if parts.scheme == SENTINEL_SCHEME and not parts.path.strip("/"):
            raise ValueError("a redis+sentinel:// URL names its master: .../MASTER[/DB]")
        return value

    @model_validator(mode="before")
    @classmethod
    def _redis_password_in_url(cls, data: Any) -> Any:
        """Put SEVA_REDIS_PASSWORD into a SEVA_REDIS_URL that has no password of its own."""
        if not isinstance(data, dict) or not data.get("redis_password"):
            return data
        password = data["redis_password"]
        secret = password.get_secret_value() if isinstance(password, SecretStr) else str(password)
        url = str(data.get("redis_url") or cls.model_fields["redis_url"].default)
        parts = urlsplit(url)
        if parts.password is None and parts.scheme != "unix":
            user = quote(parts.username or "", safe="")
            host = parts.netloc.rpartition("@")[2]
            netloc = f"{user}:{quote(secret.strip(), safe='')}@{host}"
            data = {**data, "redis_url": urlunsplit(parts._replace(netloc=netloc))}
        return data

    @model_validator(mode="after")
    def _read_handle_tokens(self) -> Settings:
        """Read the department handles' user tokens (never logged: ``secret_values``)."""
        files: dict[str, Path] = {}
        if self.secrets_dir is not None and self.secrets_dir.is_dir():
            for path in sorted(self.secrets_dir.glob(f"*{HANDLE_TOKEN_FILE}*")):
                # Named as the other secrets are: with or without the seva_ prefix.
                name = path.name.lower().removeprefix(ENV_PREFIX.lower())
                handle = name.removeprefix(HANDLE_TOKEN_FILE)
                if name.startswith(HANDLE_TOKEN_FILE) and handle and path.is_file():
                    files[handle.lstrip("@").lower()] = path
        for pair in self.x_handle_tokens:
            handle, sep, file = pair.partition("=")
            if not sep or not handle.strip() or not file.strip():
                raise ValueError(f"HANDLE=FILE pairs, comma-separated (got {pair!r})")
            files[handle.strip().lstrip("@").lower()] = Path(file.strip())
        for handle, path in files.items():
            try:
                token = path.read_text(encoding="utf-8").strip()
            except OSError as err:
                raise ValueError(f"cannot read the token file of @{handle}: {err}") from None
            if token:
                self._handle_tokens[handle] = SecretStr(token)
        return self

    def handle_tokens(self) -> dict[str, SecretStr]:
        """The user tokens of department handles, by lower-case handle (no ``@``)."""
        return dict(self._handle_tokens)

    @field_validator("x_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("an http(s):// base URL such as https://api.twitter.com")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _watchdog_above_keepalive(self) -> Settings:
        # Equal values race X's keep-alive: an idle stream would reconnect every half-minute.
        if self.x_stream_read_timeout_s <= self.x_stream_keepalive_s:
            msg = (
                f"must be above SEVA_X_STREAM_KEEPALIVE_S ({self.x_stream_keepalive_s}), "
                f"or an idle stream reconnects (got {self.x_stream_read_timeout_s})"
            )
            raise SettingsError([(ENV_PREFIX + "X_STREAM_READ_TIMEOUT_S", msg)])
        return self

    @property
    def x_is_loopback(self) -> bool:
        """Whether X is the local emulator."""
        host = urlsplit(self.x_base_url).hostname or ""
        return host in {"localhost", "::1"} or host.startswith("127.")

    @property
    def handles(self) -> list[str]:
        """Every handle the desk watches: the replying account first."""
        seen = [self.account_handle]
        seen += [h for h in self.watch_handles if h.lower() != self.account_handle.lower()]
        return seen

    def own_tags(self) -> list[str]:
        """The desk's own ``@handle`` and ``#hashtags``, lower case (no department's)."""
        return [f"@{self.account_handle.lower()}", *(f"#{t.lower()}" for t in self.hashtags)]

    def require_x_credentials(self) -> None:
        """Raise ``SettingsError`` if the real X API is configured without a token.

        The emulator on loopback needs no real credentials. Checked where an X client is
        built (``bot.app.x_client``, ``seva recover``), so a process whose roles never talk
        to X (``--roles sla``, ``web``) and ``seva status`` need no token.
        """
        if not self.x_is_loopback and self.x_bearer_token is None:
            raise SettingsError(
                [
                    (
                        ENV_PREFIX + "X_BEARER_TOKEN",
                        (
                            f"required when SEVA_X_BASE_URL ({self.x_base_url}) is not loopback; "
                            "set it, or point SEVA_X_BASE_URL at the emulator"
                        ),
                    )
                ]
            )

    def secret_values(self) -> list[str]:
        """The raw values of every secret, so the log masker can hide them anywhere."""
        values = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr) and value.get_secret_value():
                values.append(value.get_secret_value())
        values += [t.get_secret_value() for t in self._handle_tokens.values()]
        if password := urlsplit(self.redis_url).password:
            values.extend({password, unquote(password)})
        return values


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def _problems(err: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for e in err.errors():
        loc = [str(p) for p in e["loc"] if p != "__root__"]
        var = ENV_PREFIX + loc[0].upper() if loc else "configuration"
        msg = e["msg"].removeprefix("Value error, ")
        given = e.get("input")
        if isinstance(given, str) and "://" in given:
            given = _without_password(given)
        if loc and isinstance(given, str | int | float):
            msg += f" (got {given!r})"
        problems.append((var, msg))
    return problems


def load_settings(**overrides: Any) -> Settings:
    """Build the settings from the environment (and overrides); raise ``SettingsError``."""
    secrets_dir = os.environ.get(ENV_PREFIX + "SECRETS_DIR")
    try:
        if secrets_dir:
            if not Path(secrets_dir).is_dir():
                raise SettingsError([(ENV_PREFIX + "SECRETS_DIR", f"no directory {secrets_dir}")])
            return Settings(_secrets_dir=secrets_dir, **overrides)
        return Settings(**overrides)
    except ValidationError as err:
        raise SettingsError(_problems(err)) from None
