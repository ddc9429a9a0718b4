"""Reply jobs: the only way anything in Seva asks for a post on X.

The pipeline, the officer's CLI and the SLA scheduler all call ``enqueue``. The ``outbox``
role posts them, one rate-budget holder at a time, exactly once: the job id is the
idempotency key, and ``seva:reply:{job_id}`` moves pending -> sending -> sent.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from redis.asyncio import Redis

from bot.keys import REPLY_STATE_TTL_S, Keys


class Priority(StrEnum):
    """Answers and acknowledgements go first, then interim replies, then storm fan-out."""

    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"  # may use only SEVA_OUTBOX_FANOUT_SHARE of each post window


class ReplyState(StrEnum):
    """Where a reply job stands."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # refused by X for good (e.g. ReplyNotAllowed); kept for officers


@dataclass(frozen=True)
class ReplyJob:
    """One public reply (possibly a thread) to one post.

    ``parts`` are final texts: rendered, threaded, checked by the reply guard, each
    unique to its target. Part 1 replies to ``in_reply_to``; part n replies to part n-1.
    ``account`` is the department handle that posts it (the one the citizen summoned), or
    None for the desk's own account.
    """

    # "reply:<post_id>" (the pipeline's one reply per post), "interim:<docket>:<level>",
    # "answer:<docket>:<n>" (an officer's n-th answer), "answer:<member>:storm:<n>"
    job_id: str
    in_reply_to: str
    parts: list[str]
    kind: str
    priority: Priority = Priority.HIGH
    docket: str | None = None
    lang: str = "en"
    meta: dict[str, Any] = field(default_factory=dict)
    account: str | None = None

    def to_fields(self) -> dict[str, str]:
        """Serialise for a stream entry."""
        return {"job": json.dumps(asdict(self), ensure_ascii=False)}

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> ReplyJob:
        """Rebuild from a stream entry."""
        data = json.loads(fields["job"])
        data["priority"] = Priority(data.get("priority", "high"))
        return cls(**data)


# Atomic: the pending marker and the stream entry are written together or not at all, so
# a crash can neither lose a job (marker without entry) nor queue it twice.
_ENQUEUE = """
if redis.call('hsetnx', KEYS[1], 'state', 'pending') == 0 then
  return 0
end
redis.call('hset', KEYS[1], 'in_reply_to', ARGV[2], 'kind', ARGV[3], 'docket', ARGV[4])
redis.call('expire', KEYS[1], ARGV[5])
redis.call('xadd', KEYS[2], '*', 'job', ARGV[1])
return 1
"""


def stream_for(keys: Keys, priority: Priority) -> str:
    """The outbox lane of a priority."""
    return {
        Priority.HIGH: keys.outbox,
        Priority.NORMAL: keys.outbox_normal,
        Priority.LOW: keys.outbox_low,
    }[priority]


async def enqueue(redis: Redis, keys: Keys, job: ReplyJob) -> bool:
    """Queue ``job`` unless a job with the same id was ever queued; return whether queued.

    A pipeline that processes the same post twice (at-least-once delivery) therefore
    never queues a second reply.
    """
    queued = await redis.eval(
        _ENQUEUE,
        2,
        keys.reply(job.job_id),
        stream_for(keys, job.priority),
        job.to_fields()["job"],
        job.in_reply_to,
        job.kind,
        job.docket or "",
        str(REPLY_STATE_TTL_S),
    )
    return bool(queued)


async def state_of(redis: Redis, keys: Keys, job_id: str) -> dict[str, str]:
    """Return the reply-state hash of a job (empty if unknown)."""
    result = await redis.hgetall(keys.reply(job_id))
    return {str(k): str(v) for k, v in result.items()}


@dataclass(frozen=True)
class Delivery:
    """Where an answer stands, as an officer is shown it.

    ``waiting`` and ``retry_at`` are set while the outbox holds the job back (X's rate
    window, the post budget, X down) and cleared once it is sent.
    """

    job_id: str
    state: ReplyState | None  # None: unknown (never queued, or its record expired)
    post_ids: tuple[str, ...] = ()
    waiting: str = ""
    retry_at: float | None = None
    error: str = ""

    @property
    def done(self) -> bool:
        """Whether nothing more will happen to it (sent, failed, or unknown)."""
        return self.state in {ReplyState.SENT, ReplyState.FAILED, None}


async def delivery(redis: Redis, keys: Keys, job_id: str) -> Delivery:
    """The delivery of job ``job_id``: its state, the posts made, and why it waits."""
    st = await state_of(redis, keys, job_id)
    if "state" not in st:
        return Delivery(job_id, None)
    sent = int(st.get("parts_sent") or 0)
    return Delivery(
        job_id,
        ReplyState(st["state"]),
        post_ids=tuple(st[f"id_{i}"] for i in range(sent) if f"id_{i}" in st),
        waiting=st.get("waiting", ""),
        retry_at=float(st["retry_at"]) if st.get("retry_at") else None,
        error=st.get("error", ""),
    )
