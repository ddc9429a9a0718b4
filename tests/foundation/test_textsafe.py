"""Outside text on a terminal: control and bidi-override characters are shown, never obeyed."""

from __future__ import annotations

import asyncio
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from bot.clock import FakeClock
from bot.kb.commands import kb
from bot.kb.source import FileKB, StaticKB
from bot.keys import Keys
from bot.settings import Settings
from bot.textsafe import terminal
from bot.tickets.commands import tickets
from bot.tickets.store import TicketStore
from bot.x.models import Post
from tests.conftest import ROOT, RedisServer

# Clear the screen, recolour, BEL, backspaces over the docket, a carriage return, an
# OSC window-title rewrite, a C1 CSI and a right-to-left override.
EVIL = (
    "refund\x1b[2J\x1b[31m pending\x07\x08\x08\x08\rOK\x1b]0;pwned\x07 \x9b1m \u202etxt.exe\u2066"
)
RAW = ("\x1b", "\x07", "\x08", "\r", "\x9b", "\u202e", "\u2066")
SHOWN = ("\\x1b[2J", "\\x07", "\\x08", "\\r", "\\x9b", "\\u202e", "\\u2066")


def _obeyable(text: str) -> list[str]:
    """The characters a terminal would act on: controls (but newline) and bidi controls."""
    return [
        ch
        for ch in text
        if (unicodedata.category(ch) == "Cc" and ch != "\n")
        or ("\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069")
    ]


def test_controls_and_bidi_overrides_are_shown_escaped():
    """Each dangerous character becomes its visible escape; the text around it stays."""
    out = terminal(EVIL)
    assert [] == _obeyable(out)
    for shown in SHOWN:
        assert shown in out
    assert out.startswith("refund\\x1b[2J\\x1b[31m pending")


def test_ordinary_text_in_every_script_is_unchanged():
    """Hindi, emoji, newlines, tabs and the harmless LRM/RLM marks pass as they are."""
    text = "पोर्टल बंद है 🙏\n\tIEC नहीं मिला \u200eMOCI-2026-000123\u200f"
    assert text == terminal(text)
    assert "a\\nb\\tc" == terminal("a\nb\tc", one_line=True)


@given(st.text())
def test_nothing_a_terminal_obeys_survives(text):
    """For any text, the output holds no control or bidi character but newline and tab."""
    assert [] == [ch for ch in _obeyable(terminal(text)) if ch != "\t"]
    assert [] == _obeyable(terminal(text, one_line=True))


@pytest.fixture
def evil_ticket(redis_server: RedisServer, key_prefix: str, settings: Settings) -> str:
    """A ticket whose text and author handle carry terminal escapes."""
    kb = StaticKB(asyncio.run(FileKB(ROOT / "faq_kb", ROOT / "responses").load()))

    async def seed() -> str:
        client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
        try:
            store = TicketStore(client, Keys(key_prefix), FakeClock(), kb, settings)
            post = Post(
                id="1950000000000000001", author_id="7", author_handle="citizen\x1b[8m",
                text=f"@MoCI_Seva my IEC {EVIL}\nline two", lang="en",
                created_at=datetime(2026, 11, 24, tzinfo=UTC),
                conversation_id="1950000000000000001", mentions_account=True,
            )  # fmt: skip
            ticket = await store.create(
                post, "dgft", reason="complaint", reply_allowed=True, nlu={"lang": "en"}
            )
        finally:
            await client.aclose()
        return ticket.docket

    return asyncio.run(seed())


def _env(redis_server: RedisServer, key_prefix: str) -> dict[str, str]:
    return {"SEVA_REDIS_URL": redis_server.url, "SEVA_KEY_PREFIX": key_prefix}


def test_tickets_show_and_list_print_a_citizen_s_escapes_visibly(
    evil_ticket: str, redis_server: RedisServer, key_prefix: str
) -> None:
    """`seva tickets show` and `list` print the post's escapes as text, on one line."""
    run = CliRunner().invoke
    env = _env(redis_server, key_prefix)
    shown = run(tickets, ["show", evil_ticket], env=env)
    listed = run(tickets, ["list", "--dept", "dgft"], env=env)
    for result in (shown, listed):
        assert 0 == result.exit_code, result.output
        assert evil_ticket in result.output
        assert [] == _obeyable(result.output)
    assert "from @citizen\\x1b[8m: @MoCI_Seva my IEC refund\\x1b[2J" in shown.output
    assert "\\u202etxt.exe" in shown.output
    assert "\\nline two" in shown.output  # the post cannot forge a history line


def test_kb_show_and_list_print_an_entry_s_escapes_visibly(
    redis_server: RedisServer, key_prefix: str, tmp_path: Path
) -> None:
    """A KB answer or topic carrying escapes is shown escaped by `seva kb show` and `list`."""
    env = _env(redis_server, key_prefix)

    def run(*args: str) -> str:
        result = CliRunner().invoke(kb, list(args), env=env, catch_exceptions=False)
        assert 0 == result.exit_code, result.output
        return result.output

    run("import", "--kb-dir", str(ROOT / "faq_kb"), "--responses-dir", str(ROOT / "responses"))
    # YAML refuses raw controls, but its double-quoted escapes ("\e", "\a") make them.
    evil = r'"\e[2J\e[31m pending\a\b\b\rOK \x9b1m \u202etxt.exe"'
    run("set", "faq/iec-apply", "topic", evil, "--by", "meera")
    run("set", "faq/iec-apply", "answer.en", evil, "--by", "meera")
    assert [] == _obeyable(run("history", "faq/iec-apply"))
    for out in (run("show", "faq/iec-apply"), run("list", "faq")):
        assert [] == _obeyable(out)
        assert "\\x1b[2J" in out or "\\e[2J" in out  # YAML dumps show ESC as \e
        assert "\\u202etxt.exe" in out
