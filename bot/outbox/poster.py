"""Posting one reply job exactly once.

State in ``keys.reply(job_id)`` moves pending -> sending -> sent (or failed). Each part of a
thread is recorded as soon as X accepts it, so a crash mid-thread resumes at the next part.
A job found ``sending`` was interrupted mid-send: before anything is re-posted, the reply
is looked up on X. A 403 duplicate counts as "already sent" only for such a job, and only
when the lookup then finds the reply; otherwise it is a failure a human must see.

A job with an ``account`` (a department handle the citizen summoned) posts with that
handle's client (its user token); without one configured, it fails for good as
``no_token`` and the ticket goes to an officer for a hand reply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

import structlog
from redis.asyncio import Redis

from bot.alarms import clear_alarm, raise_alarm
from bot.clock import Clock
from bot.errors import (
    CreditsDepletedError,
    DuplicateContentError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    ReplyNotAllowedError,
    TargetGoneError,
    UnauthorizedError,
    UsageCappedError,
    XError,
)
from bot.keys import Keys
from bot.outbox.budget import PostBudget, price_of
from bot.outbox.jobs import Priority, ReplyJob, ReplyState
from bot.retry import Backoff
from bot.settings import Settings
from bot.streams import Defer
from bot.x.models import XClient

log = structlog.get_logger("outbox")

OnBlocked = Callable[[ReplyJob, str], Awaitable[None]]


class Poster:
    """Posts reply jobs through the X port, within the shared budget, exactly once."""

    def __init__(
        self,
        *,
        redis: Redis,
        keys: Keys,
        x: XClient,
        budget: PostBudget,
        clock: Clock,
        settings: Settings,
        on_blocked: OnBlocked | None = None,
        accounts: Mapping[str, XClient] | None = None,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._x = x
        self._accounts = {h.lower(): c for h, c in (accounts or {}).items()}
        self._budget = budget
        self._clock = clock
        self._s = settings
        self._on_blocked = on_blocked
        self._backoff = Backoff(settings.outbox_retry_initial_s, settings.outbox_retry_max_s)
        self.posted = 0
        self.failed = 0

    async def handle(self, _entry_id: str, fields: dict[str, str]) -> None:
        """Stream handler: post the job in ``fields``; raise Defer to retry it later."""
        job = ReplyJob.from_fields(fields)
        structlog.contextvars.bind_contextvars(job=job.job_id, docket=job.docket)
        try:
            await self.post(job)
        finally:
            structlog.contextvars.unbind_contextvars("job", "docket")

    async def post(self, job: ReplyJob) -> None:
        """Post every part of ``job`` not yet posted."""
        key = self._keys.reply(job.job_id)
        st = await self._redis.hgetall(key)
        if st.get("state") in {ReplyState.SENT, ReplyState.FAILED}:
            return  # a redelivered entry whose job already finished
        ids = [str(st[f"id_{i}"]) for i in range(int(st.get("parts_sent", 0)))]
        interrupted = (
            int(st["sending_part"])
            if st.get("state") == ReplyState.SENDING and "sending_part" in st
            else None
        )
        x = self._client(job)
        if x is None:
            await self._fail(job, f"no user token for @{job.account}", code="no_token")
            if self._on_blocked:
                await self._on_blocked(job, "no_token")
            return
        for i in range(len(ids), len(job.parts)):
            parent = job.in_reply_to if i == 0 else ids[i - 1]
            try:
                reply_id = await self._post_part(job, i, parent, reconcile=interrupted == i, x=x)
            except Defer as wait:
                # The desk shows an officer why their answer waits, and until when.
                retry_at = self._clock.time() + wait.delay_s
                await self._redis.hset(key, mapping={"waiting": wait.reason, "retry_at": retry_at})
                raise
            if reply_id is None:
                return  # failed for good; recorded
            ids.append(reply_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"state": ReplyState.SENT, "sent_at": self._clock.time()})
            pipe.hdel(key, "waiting", "retry_at")
            await pipe.execute()
        log.info("reply sent", parts=len(ids), first_id=ids[0] if ids else None)

    def _client(self, job: ReplyJob) -> XClient | None:
        """The client that posts ``job``: the desk's, or its department handle's (or None)."""
        if job.account is None:
            return self._x
        return self._accounts.get(job.account.lstrip("@").lower())

    async def _post_part(
        self, job: ReplyJob, i: int, parent: str, *, reconcile: bool, x: XClient | None = None
    ) -> str | None:
        x = x or self._x
        text = job.parts[i]
        if reconcile:
            found = await x.find_reply(parent, text)
            if found is not None:
                log.info("reconciled: reply was already on X", part=i, reply_id=found.id)
                await self._record(job, i, found.id, cost=0.0)
                return found.id
        # Only the first part answers the citizen; the rest reply to the desk's own post.
        cost = price_of(text, summoned=i == 0, settings=self._s)
        verdict = await self._budget.check(cost, fanout=job.priority is Priority.LOW)
        if not verdict.ok:
            raise Defer(verdict.wait_s, f"outbox waiting: {verdict.reason}")
        await self._redis.hset(
            self._keys.reply(job.job_id),
            mapping={"state": ReplyState.SENDING, "sending_part": i},
        )
        try:
            posted = await x.create_reply(text, parent)
        except XError as exc:
            return await self._on_error(x, exc, job, i, parent, reconcile=reconcile)
        self._backoff.reset()
        await self._record(job, i, posted.id, cost=cost)
        for name in ("outbox_creditsdepleted", "outbox_usagecapped", "outbox_unauthorized"):
            await clear_alarm(self._redis, self._keys, name)
        return posted.id

    async def _on_error(
        self, x: XClient, exc: XError, job: ReplyJob, i: int, parent: str, *, reconcile: bool
    ) -> str | None:
        """Decide by the error's type: record a failure (None), a found reply, or Defer."""
        if isinstance(exc, DuplicateContentError):
            found = await x.find_reply(parent, job.parts[i]) if reconcile else None
            if found is not None:
                await self._record(job, i, found.id, cost=0.0)
                return found.id
            await self._fail(
                job, "duplicate content: reply text was not unique to its target", code="duplicate"
            )
            return None
        if isinstance(exc, ReplyNotAllowedError):
            await self._fail(
                job, "reply not allowed: the author did not summon the account", code="not_allowed"
            )
            if self._on_blocked:
                await self._on_blocked(job, "reply_not_allowed")
            return None
        if isinstance(exc, TargetGoneError):
            # The citizen deleted the post (or hid it): no retry can ever succeed, and the
            # outbox works one job at a time, so retrying would hold every later reply.
            await self._fail(
                job, "target gone: the post was deleted or is not visible", code="target_gone"
            )
            if self._on_blocked:
                await self._on_blocked(job, "target_gone")
            return None
        if isinstance(exc, InvalidRequestError | NotFoundError | ForbiddenError):
            await self._fail(job, f"rejected by X: {exc}", code="rejected")
            return None
        if isinstance(exc, CreditsDepletedError | UsageCappedError | UnauthorizedError):
            name = type(exc).__name__.removesuffix("Error").lower()
            await raise_alarm(self._redis, self._keys, self._clock, f"outbox_{name}", str(exc))
            raise Defer(self._s.outbox_pause_s, f"outbox paused: {name}") from exc
        if isinstance(exc, RateLimitedError) and exc.reset_at is not None:
            wait = max(exc.reset_at.timestamp() - self._clock.time(), 1.0)
            raise Defer(wait, "X rate limit") from exc
        # Server errors, network errors and the rest: X may or may not have created the
        # post, so the state stays "sending" and the next attempt looks it up first.
        raise Defer(self._backoff.next(), f"X unavailable: {type(exc).__name__}") from exc

    async def _record(self, job: ReplyJob, i: int, reply_id: str, cost: float) -> None:
        # The part and its count (bot.metrics) together: a part is recorded once, whether
        # X just accepted it or it was found there after an interrupted send.
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                self._keys.reply(job.job_id),
                mapping={f"id_{i}": reply_id, "parts_sent": i + 1},
            )
            pipe.hincrby(self._keys.counter("outbox_posts"), job.kind, 1)
            await pipe.execute()
        if cost:
            await self._budget.record(f"{job.job_id}:{i}", cost, job.kind)
        self.posted += 1

    async def _fail(self, job: ReplyJob, why: str, *, code: str) -> None:
        log.error("reply failed for good", reason=why)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                self._keys.reply(job.job_id),
                mapping={"state": ReplyState.FAILED, "error": why, "code": code},
            )
            pipe.hincrby(self._keys.counter("outbox_failed"), code, 1)
            await pipe.execute()
        self.failed += 1
