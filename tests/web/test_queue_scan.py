"""A bounded scan's filters, judged in Redis (``DeskIndex.select``), keep exactly the tickets
the queue filter keeps in Python (``QueueFilter.matches``), on a real redis-server.

The queue trusts the script for its counts and pages, so the script must read each hash
field as ``Ticket.from_hash`` does: missing fields, a level of "0", an empty storm link, an
NLU record with no language or a null one.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.keys import Keys
from bot.tickets.desk_index import OPEN_STATES, TIERS, DeskIndex
from bot.tickets.model import State, Ticket
from bot.web.candidates import on_queue
from bot.web.queue_filter import STORMS, QueueFilter

_DEPTS = ("dgft", "trade", "ip")
_USERS = ("asha", "ravi")
_NLU = st.sampled_from(
    [None, "{}", '{"lang": "hi"}', '{"lang": "en"}', '{"lang": null}', '{"lang": ""}',
     '{"lang": "hinglish", "intent": "x"}'],
)  # fmt: skip
_MAYBE = st.one_of(st.none(), st.sampled_from(["", "0", "1", "3"]))

_hashes = st.fixed_dictionaries(
    {
        "dept": st.sampled_from(_DEPTS),
        "state": st.sampled_from([s.value for s in State]),
        "level": _MAYBE,
        "storm_size": _MAYBE,
        "storm_of": st.one_of(st.none(), st.sampled_from(["", "MOCI-2026-000001"])),
        "reply_allowed": st.one_of(st.none(), st.sampled_from(["0", "1"])),
        "officer": st.one_of(st.none(), st.sampled_from(["", *_USERS])),
        "nlu": _NLU,
        "text": st.text(max_size=40),
    }
)
_filters = st.builds(
    QueueFilter,
    lang=st.sampled_from(["", "en", "hi", "hinglish"]),
    storm=st.sampled_from(["", *STORMS]),
    hand=st.booleans(),
    mine=st.booleans(),
)


def _hash(i: int, fields: dict[str, Any]) -> dict[str, str]:
    now = datetime(2026, 12, 3, tzinfo=UTC)
    base = {
        "docket": f"MOCI-2026-{i:06d}",
        "post_id": str(1000 + i),
        "author_id": "42",
        "created_at": now.isoformat(),
        "due_at": (now + timedelta(hours=i)).isoformat(),
    }
    return base | {k: v for k, v in fields.items() if v is not None}


@given(
    rows=st.lists(_hashes, min_size=1, max_size=25),
    wanted=_filters,
    depts=st.sets(st.sampled_from(_DEPTS), min_size=1),
    tiers=st.sets(st.sampled_from(TIERS), min_size=1),
    user=st.sampled_from(_USERS),
    with_text=st.booleans(),
)
# Each example writes under its own key prefix, so examples share the server, not keys.
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
async def test_redis_keeps_what_the_python_filter_keeps(
    redis: Any,
    rows: list[dict[str, Any]],
    wanted: QueueFilter,
    depts: set[str],
    tiers: set[str],
    user: str,
    with_text: bool,
) -> None:
    """Any tickets, any filters: the script keeps the same dockets, states and texts."""
    keys = Keys(f"scan-{uuid.uuid4().hex[:8]}:")
    index = DeskIndex(redis, keys)
    hashes = [_hash(i, row) for i, row in enumerate(rows, start=1)]
    async with redis.pipeline(transaction=False) as pipe:
        for h in hashes:
            pipe.hset(keys.ticket(h["docket"]), mapping=h)
        await pipe.execute()
    dockets = [h["docket"] for h in hashes]
    # The search itself is matched in Python; the script only sends the texts back for it.
    narrowing = replace(wanted, q="x" if with_text else "").narrowing(user)
    kept = await index.select(dockets, depts, tiers, narrowing)

    everything = [Ticket.from_hash(h) for h in hashes]
    expected = [
        (t.docket, t.state.value, t.text if with_text else "")
        for t in everything
        if on_queue(t, depts, tiers) and wanted.matches(t, user, state=False)
    ]
    assert expected == [tuple(k) for k in kept]
    assert all(k.state in OPEN_STATES for k in kept)
