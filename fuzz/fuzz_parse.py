"""Fuzz ``bot.x.parse``: X payloads with missing or odd fields end in PayloadError or a skip."""

import contextlib
import json
import sys

import atheris

with atheris.instrument_imports():
    from bot import logs
    from bot.errors import PayloadError
    from bot.x import parse
    from bot.x.models import Source


def one_input(data: bytes) -> None:
    """Decode JSON (or give up quietly) and read it as every kind of X answer."""
    try:
        body = json.loads(data.decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError):
        return
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
    logs.configure(level="CRITICAL")  # a skipped post logs a warning; millions would drown it
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
