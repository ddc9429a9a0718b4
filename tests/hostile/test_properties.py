"""Hostile input: every target ends in its documented error or a safe result, never a crash."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot import pii
from bot.errors import KBError, PayloadError
from bot.ingest.normalise import for_account, is_own
from bot.kb.files import load
from bot.kb.schema import DirectoryEntry, FAQEntry
from bot.replies.render import KINDS, render
from bot.replies.thread import thread
from bot.weighted import MAX_WEIGHTED, weighted_length
from bot.x import parse
from bot.x.emulator.text import mentions  # what X reads as an @mention
from bot.x.models import Post, Source

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = load(ROOT / "faq_kb", ROOT / "responses")[0].templates
FAST = settings(
    max_examples=60,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# Text as a hostile citizen types it: any code point but lone surrogates (X refuses those),
# with the characters that trip parsers made likely.
TRICKY = st.sampled_from(
    ["@", "\uff20", "#", "&amp;", "<", ">", "\u200d", "\u2060", "\u0301", "\u0939\u093f", "\U0001f600",
     "https://x.co/a", "dgft.gov.in", "\n", " ", "{{", "}}", "{%", "9876543210"]
)  # fmt: skip
CITIZEN = st.lists(
    st.one_of(st.text(st.characters(exclude_categories=["Cs"]), max_size=20), TRICKY),
    max_size=30,
).map("".join)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
POST_KEYS = ["id", "text", "author_id", "created_at", "lang", "entities", "referenced_tweets",
             "conversation_id", "in_reply_to_user_id"]  # fmt: skip
ODD_POST = st.dictionaries(st.sampled_from(POST_KEYS), JSON, max_size=9)


def _post(text: str, **extra: Any) -> Post:
    fields: dict[str, Any] = {
        "id": "1",
        "author_id": "2",
        "author_handle": None,
        "text": text,
        "lang": None,
        "created_at": None,
        "conversation_id": None,
    }
    return Post(**(fields | extra))


@FAST
@given(
    text=st.text(max_size=40),
    handle=st.text(max_size=16),
    mentions=st.lists(st.text(max_size=16), max_size=3),
    quoted=st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=3),
    restricted=st.booleans(),
)
def test_normalise_decides_for_any_post(
    text: str, handle: str, mentions: list[str], quoted: dict[str, str], restricted: bool
) -> None:
    """for_account and is_own take any handle, mentions and quote map; only a summons opens replies."""
    post = _post(text, mentions=tuple(mentions), referenced=tuple(("quoted", k) for k in quoted))
    out = for_account(
        post, handle=handle, quoted_authors=quoted, account_id="2", reply_restriction=restricted
    )
    assert out.reply_allowed == (out.mentions_account or out.quotes_account or not restricted)
    assert is_own(post, "2", handle)


@FAST
@given(text=CITIZEN, reply=CITIZEN)
def test_pii_detector_takes_any_text(text: str, reply: str) -> None:
    """find, mask and echoes never crash; every match is a real slice and masking hides it."""
    found = pii.find(text)
    masked = pii.mask(text)
    assert all(text[m.start : m.end] == m.value for m in found)
    assert pii.kinds(text) == {m.kind for m in found}
    assert not {m.normalised for m in pii.find(masked)} & {m.normalised for m in found}
    assert isinstance(pii.echoes(reply, text), list)


@settings(max_examples=40, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(CITIZEN, max_size=8).map(" ".join), ref=st.none() | st.text(max_size=8))
def test_every_thread_part_fits_one_post(text: str, ref: str | None) -> None:
    """thread() splits any text into non-empty posts within X's weighted 280."""
    parts = thread(text, ref=ref)
    assert bool(parts) == bool(text.strip())
    assert all(0 < weighted_length(p) <= MAX_WEIGHTED for p in parts)


@FAST
@given(key=st.sampled_from(sorted(TEMPLATES)), citizen=CITIZEN)
@example(key="en/ack", citizen="À@0")  # a non-ASCII letter before @ still mentions (found here)
@example(key="en/ack", citizen="\uff20@0")  # fullwidth at, then @: no mention (twitter-text)
def test_templates_rendered_with_citizen_text_address_nobody(key: str, citizen: str) -> None:
    """Every shipped template, with citizen text in each string slot, renders and @mentions no one."""
    kind = key.split("/", 1)[1]
    slots = KINDS.get(kind, {})  # a snippet (``snippet-*``) takes no values
    variables = {k: citizen if isinstance(v, str) else v for k, v in slots.items()}
    out = render(TEMPLATES[key], variables)
    assert not mentions(out) or mentions(TEMPLATES[key])


@FAST
@given(source=CITIZEN)
def test_a_broken_template_is_a_kb_error(source: str) -> None:
    """Any template source renders or raises KBError (syntax, sandbox or undefined name)."""
    with contextlib.suppress(KBError):
        assert isinstance(render(source, {"x": "@asha"}), str)


@FAST
@given(
    item=st.dictionaries(
        st.sampled_from(["id", "q", "a", "answer", "examples", "name", "sources", "verified"]), JSON
    )
)
def test_kb_models_refuse_odd_entries_with_validation_errors(item: dict[str, Any]) -> None:
    """FAQ and directory entries of any shape validate or raise pydantic's ValidationError."""
    for model in (FAQEntry, DirectoryEntry):
        with contextlib.suppress(ValidationError):
            model.model_validate(item)


@settings(
    max_examples=40, deadline=3000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=200) | JSON.map(lambda v: json.dumps(v).encode()))
def test_kb_files_of_any_bytes_load_with_problems(tmp_path: Path, body: bytes) -> None:
    """Any bytes as directory.yml load, with what is wrong named in problems, never an exception."""
    (tmp_path / "faq").mkdir(exist_ok=True)
    (tmp_path / "directory.yml").write_bytes(body)
    kb, problems = load(tmp_path, ROOT / "responses")
    assert kb.templates
    assert all(str(p) for p in problems)


def test_a_kb_file_that_is_not_utf8_is_a_problem(tmp_path: Path) -> None:
    """Regression (atheris): a directory.yml with a non-UTF-8 byte was an uncaught UnicodeDecodeError."""
    (tmp_path / "faq").mkdir()
    (tmp_path / "directory.yml").write_bytes(b"&\x8b\n")
    _, problems = load(tmp_path, ROOT / "responses")
    assert ["not UTF-8 text (bad byte at offset 1)"] == [
        p.message for p in problems if p.where.endswith("directory.yml")
    ]


@FAST
@given(item=ODD_POST | JSON)
def test_odd_post_payloads_are_payload_errors(item: Any) -> None:
    """A post item with missing or odd fields is a Post or a PayloadError, nothing else."""
    try:
        post = parse.post(item, {}, Source.STREAM)
    except PayloadError:
        return
    assert post.id.isdigit()
    assert isinstance(post.text, str)


@FAST
@given(items=st.lists(ODD_POST, max_size=4), meta=JSON, includes=JSON)
def test_a_page_skips_garbled_posts(items: list[Any], meta: Any, includes: Any) -> None:
    """A page keeps its good posts and skips garbled ones; only a garbled page is a PayloadError."""
    good = {"id": "7", "text": "@MoCI_Seva hi &amp; bye"}
    body = {"data": [*items, good], "meta": meta, "includes": includes}
    try:
        page = parse.page(body, Source.MENTIONS)
    except PayloadError:
        return
    assert "@MoCI_Seva hi & bye" == page.posts[-1].text


@FAST
@given(body=JSON)
def test_posted_reply_and_rules_answers_of_any_shape(body: Any) -> None:
    """POST /2/tweets and rules answers of any shape parse or raise PayloadError."""
    for read in (parse.posted_reply, parse.rules):
        with contextlib.suppress(PayloadError):
            read(body if isinstance(body, dict) else {"data": body})


@pytest.mark.parametrize(
    ("wire", "desk"),
    [
        ("a &amp; b", "a & b"),
        ("&lt;b&gt;", "<b>"),
        ("&amp;lt;", "&lt;"),  # one pass: the citizen typed "&lt;"
        ("&quot; &#39; &copy;", "&quot; &#39; &copy;"),  # X escapes only & < >
    ],
)
def test_unescape_undoes_exactly_xs_three_entities(wire: str, desk: str) -> None:
    """The parser undoes &amp; &lt; &gt; once, and leaves every other entity as typed."""
    assert desk == parse.unescape(wire)


def test_a_page_with_only_errors_is_an_empty_page() -> None:
    """Regression: an errors-only answer (no data key) is an empty Page, not a PayloadError."""
    body = {"errors": [{"title": "Not Found Error"}], "meta": {"result_count": 0}}
    assert [] == parse.page(body, Source.SEARCH).posts
