"""User lookup by id and by username, one and many, with X's shapes, errors and limits."""

from __future__ import annotations

from typing import Any

from bot.x.emulator import RunningEmulator
from tests.x_emulator.conftest import APP, XApi
from tests.x_emulator.test_contract import assert_rate_headers


async def test_one_user_by_id_and_by_username(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """GET /2/users/:id and /2/users/by/username/:username (any case) answer {data: user}."""
    asha = await emulator.control.create_user("asha", "Asha Rao")
    by_id = await api.get(f"/2/users/{asha['id']}", APP, **{"user.fields": "created_at"})
    by_name = await api.get("/2/users/by/username/ASHA", user_token)
    assert (200, 200) == (by_id.status, by_name.status)
    assert {"id", "name", "username", "created_at"} == set(by_id.body["data"])
    assert {"id": asha["id"], "name": "Asha Rao", "username": "asha"} == by_name.body["data"]
    assert_rate_headers(by_id)
    assert "900" == by_name.headers["x-rate-limit-limit"]
    assert "300" == by_id.headers["x-rate-limit-limit"]


async def test_missing_user_is_a_200_with_only_errors(emulator: RunningEmulator, api: XApi) -> None:
    """An id or handle naming nobody is a resource-not-found entry in errors, no data."""
    by_id = await api.get("/2/users/12345", APP)
    by_name = await api.get("/2/users/by/username/nobody_here", APP)
    assert (200, 200) == (by_id.status, by_name.status)
    assert "data" not in by_id.body
    assert "data" not in by_name.body
    expected: list[tuple[Any, ...]] = [
        ("12345", "id", "user", "Could not find user with id: [12345]."),
        ("nobody_here", "username", "user", "Could not find user with username: [nobody_here]."),
    ]
    got = [
        (e["value"], e["parameter"], e["resource_type"], e["detail"])
        for e in by_id.body["errors"] + by_name.body["errors"]
    ]
    assert expected == got
    assert by_id.body["errors"][0]["type"].endswith("/2/problems/resource-not-found")


async def test_many_users_with_a_partial_errors_array(emulator: RunningEmulator, api: XApi) -> None:
    """/2/users?ids= and /2/users/by?usernames= answer the found in data, the rest in errors."""
    asha = await emulator.control.create_user("asha")
    ravi = await emulator.control.create_user("ravi")
    ids = await api.get("/2/users", APP, ids=f"{asha['id']},99,{ravi['id']}")
    names = await api.get("/2/users/by", APP, usernames="ravi,ghost,Asha")
    assert [asha["id"], ravi["id"]] == [u["id"] for u in ids.body["data"]]
    assert [("99", "ids")] == [(e["value"], e["parameter"]) for e in ids.body["errors"]]
    assert ["ravi", "asha"] == [u["username"] for u in names.body["data"]]
    assert [("ghost", "usernames")] == [(e["value"], e["parameter"]) for e in names.body["errors"]]


async def test_bad_user_references_are_400s(emulator: RunningEmulator, api: XApi) -> None:
    """A malformed handle, a non-numeric id, no ids or more than 100 are invalid-request."""
    replies = [
        await api.get("/2/users/by/username/not-a-handle!", APP),
        await api.get("/2/users", APP, ids="12,abc"),
        await api.get("/2/users/by", APP, usernames=""),
        await api.get("/2/users", APP, ids=",".join(str(n) for n in range(1, 102))),
        await api.get("/2/users", APP, ids="1", **{"user.fields": "shoe_size"}),
    ]
    assert [400] * 5 == [r.status for r in replies]
    assert all(r.body["type"].endswith("/2/problems/invalid-request") for r in replies)


async def test_user_lookups_are_counted_and_rate_limited(
    emulator: RunningEmulator, api: XApi
) -> None:
    """Users read count toward the monthly cap, and the window refuses with a 429 when spent."""
    asha = await emulator.control.create_user("asha")
    await emulator.control.set_config(limits={"users": {"app": 1}})
    first = await api.get("/2/users", APP, ids=asha["id"] + "," + emulator.ministry["id"])
    second = await api.get(f"/2/users/{asha['id']}", APP)
    read = emulator.runtime.read_cap.used
    await emulator.control.set_config(monthly_read_cap=0, limits={"users": {"app": 300}})
    await emulator.control.reset()
    capped = await api.get(f"/2/users/{emulator.ministry['id']}", APP)
    assert (200, 429, "0") == (
        first.status,
        second.status,
        second.headers["x-rate-limit-remaining"],
    )
    assert 2 == read
    assert (429, True) == (capped.status, capped.body["type"].endswith("usage-capped"))
    calls = await emulator.control.calls()
    assert 1 == calls["api"]["users"]
