"""The CSRF module on its own: tokens, constant-time matching, the Origin rule."""

from __future__ import annotations

from aiohttp.test_utils import make_mocked_request
from aiohttp_session import Session

from bot.web import csrf


def _request(**headers: str):  # type: ignore[no-untyped-def]
    return make_mocked_request("POST", "/signout", headers={"Host": "desk.test:8080", **headers})


def test_a_token_is_made_once_per_session_and_is_long() -> None:
    """The token is created on first use, kept in the session, and 256 bits of randomness."""
    session = Session("id", data=None, new=True)
    first = csrf.token(session)
    assert first == csrf.token(session)
    assert first == session["csrf"]
    assert 43 <= len(first)
    assert first != csrf.token(Session("other", data=None, new=True))


def test_matching_needs_both_tokens_equal() -> None:
    """Only the session's own token matches; missing, empty or other values do not."""
    assert csrf.matches("abc", "abc")
    for expected, submitted in (
        ("abc", "abd"),
        ("abc", ""),
        ("", ""),
        (None, "abc"),
        ("abc", None),
    ):
        assert not csrf.matches(expected, submitted)


def test_origin_must_be_the_desks_own() -> None:
    """Origin (or Referer without it) must be the desk's scheme and host; none is refused."""
    assert csrf.origin_ok(_request(Origin="http://desk.test:8080"), [])
    assert csrf.origin_ok(_request(Referer="http://desk.test:8080/queue"), [])
    assert not csrf.origin_ok(_request(Origin="http://evil.test"), [])
    assert not csrf.origin_ok(_request(Origin="http://desk.test:9999"), [])
    assert not csrf.origin_ok(_request(Origin="null", Referer="http://evil.test/x"), [])
    assert not csrf.origin_ok(_request(), [])


def test_configured_origins_replace_the_host_rule() -> None:
    """Behind a proxy, SEVA_WEB_ORIGINS lists the public origins; the Host no longer counts."""
    allowed = ["https://desk.example.gov.in"]
    assert csrf.origin_ok(_request(Origin="https://desk.example.gov.in"), allowed)
    assert not csrf.origin_ok(_request(Origin="http://desk.test:8080"), allowed)
