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
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import SettingsError
from bot.settings_desk import CSV, DeskSettings
from bot.settings_web import WebSettings
from bot.settings_x import XSettings

ALL_ROLES = ("ingest", "pipeline", "outbox", "sla", "web")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ENV_PREFIX = "SEVA_"
SENTINEL_SCHEME = "redis+sentinel"  # redis+sentinel://[:PW@]h1:p1,h2:p2/MASTER[/DB]

HANDLE_TOKEN_FILE = "x_user_access_token_"  # noqa: S105 (a file name: + the handle)


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _default_instance() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class Settings(WebSettings, DeskSettings, XSettings, BaseSettings):
    """The process, Redis, the ministry's accounts, the files and the web listener.

    Everything configurable about one Seva deployment: the rest comes from its parts, X and
    the outbox (``XSettings``), the NLU, pipeline, ingest, tickets and SLA
    (``DeskSettings``), and the web desk and its users (``WebSettings``).
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="ignore",
        frozen=True,
        validate_default=True,
    )

    # --- process ----------------------------------------------------------------------
    roles: CSV = Field(default=list(ALL_ROLES), description="roles this process runs")
    instance_id: str = Field(
        default_factory=_default_instance,
        description=(
            "this process's name in heartbeats, leases and consumer groups "
            "(default: hostname-pid); unique per running daemon"
        ),
    )
    log_format: Literal["console", "json"] = Field(
        default="console", description="`console` (for people) or `json` (JSON lines)"
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="the lowest level logged"
    )
    drain_timeout_s: float = Field(
        default=8.0,
        gt=0,
        le=60,
        description=(
            "after SIGTERM, how long the roles may finish what they hold before the rest is "
            "cancelled"
        ),
    )
    heartbeat_interval_s: float = Field(
        default=2.0,
        gt=0,
        description="how often each role writes its heartbeat (`seva status` reads it)",
    )
    heartbeat_ttl_s: float = Field(
        default=10.0,
        gt=0,
        description=(
            "a heartbeat not renewed this long counts the role down; a role that crashed "
            "counts down until it has run this long again"
        ),
    )
    shared_dir: Path = Field(
        default=Path("../shared"),
        description=(
            "the shared/ folder beside the checkout; nothing in the desk reads this setting "
            "(the tests find their fixtures through the variable SEVA_SHARED_DIR)"
        ),
    )

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
            "redis://USER:PASSWORD@host:port/0 (masked in every log line and in seva status); "
            "Sentinel: redis+sentinel://h1:p1,h2:p2/MASTER[/DB]"
        ),
    )
    redis_max_connections: int = Field(
        default=500,
        ge=4,
        description=(
            "Redis connections one process may open; past it a command waits for a free one "
            "(SEVA_REDIS_POOL_WAIT_S), never fails at once (redis-py's own default is 100)"
        ),
    )
    redis_pool_wait_s: float = Field(
        default=5.0,
        gt=0,
        description="how long a command waits for a free Redis connection before it fails",
    )
    redis_password: SecretStr | None = Field(
        default=None,
        description="Redis requirepass for a SEVA_REDIS_URL without one (e.g. a Docker secret)",
    )
    key_prefix: str = Field(
        default="seva",
        pattern=r"^[A-Za-z0-9_.\-:]+$",
        description=(
            "every Redis key starts with it, so a demo or test run on a shared Redis sees only its "
            "own"
        ),
    )
    redis_backoff_initial_s: float = Field(
        default=0.5,
        gt=0,
        description="Redis not answering (at start, or gone under a role): retry after",
    )
    redis_backoff_max_s: float = Field(default=10.0, gt=0, description="... doubling up to")

    # --- the ministry's accounts (demo defaults; every deployment sets its own) --------
    account_handle: str = Field(
        default="MoCI_Seva",
        pattern=r"^@?\w{1,15}$",
        description="the ministry's X account: the desk follows its @mentions and replies as it",
    )
    account_user_id: str | None = Field(
        default=None,
        pattern=r"^\d+$",
        description="that account's numeric X id; unset: asked of X (users/me) at start",
    )
    watch_handles: CSV = Field(
        default_factory=list,
        description=(
            "more handles, comma-separated (read into `Settings.handles`, but no role follows "
            "them yet: the rules and polling use the account, hashtags, keywords and departments)"
        ),
    )
    hashtags: CSV = Field(
        default_factory=lambda: ["mociseva"],
        description=(
            "the desk's own hashtags, followed by the stream and recent search; a post that only "
            "uses one (no @mention) is answered by hand (X's reply rule)"
        ),
    )
    keywords: CSV = Field(
        default_factory=list,
        description="phrases followed by the stream and recent search, as the hashtags are",
    )
    docket_prefix: str = Field(
        default="MOCI",
        pattern=r"^[A-Z]{2,8}$",
        description="dockets read PREFIX-YYYY-NNNNNN (2 to 8 capital letters)",
    )

    # --- replying as department handles ------------------------------------------
    x_handle_tokens: CSV = Field(
        default_factory=list,
        description=(
            "department handles the desk may reply as: `HANDLE=FILE` pairs, each file holding "
            "that handle's OAuth 2.0 user token (files `x_user_access_token_<handle>` in "
            "`SEVA_SECRETS_DIR` count too); never logged"
        ),
    )
    secrets_dir: Path | None = Field(
        default=None, description="directory of secret files, one per setting (Docker secrets)"
    )
    _handle_tokens: dict[str, SecretStr] = PrivateAttr(default_factory=dict)

    # --- knowledge base: the files `seva kb import` reads and `validate` checks ---------
    kb_dir: Path = Field(
        default=Path("faq_kb"),
        description="the knowledge-base files `seva kb validate/import` read",
    )
    responses_dir: Path = Field(default=Path("responses"), description="the reply templates")
    reply_timezone: str = Field(
        default="Asia/Kolkata", description="the zone due times are shown in, in replies"
    )
    report_timezone: str = Field(
        default="Asia/Kolkata",
        description="the zone whose calendar days the SLA reports count tickets by",
    )

    # --- web --------------------------------------------------------------------------
    web_host: str = Field(
        default="127.0.0.1",
        description="address the web role binds (0.0.0.0 in a container, published on loopback)",
    )
    web_port: int = Field(
        default=8080, ge=0, le=65535, description="port the web role listens on (0: any free port)"
    )

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

    @field_validator("reply_timezone", "report_timezone")
    @classmethod
    def _zone_name(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("an IANA time zone such as Asia/Kolkata") from None
        return value

    @property
    def report_zone(self) -> ZoneInfo:
        """The zone of the reports' calendar days."""
        return ZoneInfo(self.report_timezone)

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

    @classmethod
    def secret_fields(cls) -> list[str]:
        """The names of the settings that hold secrets (tokens, passwords)."""
        typed = [n for n, f in cls.model_fields.items() if "SecretStr" in str(f.annotation)]
        return [*typed, "x_handle_tokens"]  # handle=token pairs, read into SecretStr

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
