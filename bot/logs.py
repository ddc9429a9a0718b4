"""structlog set-up: JSON lines in production, a readable console in development.

Every rendered line passes through ``Masker`` last, after tracebacks have been turned
into text, so secrets and personal data are hidden wherever they appear: in the event,
in any field, in exception messages and tracebacks, and in URLs (Rasa's ``?token=``).
Post ids and dockets survive, because ``bot.pii`` never matches inside them.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from bot import pii
from bot.textsafe import terminal

MASK = "***"
# Shorter "secrets" (e.g. a test token "x") would mask ordinary words everywhere.
MIN_SECRET_LEN = 4

# Credentials that look like credentials, whatever their value.
_URL_SECRET = re.compile(
    r"(?i)([?&;](?:token|access_token|auth_token|api_key|apikey|key|secret|password)=)[^&\s#\"']+"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=%\-]{8,}")
_AUTH_HEADER = re.compile(r"(?i)(['\"]?authorization['\"]?\s*[:=]\s*['\"]?)[^'\"\n,}]+")
_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.\-]*://[^:/@\s]*:)[^@/\s]+(@)")
_SECRET_KEYS = re.compile(r"(?i)(token|secret|password|authorization|api_key|cookie)")


class Masker:
    """Hides secrets and personal data in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = sorted(
            {s for s in secrets if len(s) >= MIN_SECRET_LEN}, key=len, reverse=True
        )

    def text(self, value: str) -> str:
        """Return ``value`` with every secret and piece of personal data masked."""
        for secret in self._secrets:
            value = value.replace(secret, MASK)
        value = _URL_SECRET.sub(rf"\g<1>{MASK}", value)
        value = _USERINFO.sub(rf"\g<1>{MASK}\g<2>", value)
        value = _AUTH_HEADER.sub(rf"\g<1>{MASK}", value)
        value = _BEARER.sub(rf"\g<1>\g<2>{MASK}", value)
        return pii.mask(value)

    def value(self, value: Any, key: str = "") -> Any:
        """Mask a log field of any shape, recursing into containers."""
        if isinstance(value, str):
            if key and _SECRET_KEYS.search(key) and value:
                return MASK
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: self.value(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self.value(v, key) for v in value]
        if isinstance(value, int | float | bool) or value is None:
            return value
        # Anything else (exceptions, URLs, pydantic models) is rendered and masked as text.
        return self.text(str(value))

    def __call__(self, _logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
        """Act as the structlog processor."""
        return {k: self.value(v, k) for k, v in event.items()}


def _processors(masker: Masker) -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        # Tracebacks become text *before* masking, so their contents are masked too.
        structlog.processors.format_exc_info,
        masker,
    ]


def configure(
    *,
    fmt: str,  # SEVA_LOG_FORMAT
    level: str,  # SEVA_LOG_LEVEL
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> Masker:
    """Configure structlog and the stdlib root logger; return the masker in use."""
    masker = Masker(secrets)
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else _TerminalSafe(
            structlog.dev.ConsoleRenderer(colors=False, exception_formatter=_plain_exc)
        )
    )
    shared = _processors(masker)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    # Third-party stdlib logs (aiohttp, redis, asyncio) go through the same masking.
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    return masker


class _TerminalSafe:
    """A console renderer that shows a post's control characters instead of obeying them.

    JSON lines need no such wrapper: JSON escapes them by itself.
    """

    def __init__(self, inner: Processor) -> None:
        self._inner = inner

    def __call__(self, logger: WrappedLogger, name: str, event: EventDict) -> str:
        return terminal(str(self._inner(logger, name, event)))


def _plain_exc(sio: TextIO, exc_info: Any) -> None:
    # format_exc_info already rendered (and masked) the traceback; never re-render it raw.
    del exc_info
    sio.write("")


def bind(**fields: Any) -> None:
    """Bind fields (role, post_id, docket) to every line logged from this task."""
    structlog.contextvars.bind_contextvars(**fields)


def get(name: str | None = None, **fields: Any) -> Any:
    """Return a logger, optionally bound to ``fields``."""
    return structlog.get_logger(name).bind(**fields)


def scrub_mapping(masker: Masker, data: MutableMapping[str, Any]) -> dict[str, Any]:
    """Mask a mapping outside logging (e.g. before showing it in ``seva status``)."""
    return {k: masker.value(v, k) for k, v in data.items()}
