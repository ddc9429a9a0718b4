"""The emulator's answers against X's OpenAPI spec and against real recorded exchanges."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from bot.x.emulator import RunningEmulator, create_app
from bot.x.emulator.app import ROUTES
from bot.x.emulator.gate import ENDPOINT
from bot.x.emulator.params import QUERY_PARAMS
from tests.x_emulator.conftest import APP, Reply, XApi

OPENAPI = "fixtures/x-api/openapi.json"
CASSETTES = "fixtures/x-api/cassettes"
# X answers errors its spec does not enumerate (401, 429, usage-capped, 403 about:blank...).
# They are checked against the problem shape every entry of the spec's Problem union shares.
GENERIC_PROBLEM = {
    "type": "object",
    "required": ["type", "title", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "detail": {"type": "string"},
        "status": {"type": "integer"},
    },
}


def _openapi_nullable(node: Any) -> Any:
    """Make an OpenAPI 3.0 schema plain JSON Schema (``nullable`` becomes a null type)."""
    if isinstance(node, dict):
        out = {k: _openapi_nullable(v) for k, v in node.items() if k != "discriminator"}
        if out.pop("nullable", False) and "type" in out:
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(node, list):
        return [_openapi_nullable(v) for v in node]
    return node


@pytest.fixture(scope="module")
def spec(shared_fixture: Any) -> dict[str, Any]:
    """X's OpenAPI document, with OpenAPI-only keywords made JSON Schema."""
    raw: dict[str, Any] = json.loads(Path(shared_fixture(OPENAPI)).read_text())
    return _openapi_nullable(raw)  # type: ignore[no-any-return]


def _validator(spec: dict[str, Any], path: str, method: str, status: str) -> Draft202012Validator:
    """Return a validator for one response of one operation (``$ref``s resolved)."""
    content = spec["paths"][path][method]["responses"][status]["content"]
    schema = content["application/json"]["schema"]
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:x-openapi", resource)
    ref = {"$ref": "urn:x-openapi#" + schema["$ref"].removeprefix("#")}
    return Draft202012Validator(ref, registry=registry)


def _problem_validator(spec: dict[str, Any]) -> Draft202012Validator:
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:x-openapi", resource)
    return Draft202012Validator(
        {"$ref": "urn:x-openapi#/components/schemas/Problem"}, registry=registry
    )


def assert_valid(validator: Draft202012Validator, body: Any) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert [] == errors


def assert_rate_headers(reply: Reply) -> None:
    for name in ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"):
        assert name in reply.headers, f"{name} missing on a {reply.status}"
        assert reply.headers[name].isdigit()


def _posts_of(body: Any) -> list[dict[str, Any]]:
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict):
        return [data]
    return list(data or [])


async def _seed(emulator: RunningEmulator) -> dict[str, Any]:
    await emulator.control.create_user("asha")
    first = await emulator.control.publish("asha", "@MoCI_Seva how do I get an IEC? #mociseva")
    await emulator.control.publish(
        "asha", "@MoCI_Seva आईईसी के लिए क्या चाहिए?", in_reply_to=first["id"]
    )
    return first


async def test_success_responses_match_the_spec(
    emulator: RunningEmulator, api: XApi, spec: dict[str, Any], user_token: str
) -> None:
    """users/me, mentions, POST tweets, lookup, search and rules validate against the spec."""
    first = await _seed(emulator)
    uid = emulator.ministry["id"]
    fields = {
        "tweet.fields": "created_at,author_id,conversation_id,in_reply_to_user_id,"
        "referenced_tweets,lang,entities",
        "expansions": "author_id,referenced_tweets.id",
    }
    checks = [
        ("/2/users/me", "get", "200", await api.get("/2/users/me", user_token)),
        (
            "/2/users/{id}/mentions",
            "get",
            "200",
            await api.get(f"/2/users/{uid}/mentions", user_token, **fields),
        ),
        ("/2/tweets", "get", "200", await api.get("/2/tweets", APP, ids=first["id"], **fields)),
        ("/2/tweets/{id}", "get", "200", await api.get(f"/2/tweets/{first['id']}", APP, **fields)),
        (
            "/2/tweets/search/recent",
            "get",
            "200",
            await api.get("/2/tweets/search/recent", APP, query="#mociseva", **fields),
        ),
        (
            "/2/tweets/search/stream/rules",
            "post",
            "200",
            await api.post(
                "/2/tweets/search/stream/rules", APP, {"add": [{"value": "@MoCI_Seva"}]}
            ),
        ),
        (
            "/2/tweets/search/stream/rules",
            "get",
            "200",
            await api.get("/2/tweets/search/stream/rules", APP),
        ),
        (
            "/2/tweets",
            "post",
            "201",
            await api.post(
                "/2/tweets",
                user_token,
                {
                    "text": "Apply on the DGFT portal. Ref A1",
                    "reply": {"in_reply_to_tweet_id": first["id"]},
                },
            ),
        ),
    ]
    for path, method, status, reply in checks:
        assert int(status) == reply.status, (path, reply.body)
        assert_valid(_validator(spec, path, method, status), reply.body)
        assert_rate_headers(reply)
        not_posts = path in {"/2/users/me", "/2/tweets/search/stream/rules"}
        for post in [] if not_posts else _posts_of(reply.body):
            assert [post["id"]] == post["edit_history_tweet_ids"]


async def test_error_responses_are_x_problems(
    emulator: RunningEmulator, api: XApi, spec: dict[str, Any], user_token: str
) -> None:
    """400 and not-found answers validate as the spec's Problem; all errors carry rate headers."""
    uid = emulator.ministry["id"]
    problem = _problem_validator(spec)
    generic = Draft202012Validator(GENERIC_PROBLEM)
    bad_max = await api.get(f"/2/users/{uid}/mentions", user_token, max_results="4")
    assert 400 == bad_max.status
    assert_valid(problem, bad_max.body)
    missing = await api.get("/2/tweets/1", APP)
    assert 200 == missing.status
    assert_valid(_validator(spec, "/2/tweets/{id}", "get", "200"), missing.body)
    for entry in missing.body["errors"]:
        assert_valid(problem, entry)
    unauthorized = await api.get("/2/users/me", "wrong-token")
    await emulator.control.set_config(monthly_read_cap=0)
    capped = await api.get(f"/2/users/{uid}/mentions", user_token)
    for reply in (bad_max, missing, unauthorized, capped):
        assert_rate_headers(reply)
    for reply in (bad_max, unauthorized, capped):
        assert_valid(generic, reply.body)
    assert (401, 429) == (unauthorized.status, capped.status)


def _keys(recorded: Any, ours: Any, where: str = "") -> list[str]:
    """Return the keys of ``recorded`` (recursively) that ``ours`` lacks."""
    missing: list[str] = []
    if isinstance(recorded, dict):
        if not isinstance(ours, dict):
            return [where or "/"]
        for key, value in recorded.items():
            if key not in ours:
                missing.append(f"{where}/{key}")
            else:
                missing += _keys(value, ours[key], f"{where}/{key}")
    elif isinstance(recorded, list) and recorded and isinstance(ours, list) and ours:
        missing += _keys(recorded[0], ours[0], f"{where}[0]")
    return missing


def _cassette(shared_fixture: Any, name: str) -> list[dict[str, Any]]:
    text = Path(shared_fixture(f"{CASSETTES}/{name}")).read_text()
    interactions: list[dict[str, Any]] = yaml.safe_load(text)["interactions"]
    return interactions


@pytest.mark.parametrize(
    ("cassette", "method"),
    [
        ("test_asyncclient_get_me.yaml", "GET"),
        ("test_asyncclient_get_users_mentions.yaml", "GET"),
        ("test_asyncclient_create_and_delete_tweet.yaml", "POST"),
    ],
)
async def test_recorded_exchanges_replay(
    emulator: RunningEmulator,
    api: XApi,
    shared_fixture: Any,
    user_token: str,
    cassette: str,
    method: str,
) -> None:
    """Replaying tweepy's recordings: our bodies hold every recorded key, and the same status."""
    recorded = next(
        i for i in _cassette(shared_fixture, cassette) if i["request"]["method"] == method
    )
    await _seed(emulator)
    for n in range(12):  # enough mentions that a next_token exists, as in the recording
        await emulator.control.publish("asha", f"@MoCI_Seva question {n}")
    path = recorded["request"]["uri"].removeprefix("https://api.twitter.com")
    path = path.replace("/users/783214/", f"/users/{emulator.ministry['id']}/")
    body = recorded["request"]["body"]
    reply = await api.call(method, path, user_token, json_body=body)
    want = json.loads(recorded["response"]["body"]["string"])
    assert recorded["response"]["status"]["code"] == reply.status
    assert [] == _keys(want, reply.body)
    for post in [] if "/users/me" in path else _posts_of(reply.body):
        assert [post["id"]] == post["edit_history_tweet_ids"]
    assert_rate_headers(reply)


def test_query_parameter_lists_equal_the_spec(spec: dict[str, Any]) -> None:
    """Each route's list of allowed query parameters is exactly what the spec declares."""

    def declared(path: str, method: str) -> set[str]:
        names = set()
        for entry in spec["paths"][path][method.lower()].get("parameters", []):
            ref = entry.get("$ref")
            param = spec["components"]["parameters"][ref.rsplit("/", 1)[1]] if ref else entry
            if param["in"] == "query":
                names.add(param["name"])
        return names

    ours = {key: set(names) for key, names in QUERY_PARAMS.items()}
    theirs = {(method, path): declared(path, method) for method, path in QUERY_PARAMS}
    assert theirs == ours


def test_every_route_has_a_parameter_list() -> None:
    """The app routes only endpoints whose query parameters are listed (else it will not build)."""
    app = create_app()
    assert len(ROUTES) == len(app[ENDPOINT])
