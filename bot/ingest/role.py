"""The ``ingest`` role: the filtered stream plus mentions/search polling, under one lease.

Only the lease holder talks to X (X allows one stream connection per app): it syncs the
rules, holds the stream, and polls mentions (and, for hashtags and keywords, recent
search) since the saved cursors: at start, after every stream drop, and every
``SEVA_INGEST_POLL_INTERVAL_S`` as a safety net. The departments' own hashtags and handles
come from the live KB: every polling round re-checks its version and, when the tags
changed, re-syncs the rules and the search. Every post goes through ``Intake``, which
skips the desk's own posts, retweets and posts older than the horizon (each counted by
reason), marks whether a public reply is allowed, and hands it to the ``Sink``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Protocol

import structlog
from redis.asyncio import Redis

from bot.alarms import clear_alarm, raise_alarm
from bot.clock import Clock
from bot.dockets import docket, dockets_in
from bot.epoch import EpochWatch, Evidence
from bot.errors import AmnesiaError, RoleTaskEndedError, XError
from bot.ingest.normalise import for_account, is_own
from bot.ingest.rules import DeptTags, sync_rules
from bot.ingest.silence import SilenceWatch
from bot.ingest.sink import Sink
from bot.kb.schema import KnowledgeBase
from bot.keys import LEASE_TTL_MS, Keys
from bot.lease import Lease, run_as_leader
from bot.lifecycle import RoleContext
from bot.settings import Settings
from bot.x.models import Post, XClient

log = structlog.get_logger("ingest")

STREAM_REFUSED = "ingest_stream_refused"  # critical (bot.alarms)


class LiveKB(Protocol):
    """The live knowledge base, as ingest reads it (``bot.kb.source.RedisKB``)."""

    async def version(self) -> int:
        """The current version (0 before the first import)."""
        ...

    async def load(self) -> KnowledgeBase:
        """The current knowledge base."""
        ...


class Intake:
    """Decides what enters the inbox; the stream's ``StreamEvents``."""

    def __init__(
        self,
        sink: Sink,
        settings: Settings,
        clock: Clock,
        account_id: str,
        *,
        on_stream_up: Callable[[], Awaitable[None]] | None = None,
        on_held: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self._sink = sink
        self._on_stream_up = on_stream_up
        self._on_held = on_held
        self._s = settings
        self._clock = clock
        self.account_id = account_id
        self.depts = DeptTags()  # the live KB's department tags (IngestRole keeps it current)
        self.backfill = asyncio.Event()  # set on a stream drop: poll at once
        self.held = 0  # posts turned away because Redis lost its data (see take)
        self.silence = SilenceWatch(
            clock,
            alarm_after_s=settings.ingest_silence_alarm_s,
            min_daily=settings.ingest_silence_min_daily,
        )

    async def take(self, post: Post) -> bool:
        """Skip or queue one post; return whether it was queued now."""
        if is_own(post, self.account_id, self._s.account_handle, self.depts.handle_names):
            await self._sink.skip(post, "own_post")
            return False
        if post.is_retweet:
            await self._sink.skip(post, "retweet")
            return False
        horizon = self._clock.now() - timedelta(seconds=self._s.ingest_horizon_s)
        if post.created_at is not None and post.created_at < horizon:
            await self._sink.skip(post, "older_than_horizon")
            return False
        post = for_account(
            post,
            handle=self._s.account_handle,
            account_id=self.account_id,
            reply_restriction=self._s.x_reply_restriction,
            # A department handle answers only with its user token; else an officer does.
            reply_handles=self.depts.handle_names & set(self._s.handle_tokens()),
        )
        try:
            added = await self._sink.add(post)
        except AmnesiaError:
            # Redis lost its data: the post is counted, not queued. After `seva recover` the
            # first-start look-back reads it again (mentions and search reach back an hour).
            self.held += 1
            await self._sink.skip(post, "held_amnesia")
            if self._on_held is not None:
                await self._on_held()
            return False
        if added:
            self.silence.arrived()
        return added

    async def on_post(self, post: Post) -> None:
        """A post from the stream."""
        await self.take(post)

    async def on_connect(self) -> None:
        """The stream is up (again)."""
        if self._on_stream_up is not None:
            await self._on_stream_up()

    async def on_disconnect(self, reason: str) -> None:
        """The stream dropped: backfill what it may have missed."""
        del reason
        self.backfill.set()


class Poller:
    """Mentions (and search for hashtags/keywords) since the saved cursors."""

    def __init__(
        self,
        x: XClient,
        intake: Intake,
        sink: Sink,
        settings: Settings,
        clock: Clock,
        *,
        redis: Redis,
        keys: Keys,
    ) -> None:
        self._x = x
        self._intake = intake
        self._sink = sink
        self._s = settings
        self._clock = clock
        self._redis = redis
        self._keys = keys
        self.reads = 0

    async def _within_budget(self, posts_read: int) -> bool:
        """Count posts read this hour (X bills reads); False once the hourly budget is spent."""
        hour = self._clock.now().strftime("%Y-%m-%dT%H")
        key = self._keys.counter("ingest_reads")
        total = int(await self._redis.hincrby(key, hour, posts_read))
        await self._redis.expire(key, 7 * 24 * 3600)
        if total <= self._s.ingest_read_budget_per_hour:
            await clear_alarm(self._redis, self._keys, "ingest_read_budget")
            return True
        detail = f"{total} posts read in hour {hour}, budget {self._s.ingest_read_budget_per_hour}"
        await raise_alarm(self._redis, self._keys, self._clock, "ingest_read_budget", detail)
        return False

    async def poll(self) -> int:
        """One round over every source; return how many posts were queued."""
        queued = await self._source("mentions")
        if self._s.hashtags or self._s.keywords or self._intake.depts.search_terms():
            queued += await self._source("search")
        return queued

    def _query(self) -> str:
        depts = self._intake.depts
        terms = [f"#{t.lstrip('#')}" for t in self._s.hashtags] + [
            f'"{k}"' for k in self._s.keywords
        ]
        terms += depts.search_terms()
        own = [self._s.account_handle.lstrip("@"), *sorted(depts.handle_names)]
        return f"({' OR '.join(terms)}) -is:retweet " + " ".join(f"-from:{h}" for h in own)

    async def _source(self, source: str) -> int:
        since = await self._sink.cursor(source)
        first_start = since is None
        lookback = self._clock.now() - timedelta(seconds=self._s.ingest_first_lookback_s)
        newest: str | None = None
        token: str | None = None
        queued = 0
        held_before = self._intake.held
        for _ in range(self._s.ingest_max_pages):
            if source == "mentions":
                page = await self._x.mentions(
                    self._intake.account_id, since_id=since, pagination_token=token
                )
            else:
                page = await self._x.search_recent(self._query(), since_id=since, next_token=token)
            self.reads += 1
            within = await self._within_budget(len(page.posts))
            newest = newest or page.newest_id
            for post in page.posts:
                if first_start and post.created_at is not None and post.created_at < lookback:
                    # A first start does not replay history beyond the look-back window.
                    await self._sink.skip(post, "before_first_start")
                    continue
                queued += await self._intake.take(post)
            if not page.next_token or not within:
                # Over budget the cursor still moves to what was read; older unread posts
                # would only be missed if more than a page arrived while over budget.
                break
            token = page.next_token
        if newest and self._intake.held == held_before:
            # Only now, with every post of this round in the inbox, does the cursor move; not
            # after a round whose posts were turned away for amnesia, even if `seva recover`
            # ran meanwhile: the look-back must read them again.
            await self._sink.advance_cursor(source, newest)
        return queued


class IngestRole:
    """Holds the stream lease; the holder streams and polls."""

    name = "ingest"

    def __init__(self, x: XClient, kb: LiveKB | None = None) -> None:
        self._x = x
        self._kb = kb
        self._kb_version = -1  # the live KB version the department tags were read at
        self.intake: Intake | None = None
        # Kept across restarts of the role, so an epoch seen once is remembered (bot.epoch).
        self._watch: EpochWatch | None = None

    async def run(self, ctx: RoleContext) -> None:
        """Ingest while leader; stand by otherwise."""
        s = ctx.settings
        sink = Sink(ctx.redis, ctx.keys, guard_epoch=True)
        ctx.gauges["ingested"] = lambda: sink.added
        if self._watch is None:
            self._watch = EpochWatch(ctx.redis, ctx.keys, ctx.clock, self._evidence(s))
        watch = self._watch

        async def work(lost: asyncio.Event) -> None:
            account_id = s.account_user_id or (await self._x.me())[0]
            if not await _until_clear(watch, lost, ctx):
                return

            async def stream_up() -> None:
                ctx.health["stream"] = "up"
                await clear_alarm(ctx.redis, ctx.keys, STREAM_REFUSED)

            intake = Intake(
                sink, s, ctx.clock, account_id, on_stream_up=stream_up, on_held=watch.check
            )
            self.intake = intake
            poller = Poller(self._x, intake, sink, s, ctx.clock, redis=ctx.redis, keys=ctx.keys)
            self._kb_version = -1
            try:
                await self._read_dept_tags(intake)
            except Exception as err:  # the desk's own tags still work; retried every round
                log.warning("department tags unread", error=f"{type(err).__name__}: {err}")
            if s.ingest_stream:
                await sync_rules(self._x, s, intake.depts)
            tasks = [
                asyncio.create_task(self._poll_loop(poller, intake, watch, lost, ctx), name="poll")
            ]
            if s.ingest_stream:
                tasks.append(
                    asyncio.create_task(self._stream_loop(intake, lost, ctx), name="stream")
                )
            await _until_lost_or_dead(tasks, lost)

        def on_state(*, leader: bool) -> None:
            ctx.health["leader"] = leader

        lease = Lease(ctx.redis, ctx.keys.lease("ingest"), s.instance_id, LEASE_TTL_MS)
        await run_as_leader(lease, ctx.stop, work, on_state)

    async def _stream_loop(self, intake: Intake, lost: asyncio.Event, ctx: RoleContext) -> None:
        """Hold the stream; a refusal waiting cannot cure raises an alarm and retries slowly.

        A 402 (credits), a usage cap or bad credentials end ``XClient.stream``. Polling goes
        on meanwhile, but posts then arrive up to a poll interval late, so a human must know.
        """
        while not lost.is_set():
            try:
                await self._x.stream(intake, lost)
            except XError as exc:
                wait = ctx.settings.x_stream_payment_retry_s
                ctx.health["stream"] = "refused"
                detail = f"{type(exc).__name__}: {exc}; polling meanwhile, retry in {wait:g} s"
                await raise_alarm(ctx.redis, ctx.keys, ctx.clock, STREAM_REFUSED, detail)
                intake.backfill.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), timeout=wait)
            else:
                return

    def _evidence(self, s: Settings) -> Evidence:
        async def evidence() -> str | None:
            """Whether the desk answered before: dockets, or any reply, in its own posts on X.

            A reply without a docket counts too (an FAQ answer, or one written by hand
            before the desk ran): a first start would read its target back and answer it
            again. `seva recover` marks such posts seen, once.
            """
            replied: str | None = None
            for post in (await self._x.own_posts()).posts:
                for year, number in dockets_in(post.text, s.docket_prefix):
                    seen = docket(s.docket_prefix, year, number)
                    return f"the account's own posts on X carry dockets ({seen}, ...)"
                replied = replied or post.in_reply_to_id
            if replied:
                return f"the account's own posts on X include replies (to post {replied}, ...)"
            return None

        return evidence

    async def _read_dept_tags(self, intake: Intake) -> bool:
        """Re-read the departments' tags if the live KB moved; return whether they changed."""
        if self._kb is None:
            return False
        version = await self._kb.version()
        if version == self._kb_version:
            return False
        # Version 0: no live KB yet (the pipeline imports it); no department tags meanwhile.
        tags = DeptTags.of(await self._kb.load()) if version > 0 else DeptTags()
        self._kb_version = version
        if tags == intake.depts:
            return False
        log.info("department tags changed", kb_version=version, tags=tags.search_terms())
        intake.depts = tags
        return True

    async def _poll_loop(
        self,
        poller: Poller,
        intake: Intake,
        watch: EpochWatch,
        lost: asyncio.Event,
        ctx: RoleContext,
    ) -> None:
        while not lost.is_set():
            intake.backfill.clear()
            try:
                if await self._read_dept_tags(intake) and ctx.settings.ingest_stream:
                    await sync_rules(self._x, ctx.settings, intake.depts)
                if await watch.check():
                    await poller.poll()
                else:
                    ctx.health["held"] = True
            except AmnesiaError:
                ctx.health["held"] = True  # Redis lost its data mid-round; the cursor stayed
            except Exception as err:
                log.warning("poll failed", error=f"{type(err).__name__}: {err}")
            ctx.health["reads"] = poller.reads
            await _check_silence(intake, ctx)
            with contextlib.suppress(TimeoutError):
                waiter = asyncio.create_task(intake.backfill.wait())
                stopper = asyncio.create_task(lost.wait())
                try:
                    await asyncio.wait(
                        {waiter, stopper},
                        timeout=ctx.settings.ingest_poll_interval_s,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                finally:
                    waiter.cancel()
                    stopper.cancel()


async def _until_clear(watch: EpochWatch, lost: asyncio.Event, ctx: RoleContext) -> bool:
    """Wait while intake is held (amnesia); return False if the lease was lost meanwhile."""
    while not await watch.check():
        ctx.health["held"] = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(lost.wait(), timeout=ctx.settings.epoch_check_s)
        if lost.is_set():
            return False
    ctx.health["held"] = False
    return True


async def _until_lost_or_dead(tasks: list[asyncio.Task[None]], lost: asyncio.Event) -> None:
    """Wait until the lease is lost; a task that ends before that is a crash, never silent.

    Raising hands the role to the lifecycle's supervisor, which logs it and restarts the
    role (and so every task) with backoff.
    """
    lost_wait = asyncio.create_task(lost.wait())
    try:
        done, _ = await asyncio.wait([*tasks, lost_wait], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not lost_wait and not lost.is_set():
                error = None if task.cancelled() else task.exception()
                msg = f"ingest task {task.get_name()!r} ended while leader: {error!r}"
                raise RoleTaskEndedError(msg) from error
    finally:
        for task in [*tasks, lost_wait]:
            task.cancel()
        for task in [*tasks, lost_wait]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _check_silence(intake: Intake, ctx: RoleContext) -> None:
    """Raise or clear the silence alarm after each polling round."""
    problem = intake.silence.problem()
    if problem:
        await raise_alarm(ctx.redis, ctx.keys, ctx.clock, "ingest_silence", problem)
    else:
        await clear_alarm(ctx.redis, ctx.keys, "ingest_silence")
