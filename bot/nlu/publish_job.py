"""A publish started from the browser: one at a time, in the background, its stages in Redis.

``PublishJobs.start`` takes the publish lease (``Keys.kb("publish", "lease")``, held by the
job's id and renewed while it runs) or refuses with who holds it; then runs
``Publisher.publish`` as a task of the web process. Every stage the publisher reports
(train, evaluate, gate, start, switch, stop) is appended to the job's stream, which the
page follows over server-sent events; the job's record says how it ended (published,
refused by the gate with the reasons, or failed). An admin may publish over a refusal only
with a typed reason, which the audit log keeps. A web process that dies mid-publish stops
renewing the lease, so the next publish can start once it expires, and the job shows as
interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import Callable
from typing import Any

import structlog
from redis.asyncio import Redis

from bot.audit import AuditLog
from bot.clock import Clock
from bot.errors import KBError, NLUError, SevaError
from bot.kb.source import RedisKB
from bot.keys import Keys
from bot.lease import Lease
from bot.nlu.publish import Publisher

log = structlog.get_logger("publish")

LEASE_MS = 60_000
EVENTS_KEPT = 500  # stage entries per job


class PublishBusyError(SevaError):
    """Another publish holds the lease."""


class PublishJobs:
    """Starts publishes and reads their stages back."""

    def __init__(
        self, redis: Redis, keys: Keys, clock: Clock, *, publisher: Callable[[], Publisher],
        port: Callable[[], int], audit: AuditLog,
    ) -> None:  # fmt: skip
        self._redis, self._keys, self._clock = redis, keys, clock
        self._publisher, self._port, self._audit = publisher, port, audit
        self._tasks: set[asyncio.Task[None]] = set()

    def _key(self, job: str, *part: str) -> str:
        return self._keys.kb("publish", job, *part)

    async def start(self, who: str, *, override: str | None = None) -> str:
        """Start a publish as ``who``; ``override`` (a reason) publishes over a refusal."""
        job = secrets.token_hex(6)
        lease = Lease(self._redis, self._keys.kb("publish", "lease"), job, LEASE_MS)
        if not await lease.acquire():
            holder = await lease.current_holder()
            raise PublishBusyError(f"a publish is already running (job {holder})")
        record: dict[Any, Any] = {
            "job": job, "by": who, "state": "running", "started": self._clock.now().isoformat(),
            "override": override or "",
        }  # fmt: skip
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._key(job), mapping=record)
            pipe.set(self._keys.kb("publish", "latest"), job)
            await pipe.execute()
        await self._audit.record(who, "nlu.publish", job, override=override or None)
        task = asyncio.create_task(self._run(job, lease, override))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    async def _stage(self, job: str, name: str, status: str, detail: dict[str, Any]) -> None:
        await self._redis.xadd(
            self._key(job, "events"),
            {"stage": name, "status": status, "detail": json.dumps(detail, default=str)},
            maxlen=EVENTS_KEPT,
            approximate=True,
        )

    async def _renew(self, lease: Lease) -> None:
        while True:
            await asyncio.sleep(LEASE_MS / 3000)
            await lease.renew()

    async def _run(self, job: str, lease: Lease, override: str | None) -> None:
        renewing = asyncio.create_task(self._renew(lease))

        async def stage(name: str, status: str, detail: dict[str, Any]) -> None:
            await self._stage(job, name, status, detail)

        end: dict[Any, Any] = {}
        try:
            kb = await RedisKB(self._redis, self._keys).load()
            published = await self._publisher().publish(
                kb, self._port(), force=bool(override), stage=stage
            )
            end = {"state": "published", "model": published.model, "url": published.url}
        except (NLUError, KBError) as err:
            refused = str(err).startswith("refusing to publish")
            end = {"state": "refused" if refused else "failed", "reason": str(err)}
        except Exception as err:
            log.exception("publish failed", job=job)
            end = {"state": "failed", "reason": f"{type(err).__name__}: {err}"}
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            end["finished"] = self._clock.now().isoformat()
            await self._redis.hset(self._key(job), mapping=end)
            await self._stage(job, "end", end.get("state", "failed"), end)
            await lease.release()

    async def job(self, job: str) -> dict[str, str] | None:
        """The job's record, with ``interrupted`` for one whose process stopped renewing."""
        raw: Any = await self._redis.hgetall(self._key(job))
        if not raw:
            return None
        record = {str(k): str(v) for k, v in raw.items()}
        if record.get("state") == "running":
            holder = await Lease(
                self._redis, self._keys.kb("publish", "lease"), job, LEASE_MS
            ).current_holder()
            if holder != job:
                record["state"] = "interrupted"
        return record

    async def latest(self) -> str | None:
        """The newest job's id."""
        raw = await self._redis.get(self._keys.kb("publish", "latest"))
        return str(raw) if raw else None

    async def events(
        self, job: str, after: str = "0-0", block_ms: int | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        """The job's stage entries after stream id ``after`` (waiting up to ``block_ms``)."""
        key = self._key(job, "events")
        if block_ms is None:
            rows: Any = await self._redis.xrange(key, f"({after}" if after != "0-0" else "-", "+")
            return [(str(i), _entry(f)) for i, f in rows]
        found: Any = await self._redis.xread({key: after}, block=block_ms, count=50)
        return [(str(i), _entry(f)) for _, entries in found for i, f in entries]


def _entry(fields: dict[Any, Any]) -> dict[str, Any]:
    f = {str(k): str(v) for k, v in fields.items()}
    return {"stage": f["stage"], "status": f["status"], "detail": json.loads(f["detail"])}
