"""The Redis connection: one client per process, built from settings, resilient to restarts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import unquote, urlsplit

import redis.asyncio as aioredis
import structlog
from redis.asyncio.sentinel import Sentinel
from redis.exceptions import AuthenticationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.clock import Clock
from bot.errors import StoreAuthError
from bot.retry import Backoff
from bot.settings import SENTINEL_SCHEME, Settings

T = TypeVar("T")
Redis = aioredis.Redis

# What "Redis went away" looks like from redis-py; anything else is a real bug.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)

log = structlog.get_logger("store")


def auth_error(exc: AuthenticationError, redis: Redis) -> StoreAuthError:
    """The named error for Redis refusing our credentials; it never carries the password."""
    kwargs = redis.connection_pool.connection_kwargs
    where = f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}"
    given = "no password was given" if not kwargs.get("password") else "the password was wrong"
    return StoreAuthError(
        f"Redis at {where} refused the connection ({given}: {type(exc).__name__}); put its "
        "requirepass in SEVA_REDIS_URL (redis://:PASSWORD@host:port/0, or redis://USER:"
        "PASSWORD@...) or in SEVA_REDIS_PASSWORD"
    )


class SentinelRedis(aioredis.Redis):
    """A client of the master that Redis Sentinel names; closing it closes the sentinels."""

    watchers: Sentinel | None = None

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        """Close the master's pool and the connections to every sentinel."""
        await super().aclose(close_connection_pool)
        if self.watchers is not None:
            for client in self.watchers.sentinels:
                await client.aclose()


# redis-py's Sentinel constructor carries no annotations; this gives mypy its type.
_new_sentinel: Callable[..., Sentinel] = Sentinel


def _sentinel_master(url: str) -> Redis:
    """The master of ``redis+sentinel://[:PW@]h1:p1,h2:p2/MASTER[/DB]``.

    After a failover the pool asks the sentinels again on the next connection, so the
    roles' usual "Redis went away, wait and retry" path follows the new master.
    """
    parts = urlsplit(url)
    hosts = parts.netloc.rpartition("@")[2]
    sentinels = [(h, int(p)) for h, _, p in (a.rpartition(":") for a in hosts.split(","))]
    name, _, db = parts.path.strip("/").partition("/")
    watchers = _new_sentinel(
        sentinels, sentinel_kwargs={"socket_timeout": 2.0, "decode_responses": True}
    )
    client: SentinelRedis = watchers.master_for(
        name,
        redis_class=SentinelRedis,
        db=int(db or 0),
        password=unquote(parts.password) if parts.password else None,
        username=unquote(parts.username) if parts.username else None,
        decode_responses=True,
        socket_connect_timeout=2.0,
        socket_timeout=None,
        health_check_interval=15,
        retry_on_timeout=False,
    )
    client.watchers = watchers
    return client


def connect(url: str, *, max_connections: int | None = None, wait_s: float | None = None) -> Redis:
    """Return a client; it connects lazily and reconnects on the next command.

    Its pool opens at most ``max_connections`` (``SEVA_REDIS_MAX_CONNECTIONS``); a command
    that finds them all busy waits up to ``wait_s`` for one rather than failing at once,
    so a burst (200 live queues rechecking their sessions together) queues, not errors.
    """
    if urlsplit(url).scheme == SENTINEL_SCHEME:
        return _sentinel_master(url)
    fields = Settings.model_fields
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections or fields["redis_max_connections"].default,
        timeout=wait_s or fields["redis_pool_wait_s"].default,
        decode_responses=True,
        socket_connect_timeout=2.0,
        socket_timeout=None,  # blocking XREADGROUP calls set their own bound
        health_check_interval=15,
        retry_on_timeout=False,
    )
    return aioredis.Redis.from_pool(pool)


async def wait_ready(
    redis: Redis,
    backoff: Backoff,
    clock: Clock,
    stop: asyncio.Event | None = None,
) -> bool:
    """Ping until Redis answers (True) or ``stop`` is set (False), logging each failure.

    Raise ``StoreAuthError`` at once if Redis refuses our credentials: waiting cannot help.
    """
    while stop is None or not stop.is_set():
        try:
            await redis.ping()
        except AuthenticationError as exc:
            raise auth_error(exc, redis) from None
        except REDIS_DOWN as exc:
            delay = backoff.next()
            log.warning(
                "redis unreachable, retrying",
                error=str(exc) or type(exc).__name__,
                retry_in_s=round(delay, 2),
                attempt=backoff.attempts,
            )
            await sleep_or_stop(clock, delay, stop)
        else:
            if backoff.attempts:
                log.info("redis reachable again", after_attempts=backoff.attempts)
            backoff.reset()
            return True
    return False


async def resilient(
    op: Callable[[], Awaitable[T]],
    redis: Redis,
    backoff: Backoff,
    clock: Clock,
    stop: asyncio.Event,
) -> T | None:
    """Run ``op``; if Redis is down, wait until it is back and try again. None if stopped."""
    while not stop.is_set():
        try:
            result = await op()
        except REDIS_DOWN as exc:
            log.warning("redis operation failed; waiting for redis", error=str(exc))
            if not await wait_ready(redis, backoff, clock, stop):
                return None
        else:
            backoff.reset()
            return result
    return None


async def sleep_or_stop(clock: Clock, delay: float, stop: asyncio.Event | None) -> None:
    """Sleep ``delay`` on ``clock``, returning early when ``stop`` is set."""
    if stop is None:
        await clock.sleep(delay)
        return
    sleeper = asyncio.ensure_future(clock.sleep(delay))
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in (sleeper, stopper):
            t.cancel()
