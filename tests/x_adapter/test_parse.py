"""parse: X's v2 JSON into Post, Page, PostedReply and StreamRule."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import yaml

from bot.x import parse
from bot.x.models import Page, Post, PostedReply, Source, StreamRule

RICH = {
    "data": [
        {
            "id": "1900000000000000002",
            "text": "@MoCI_Seva @moci_seva how do I get an IEC? #MoCISeva #IEC",
            "author_id": "7",
            "created_at": "2026-03-01T10:00:00.000Z",
            "conversation_id": "1900000000000000001",
            "in_reply_to_user_id": "42",
            "lang": "en",
            "referenced_tweets": [{"type": "replied_to", "id": "1900000000000000001"}],
            "entities": {
                "mentions": [
                    {"start": 0, "end": 10, "username": "MoCI_Seva", "id": "42"},
                    {"start": 11, "end": 21, "username": "moci_seva", "id": "42"},
                ],
                "hashtags": [
                    {"start": 44, "end": 53, "tag": "MoCISeva"},
                    {"start": 54, "end": 58, "tag": "IEC"},
                ],
            },
            "edit_history_tweet_ids": ["1900000000000000002"],
        }
    ],
    "includes": {"users": [{"id": "7", "name": "Asha", "username": "asha_exports"}]},
    "meta": {
        "newest_id": "1900000000000000002",
        "oldest_id": "1900000000000000002",
        "result_count": 1,
        "next_token": "abc",
    },
}


def test_a_mentions_page_becomes_posts_and_cursor() -> None:
    """Entities, includes and meta all land in the Post and the Page."""
    expected = Page(
        posts=[
            Post(
                id="1900000000000000002",
                author_id="7",
                author_handle="asha_exports",
                text="@MoCI_Seva @moci_seva how do I get an IEC? #MoCISeva #IEC",
                lang="en",
                created_at=datetime(2026, 3, 1, 10, 0, tzinfo=UTC),
                conversation_id="1900000000000000001",
                in_reply_to_user_id="42",
                referenced=(("replied_to", "1900000000000000001"),),
                mentions=("moci_seva",),
                hashtags=("mociseva", "iec"),
                source=Source.MENTIONS,
            )
        ],
        newest_id="1900000000000000002",
        oldest_id="1900000000000000002",
        next_token="abc",
        result_count=1,
    )
    assert expected == parse.page(RICH, Source.MENTIONS)


def test_an_empty_page_has_meta_and_no_data() -> None:
    """X's empty page ({"meta": {"result_count": 0}}) is an empty Page, not an error."""
    assert Page(posts=[], result_count=0) == parse.page(
        {"meta": {"result_count": 0}}, Source.MENTIONS
    )


def test_the_recorded_mentions_cassette_parses(shared_fixture: Callable[[str], Path]) -> None:
    """tweepy's real recorded mentions answer (no fields requested) still parses."""
    cassette = yaml.safe_load(
        shared_fixture(
            "fixtures/x-api/cassettes/test_asyncclient_get_users_mentions.yaml"
        ).read_text()
    )
    body = json.loads(cassette["interactions"][0]["response"]["body"]["string"])
    page = parse.page(body, Source.MENTIONS)
    assert (2, "1578522401263919106", "7140dibdnow9c7btw423i3sy5bxqs2le36uxls6whj6ly") == (
        page.result_count,
        page.newest_id,
        page.next_token,
    )
    # Without entities the handles and tags come from the text itself.
    assert (
        ("twitter", "tuckercarlson", "foxnews", "newshour"),
        ("pbs", "immigrants", "jobs", "economy"),
    ) == (
        page.posts[1].mentions,
        page.posts[1].hashtags,
    )


def test_a_created_post_keeps_its_edit_history() -> None:
    """POST /2/tweets' 201 body becomes a PostedReply with edit_history_tweet_ids."""
    body = {"data": {"id": "5", "text": "Hi MOCI-2026-000001", "edit_history_tweet_ids": ["5"]}}
    assert PostedReply("5", "Hi MOCI-2026-000001", ["5"]) == parse.posted_reply(body)


def test_rules_default_their_tag_to_empty() -> None:
    """Rules without a tag get "" (the stream always sends a tag, maybe empty)."""
    body = {
        "data": [
            {"id": "1", "value": "@MoCI_Seva", "tag": "handle"},
            {"id": "2", "value": "#mociseva"},
        ]
    }
    assert [
        StreamRule("@MoCI_Seva", "handle", "1"),
        StreamRule("#mociseva", "", "2"),
    ] == parse.rules(body)
    assert [] == parse.rules({"meta": {"result_count": 0}})
