"""The control API: users, posts, counting apart from X's endpoints, reset, ids that never repeat."""

from __future__ import annotations

import aiohttp
import pytest

from bot.x.emulator import EmulatorControl, RunningEmulator, running_emulator
from bot.x.emulator.control import EmulatorControlError
from tests.x_emulator.conftest import APP, XApi


async def test_control_calls_are_counted_apart(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """X calls are counted per endpoint; control calls (this one included) only as control."""
    await emulator.control.create_user("asha")
    await emulator.control.publish("asha", "@MoCI_Seva hi")
    await api.get("/2/users/me", user_token)
    await api.get(f"/2/users/{emulator.ministry['id']}/mentions", APP)
    await api.get(f"/2/users/{emulator.ministry['id']}/mentions", APP)
    assert {"control": 3, "api": {"me": 1, "mentions": 2}} == await emulator.control.calls()


async def test_control_api_needs_the_admin_token(emulator: RunningEmulator) -> None:
    """A wrong admin token is refused (and the user token does not open the control API)."""
    wrong = EmulatorControl(emulator.base_url, emulator.ministry["user_token"])
    try:
        with pytest.raises(EmulatorControlError):
            await wrong.create_user("mallory")
    finally:
        await wrong.close()


async def test_posts_listing_filters(emulator: RunningEmulator) -> None:
    """posts() lists oldest first, by author or by parent."""
    await emulator.control.create_user("asha")
    root = await emulator.control.publish("asha", "@MoCI_Seva q")
    child = await emulator.control.publish("MoCI_Seva", "a", in_reply_to=root["id"])
    assert [root["id"], child["id"]] == [p["id"] for p in await emulator.control.posts()]
    assert [child["id"]] == [p["id"] for p in await emulator.control.posts(in_reply_to=root["id"])]
    assert [root["id"]] == [p["id"] for p in await emulator.control.posts(author="asha")]


async def test_duplicate_username_is_refused(emulator: RunningEmulator) -> None:
    """Handles are unique regardless of case."""
    await emulator.control.create_user("asha")
    with pytest.raises(EmulatorControlError):
        await emulator.control.create_user("ASHA")


async def test_reset_forgets_posts_keeps_ministry_token(
    emulator: RunningEmulator, api: XApi, user_token: str
) -> None:
    """reset() forgets posts and counters; the ministry token still works under a new id."""
    await emulator.control.create_user("asha")
    await emulator.control.publish("asha", "hello")
    old_id = emulator.ministry["id"]
    await emulator.control.reset()
    me = await api.get("/2/users/me", user_token)
    assert ([], me.body["data"]["id"]) == (await emulator.control.posts(), emulator.ministry["id"])
    assert old_id != emulator.ministry["id"]


async def test_ids_are_19_digits_and_grow_across_a_restart() -> None:
    """Snowflake ids are 19-digit strings derived from time, so a restart never reuses one."""
    async with running_emulator() as first:
        await first.control.create_user("asha")
        before = [(await first.control.publish("asha", f"p{i}"))["id"] for i in range(3)]
    async with running_emulator() as second:
        await second.control.create_user("asha")
        after = (await second.control.publish("asha", "p0"))["id"]
    ids = [*before, after]
    assert [19] * 4 == [len(i) for i in ids]
    assert sorted(ids, key=int) == ids
    assert len(set(ids)) == 4


async def test_set_config_rejects_unknown_fields(emulator: RunningEmulator) -> None:
    """set_config refuses a field the config does not have."""
    with pytest.raises(EmulatorControlError):
        await emulator.control.set_config(colour="red")


async def test_unknown_x_path_is_404(emulator: RunningEmulator) -> None:
    """A path X does not have is a 404."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(emulator.base_url + "/2/nothing") as r,
    ):
        assert 404 == r.status
