"""The daemon's client for Rasa's ``POST /model/parse``: timeouts, retries, a breaker.

- Calls are spread over a list of Rasa URLs (round robin). The live list is read from
  Redis (``Keys.nlu_urls``, written by ``seva nlu publish``) so every daemon follows a
  blue/green switch within ``nlu_urls_refresh_s``; the configured ``SEVA_RASA_URLS`` are the
  default when Redis holds none.
- Each URL has a circuit breaker: after ``nlu_breaker_failures`` failures in a row it is
  skipped for ``nlu_breaker_reset_s``, then one trial call decides. With every breaker
  open the client fails at once with ``NLUUnavailableError``, and the pipeline leaves the
  post waiting in the inbox instead of hammering a dead server.
- The token travels as Rasa's ``?token=`` parameter; it is never logged (the log masker
  strips ``token=`` values too).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol

import aiohttp
import structlog
from redis.asyncio import Redis

from bot.clock import Clock
from bot.errors import NLUError, NLUUnavailableError
from bot.keys import Keys
from bot.settings import Settings

log = structlog.get_logger("nlu")

_HTTP_OK = 200


@dataclass
class Breaker:
    """A circuit breaker for one URL."""

    failures: int = 0
    open_until: float = 0.0

    def available(self, now: float) -> bool:
        """Closed, or open long enough for a trial call."""
        return now >= self.open_until

    def record(self, *, ok: bool, now: float, threshold: int, reset_s: float) -> None:
        """Count a call's outcome; open after ``threshold`` failures in a row."""
        if ok:
            self.failures, self.open_until = 0, 0.0
            return
        self.failures += 1
        if self.failures >= threshold:
            self.open_until = now + reset_s


@dataclass(frozen=True)
class Parse:
    """Rasa's answer for one text."""

    intent: str
    confidence: float
    ranking: list[tuple[str, float]]
    url: str


class NLUClient(Protocol):
    """What the desk asks of the NLU: one parse per text (served by ``RasaClient``)."""

    async def parse(self, text: str) -> Parse:
        """Intent, confidence and ranking; raises ``NLUUnavailableError`` while none answers."""
        ...

    async def close(self) -> None:
        """Release the connections."""
        ...


class RasaClient:
    """Parses texts through one or more Rasa servers (an ``NLUClient``)."""

    def __init__(
        self, settings: Settings, clock: Clock, redis: Redis | None = None, keys: Keys | None = None
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._redis = redis
        self._keys = keys
        self._urls: list[str] = list(settings.rasa_urls)
        self._urls_read_at = float("-inf")
        self._next = 0
        self._breakers: dict[str, Breaker] = {}
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self._settings.nlu_timeout_s)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session

    async def urls(self, *, force: bool = False) -> list[str]:
        """The live URL list (Redis first, then settings), re-read at most every refresh."""
        now = self._clock.monotonic()
        due = force or now - self._urls_read_at >= self._settings.nlu_urls_refresh_s
        if self._redis is not None and self._keys is not None and due:
            self._urls_read_at = now
            try:
                raw = await self._redis.get(self._keys.nlu_urls)
            except Exception:  # Redis down: keep the last list we had
                raw = None
            if raw:
                self._urls = [u for u in json.loads(raw) if u]
        return self._urls

    def _order(self, urls: list[str]) -> list[str]:
        if not urls:
            return []
        start = self._next % len(urls)
        self._next += 1
        return urls[start:] + urls[:start]

    async def parse(self, text: str) -> Parse:
        """Parse ``text``; raise ``NLUUnavailableError`` when no server answers."""
        attempts = self._settings.nlu_retries + 1
        last: Exception | None = None
        for attempt in range(attempts):
            urls = await self.urls(force=attempt > 0)
            now = self._clock.monotonic()
            candidates = [u for u in self._order(urls) if self._breaker(u).available(now)]
            if not candidates:
                msg = "every NLU server is failing (circuit open)"
                raise NLUUnavailableError(msg)
            for url in candidates:
                try:
                    result = await self._call(url, text)
                except NLUUnavailableError as err:
                    last = err
                    self._record(url, ok=False)
                    continue
                self._record(url, ok=True)
                return result
            if attempt + 1 < attempts:
                await asyncio.sleep(self._settings.nlu_retry_backoff_s * (attempt + 1))
        msg = f"no NLU server answered after {attempts} attempt(s): {last}"
        raise NLUUnavailableError(msg)

    def _breaker(self, url: str) -> Breaker:
        return self._breakers.setdefault(url, Breaker())

    def _record(self, url: str, *, ok: bool) -> None:
        breaker = self._breaker(url)
        was_open = breaker.failures >= self._settings.nlu_breaker_failures
        breaker.record(
            ok=ok,
            now=self._clock.monotonic(),
            threshold=self._settings.nlu_breaker_failures,
            reset_s=self._settings.nlu_breaker_reset_s,
        )
        if not ok and breaker.failures == self._settings.nlu_breaker_failures:
            log.warning("nlu circuit opened", url=url, reset_s=self._settings.nlu_breaker_reset_s)
        elif ok and was_open:
            log.info("nlu circuit closed", url=url)

    async def _call(self, url: str, text: str) -> Parse:
        params = {}
        if self._settings.rasa_token is not None:
            params["token"] = self._settings.rasa_token.get_secret_value()
        try:
            async with self._http().post(
                f"{url}/model/parse", params=params, json={"text": text}
            ) as resp:
                if resp.status != _HTTP_OK:
                    body = (await resp.text())[:200]
                    msg = f"{url} answered {resp.status}: {body}"
                    if resp.status == HTTPStatus.BAD_REQUEST:
                        raise NLUError(msg)  # this text, not the server: a human reads it
                    # 401/403 (a wrong token) is a configuration fault: posts wait and the
                    # breaker opens, exactly as for an outage, until someone fixes it.
                    raise NLUUnavailableError(msg)
                data: dict[str, Any] = await resp.json()
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            msg = f"{url}: {type(err).__name__}"
            raise NLUUnavailableError(msg) from None
        intent = data.get("intent") or {}
        ranking = [
            (str(r.get("name")), float(r.get("confidence", 0.0)))
            for r in data.get("intent_ranking") or []
        ]
        return Parse(
            intent=str(intent.get("name") or "out_of_scope"),
            confidence=float(intent.get("confidence") or 0.0),
            ranking=ranking,
            url=url,
        )
