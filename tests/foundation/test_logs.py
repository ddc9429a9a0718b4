"""Rendered logs never contain secrets or personal data; post ids and dockets survive."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

from bot import logs

AADHAAR = "2345 6789 0124"
PHONE = "9812345670"
BEARER = "AAAAAAAAAAAAAAAAAAAAAseva-bearer-zz9"
RASA_TOKEN = "rasa-s3cret-tok"
POST_ID = "1987654321098765432"
DOCKET = "MOCI-2026-000123"


@pytest.fixture(autouse=True)
def _reset_structlog():
    yield
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


def _emit(fmt: str) -> str:
    buf = io.StringIO()
    logs.configure(fmt=fmt, level="info", secrets=[BEARER, RASA_TOKEN], stream=buf)
    log = structlog.get_logger("t").bind(role="pipeline")
    url = f"http://127.0.0.1:5005/model/parse?token={RASA_TOKEN}&emulation_mode=x"
    try:
        raise RuntimeError(f"parse failed at {url} for aadhaar {AADHAAR} call {PHONE}")
    except RuntimeError:
        log.exception(
            "nlu call failed",
            post_id=POST_ID,
            docket=DOCKET,
            url=url,
            headers={"Authorization": f"Bearer {BEARER}"},
            text=f"my aadhaar {AADHAAR}, phone +91 {PHONE}",
        )
    logging.getLogger("aiohttp.client").warning("GET %s", url)
    log.info("plain", note=f"Bearer {BEARER}", post_id=POST_ID)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["json", "console"])
def test_secrets_and_personal_data_never_rendered(fmt):
    """Tracebacks, URLs, headers and free text are masked in both renderers."""
    out = _emit(fmt)
    for raw in (AADHAAR, PHONE, BEARER, RASA_TOKEN, "2345-6789-0124"):
        assert raw not in out
    assert POST_ID in out
    assert DOCKET in out
    assert "Traceback" in out  # the traceback is there, only masked


def test_json_lines_carry_role_and_post_id():
    """Production logs are JSON lines with the role and post id on each line."""
    lines = [json.loads(line) for line in _emit("json").splitlines() if line.startswith("{")]
    events = {line["event"]: line for line in lines}
    assert "pipeline" == events["nlu call failed"]["role"]
    assert POST_ID == events["plain"]["post_id"]


def test_masker_masks_credentials_by_shape_not_only_by_value():
    """Unknown tokens in URLs and auth headers are masked even if never registered."""
    m = logs.Masker()
    assert "token=***" in m.text("GET http://x/parse?token=whatever123")
    assert "Authorization: ***" == m.text("Authorization: Bearer abcdefghijk")
    assert "sent Bearer ***" == m.text("sent Bearer abcdefghijk")
    assert "redis://:***@" in m.text("redis://:hunter2pass@10.0.0.1:6379/0")


@pytest.mark.parametrize("fmt", ["json", "console"])
def test_personal_data_in_other_scripts_and_spellings_is_masked(fmt):
    """Devanagari digits, dotted Aadhaar, spaced pairs and a spelled e-mail never reach a log."""
    buf = io.StringIO()
    logs.configure(fmt=fmt, level="info", stream=buf)
    text = (
        "आधार १२३४.५६७८.९०१२, aadhaar 2345.6789.0124, फ़ोन ९८७६५४३२१०, "
        "call +91 98 76 54 32 10, mail ram.k at gmail dot com or ram.k[at]gmail[dot]com"
    )
    structlog.get_logger("t").info(f"post: {text}", text=text, docket=DOCKET)
    out = buf.getvalue()
    for raw in ("१२३४", "2345.6789", "९८७६५४३२१०", "98 76 54 32", "ram.k"):
        assert raw not in out
    assert DOCKET in out


def test_console_lines_show_a_post_s_escapes_instead_of_obeying_them():
    """A post's ANSI escape, BEL or U+202E reaches the console log escaped, visibly."""
    buf = io.StringIO()
    logs.configure(fmt="console", level="info", stream=buf)
    evil = "IEC \x1b[2J\x07\u202eexe"
    structlog.get_logger("t").info(f"post in: {evil}", text=evil, post_id=POST_ID)
    out = buf.getvalue()
    assert "post in: IEC \\x1b[2J\\x07\\u202eexe" in out
    assert not {"\x1b", "\x07", "\u202e"} & set(out)
