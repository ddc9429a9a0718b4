"""The host rewrite: tweepy's hard-coded api.twitter.com goes to the configured base URL."""

from __future__ import annotations

import pytest
from tweepy.asynchronous import AsyncClient
from yarl import URL

from bot.x import host
from tests.x_adapter.fake_x import running_fake


@pytest.mark.parametrize(
    ("base", "url", "expected"),
    [
        ("https://api.x.com", "https://api.twitter.com/2/users/me", "https://api.x.com/2/users/me"),
        (
            "http://127.0.0.1:8123",
            "https://api.twitter.com/2/tweets?ids=1",
            "http://127.0.0.1:8123/2/tweets?ids=1",
        ),
        (
            "https://proxy.example/x",
            "https://api.twitter.com/2/users/me",
            "https://proxy.example/x/2/users/me",
        ),
        (
            "https://api.x.com",
            "https://upload.twitter.com/1.1/media",
            "https://upload.twitter.com/1.1/media",
        ),
    ],
)
def test_rewrite_moves_only_tweepys_origin(base: str, url: str, expected: str) -> None:
    """Only api.twitter.com URLs move; a base path becomes a prefix; the query survives."""
    assert URL(expected) == host.rewrite(URL(url), URL(base))


async def test_tweepy_requests_reach_the_configured_host() -> None:
    """A stock tweepy AsyncClient with our session talks to the fake, with the Host it expects."""
    async with running_fake() as fake:
        client = AsyncClient(bearer_token="app-token", return_type=dict)
        async with host.session_for(fake.base_url, total_timeout_s=5) as session:
            client.session = session
            body = await client.get_me(user_auth=False)
    seen = fake.seen[0]
    expected_host = fake.base_url.removeprefix("http://")
    assert ("42", "/2/users/me", expected_host, "Bearer app-token") == (
        body["data"]["id"],
        seen.path,
        seen.host,
        seen.authorization,
    )


def test_stream_url_is_built_on_the_base() -> None:
    """The stream URL uses the configured base, not tweepy's constant."""
    assert "http://127.0.0.1:9/2/tweets/search/stream" == host.stream_url(
        "http://127.0.0.1:9/", "search"
    )
