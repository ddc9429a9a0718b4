"""Fuzz ``bot.x.parse``: X payloads with missing or odd fields end in PayloadError or a skip."""

import contextlib
import json
import logging
import sys

import atheris
import structlog

with atheris.instrument_imports(enable_loader_override=False):
    from bot.errors import PayloadError
    from bot.x import parse
    from bot.x.models import Source


KEYS = ["id", "text", "author_id", "created_at", "lang", "entities", "mentions", "hashtags",
        "username", "tag", "type", "referenced_tweets", "data", "meta", "includes", "users",
        "result_count", "next_token", "edit_history_tweet_ids", "value"]  # fmt: skip


def _value(fdp: atheris.FuzzedDataProvider, depth: int = 0) -> object:
    """A JSON value whose shape the fuzzer steers (X's key names made likely)."""
    kind = fdp.ConsumeIntInRange(0, 7 if depth < 4 else 4)
    if kind == 0:
        return None
    if kind == 1:
        return fdp.ConsumeBool()
    if kind == 2:
        return fdp.ConsumeIntInRange(-5, 10**20)
    if kind == 3:
        return fdp.ConsumeUnicode(12)
    if kind == 4:
        return str(fdp.ConsumeIntInRange(0, 10**19))
    if kind == 5:
        return [_value(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 3))]
    return {
        fdp.PickValueInList(KEYS) if fdp.ConsumeBool() else fdp.ConsumeUnicode(6): _value(
            fdp, depth + 1
        )
        for _ in range(fdp.ConsumeIntInRange(0, 5))
    }


def one_input(data: bytes) -> None:
    """Build a JSON body (raw JSON when it decodes) and read it as every kind of X answer."""
    try:
        body = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        body = _value(atheris.FuzzedDataProvider(data))
    for read in (
        lambda: parse.page(body if isinstance(body, dict) else {"data": body}, Source.MENTIONS),
        lambda: parse.post(body if isinstance(body, dict) else {}, {}, Source.STREAM),
        lambda: parse.posted_reply(body if isinstance(body, dict) else {"data": body}),
        lambda: parse.rules(body if isinstance(body, dict) else {"data": body}),
        lambda: parse.users_by_id(body if isinstance(body, dict) else None),
    ):
        with contextlib.suppress(PayloadError):
            read()


if __name__ == "__main__":
    # A skipped post logs a warning; millions of them would drown the fuzzer's output.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    # instrument_all() takes over a minute here (pydantic, aiohttp); parse.py's functions suffice.
    for fn in (
        parse.post,
        parse._post,
        parse.page,
        parse._page,
        parse.posted_reply,
        parse.rules,
        parse.users_by_id,
        parse.unescape,
    ):
        atheris.instrument_func(fn)
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
