"""The pipeline's handler: one inbox entry in, one recorded decision and its effects out.

Order matters for exactly-once effects under at-least-once delivery:
1. the decision is computed (no side effects) and stored with SET NX: a redelivered
   entry reuses the first decision instead of recomputing it;
2. the effects run, each idempotent by the post id: a ticket per post
   (``keys.post_ticket``), one reply job per post (job id ``reply:<post_id>``);
3. the decision is marked done, added to the audit stream and counted by action in one
   script, by the first consumer to get there;
4. the entry is acknowledged by the stream worker.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import Any, Protocol

import structlog
from redis.asyncio import Redis

from bot.clock import Clock
from bot.decision import (
    Action,
    Decision,
    Signals,
    Thresholds,
    Understanding,
    decide,
    faq_id_of,
)
from bot.errors import AmnesiaError, NLUError, NLUUnavailableError
from bot.keys import Keys
from bot.nlu.cues import ministry_cues, private_cues, text_cues
from bot.settings import Settings
from bot.streams import Defer
from bot.x.models import Post

log = structlog.get_logger("pipeline")

DECISIONS_MAXLEN = 200_000  # the audit stream keeps about this many decisions
# The decision is recorded done, added to the audit stream and counted by action
# (bot.metrics) in one step, and only by the first consumer to finish the post, so a
# redelivered or raced post is counted once.
_RECORD = """
local cur = redis.call('GET', KEYS[1])
if cur and cjson.decode(cur)['done'] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*',
           'post_id', ARGV[2], 'action', ARGV[3], 'record', ARGV[4])
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
return 1
"""


class Understander(Protocol):
    """What the pipeline asks of the NLU (``bot.nlu.understand.Understander``)."""

    async def understand(self, text: str) -> Understanding:
        """Intent, confidence, ranking, language, entities, personal-data kinds.

        Raises NLUUnavailableError while the NLU server is unreachable.
        """
        ...

    def entities_only(self, text: str) -> Understanding:
        """Language, entities and personal-data kinds, without the NLU server (no intent)."""
        ...

    def faq_department(self, faq_id: str) -> str | None:
        """Return the department that owns an FAQ entry."""
        ...

    def verified(self, body_id: str) -> bool:
        """Whether the KB's directory entry ``body_id`` is verified on its official page."""
        ...


class Effects(Protocol):
    """Carries a decision out: tickets and reply jobs, each idempotent by post id."""

    async def has_open_ticket(self, post: Post) -> bool:
        """Whether the post's conversation belongs to an open ticket."""
        ...

    async def apply(self, post: Post, decision: Decision, info: Understanding) -> dict[str, Any]:
        """Carry the decision out; return facts to record (docket, job id, ...)."""
        ...


class PipelineHandler:
    """Stream handler for ``keys.inbox``."""

    def __init__(
        self,
        *,
        redis: Redis,
        keys: Keys,
        clock: Clock,
        settings: Settings,
        understanding: Understander,
        effects: Effects,
        thresholds: Thresholds,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self._s = settings
        self._u = understanding
        self._fx = effects
        self._th = thresholds
        self.decided = 0

    async def __call__(self, entry_id: str, fields: dict[str, str]) -> None:
        """Handle one inbox entry."""
        post = _post_of(fields)
        structlog.contextvars.bind_contextvars(post_id=post.id)
        try:
            await self._handle(entry_id, post)
        finally:
            structlog.contextvars.unbind_contextvars("post_id")

    async def _handle(self, entry_id: str, post: Post) -> None:
        # Where the time goes, per post (benchmarks/pipeline.py reads it from the record).
        timing: dict[str, float] = {}
        stored = await self._redis.get(self._keys.decision(post.id))
        if stored is not None:
            record = json.loads(stored)
            if record.get("done"):
                return  # a redelivery of a post whose effects all happened
            decision = Decision(
                **{**record["decision"], "action": Action(record["decision"]["action"])}
            )
            info = Understanding.from_record(record["info"])
        else:
            started = time.perf_counter()
            decision, info = await self._decide(entry_id, post, timing)
            timing["decide_ms"] = round((time.perf_counter() - started) * 1000, 2)
            record = {
                "decision": asdict(decision),
                "info": info.to_record(),
                "at": self._clock.now().isoformat(),
            }
            first = await self._redis.set(
                self._keys.decision(post.id), json.dumps(record, ensure_ascii=False), nx=True
            )
            if not first:  # another consumer decided meanwhile: use its decision
                await self._handle(entry_id, post)
                return
        started = time.perf_counter()
        try:
            facts = await self._fx.apply(post, decision, info)
        except AmnesiaError as err:
            # No docket is issued from a Redis that lost its data; the post waits (bot.epoch).
            raise Defer(self._s.epoch_check_s, str(err)) from None
        timing["effects_ms"] = round((time.perf_counter() - started) * 1000, 2)
        record.update(done=True, facts=facts, timing=timing)
        first_done = await self._redis.eval(
            _RECORD,
            3,
            self._keys.decision(post.id),
            self._keys.decisions,
            self._keys.counter("decisions"),
            json.dumps(record, ensure_ascii=False),
            post.id,
            decision.action.value,
            json.dumps(record),
            str(DECISIONS_MAXLEN),
        )
        if not first_done:
            return  # another consumer finished this post meanwhile and recorded it
        self.decided += 1
        log.info(
            "decided",
            action=decision.action.value,
            reason=decision.reason,
            intent=info.intent,
            confidence=info.confidence,
            lang=info.lang,
            **{k: v for k, v in facts.items() if k in {"docket", "job"}},
        )

    async def _decide(
        self, entry_id: str, post: Post, timing: dict[str, float]
    ) -> tuple[Decision, Understanding]:
        nlu_ok = True
        started = time.perf_counter()
        try:
            info = await self._u.understand(post.text)
            timing["nlu_ms"] = round((time.perf_counter() - started) * 1000, 2)
        except NLUUnavailableError:
            waited = self._clock.time() - _entry_time(entry_id)
            if waited < self._s.nlu_max_wait_s:
                # Leave it unacknowledged in the inbox; it is answered when Rasa returns.
                raise Defer(
                    self._s.nlu_retry_s, "NLU unavailable; post waits in the inbox"
                ) from None
            nlu_ok = False
            info = self._u.entities_only(post.text)
        except NLUError as err:
            # The NLU refused this one text: a human reads it rather than the post being
            # retried into the dead-letter stream.
            log.warning("nlu refused the post; escalating", error=str(err)[:200])
            nlu_ok = False
            info = self._u.entities_only(post.text)
        faq_id = faq_id_of(info.intent)
        consumer = self._s.consumer_body_id
        sig = Signals(
            intent=info.intent,
            confidence=info.confidence,
            lang=info.lang,
            reply_allowed=post.reply_allowed,
            mentions_account=post.mentions_account,
            dockets=info.dockets,
            bodies=info.bodies,
            depts=info.depts,
            faq_department=self._u.faq_department(faq_id) if faq_id else None,
            has_open_ticket=await self._fx.has_open_ticket(post),
            nlu_available=nlu_ok,
            complaint=bool(info.complaint),
            private=bool(private_cues(post.text)) or consumer in info.bodies,
            consumer_route=consumer if self._u.verified(consumer) else None,
            ministry_words=bool(ministry_cues(post.text)),
            **text_cues(post.text),
        )
        return decide(sig, self._th), info


def _post_of(fields: dict[str, str]) -> Post:
    raw = fields.get("post")
    if raw is None:
        msg = f"inbox entry without a post: fields {sorted(fields)}"
        raise ValueError(msg)
    data: dict[str, Any] = json.loads(raw)
    return Post.from_fields(data)


def _entry_time(entry_id: str) -> float:
    """Stream ids start with the XADD time in ms: how long the post has waited."""
    return int(entry_id.split("-", 1)[0]) / 1000.0
