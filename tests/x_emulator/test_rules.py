"""X's rule language, table-driven, against posts the emulator's world derives."""

from __future__ import annotations

import time

import pytest

from bot.x.emulator import rules
from bot.x.emulator.ids import SnowflakeIds
from bot.x.emulator.state import Post, World


def _world() -> tuple[World, dict[str, Post]]:
    world = World(SnowflakeIds(), time.time)
    asha = world.add_user("asha")
    ministry = world.add_user("MoCI_Seva")
    posts = {}
    posts["mention"] = world.create_post(asha, "@MoCI_Seva How do I get an IEC? #MociSeva")
    posts["hindi"] = world.create_post(asha, "@MoCI_Seva आईईसी कैसे मिलेगा? #mociseva")
    posts["retweet"] = world.create_post(asha, "", retweet_of=posts["mention"].id)
    posts["phrase"] = world.create_post(asha, "import-export code, please!")
    posts["reply"] = world.create_post(
        ministry, "Apply online. Ref A", in_reply_to=posts["mention"].id
    )
    return world, posts


CASES = [
    ("@moci_seva", {"mention", "hindi", "retweet"}),
    ("#mociseva", {"mention", "hindi", "retweet"}),
    ("IEC get", {"mention", "retweet"}),
    ('"export code"', {"phrase"}),
    ('"code export"', set()),
    ("iec OR please", {"mention", "retweet", "phrase"}),
    ("@moci_seva -is:retweet", {"mention", "hindi"}),
    ("@moci_seva is:retweet", {"retweet"}),
    ("@moci_seva lang:hi", {"hindi"}),
    ("(iec OR आईईसी) -is:retweet", {"mention", "hindi"}),
    ("-(iec OR apply) @moci_seva", {"hindi"}),
    ("from:moci_seva", {"reply"}),
    ("to:asha", {"reply"}),
    ("apply is:reply", {"reply"}),
    ("please has:hashtags", set()),
    ("IEC OR apply -is:reply", {"mention", "retweet"}),
]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_rule_operators(query: str, expected: set[str]) -> None:
    """Each operator matches as on X (case-insensitive, AND before OR)."""
    world, posts = _world()
    parsed = rules.parse(query)
    assert expected == {name for name, post in posts.items() if parsed.matches(post, world)}


@pytest.mark.parametrize(
    "query", ["-iec", "lang:hi", "is:retweet", "a (b", "a)", "foo:bar x", "", "x" * 513]
)
def test_invalid_rules_are_refused(query: str) -> None:
    """Rules without a positive standalone term, unbalanced, unknown operators: refused."""
    with pytest.raises(rules.RuleSyntaxError):
        rules.parse(query)


def test_derived_fields_of_a_retweet_and_reply() -> None:
    """Retweet text is "RT @user: ..."; replies inherit the conversation and reply-to user."""
    _, posts = _world()
    mention, retweet, reply = posts["mention"], posts["retweet"], posts["reply"]
    assert f"RT @asha: {mention.text}" == retweet.text
    assert [("retweeted", mention.id)] == retweet.referenced
    assert (mention.id, mention.author_id) == (reply.conversation_id, reply.in_reply_to_user_id)
    assert ("hi", "en") == (posts["hindi"].lang, mention.lang)
