"""The composition root builds each selected role with what it needs, and nothing more."""

from __future__ import annotations

import pytest

from bot.app import ROLE_BUILDERS, build
from bot.errors import SettingsError
from bot.settings import ALL_ROLES, load_settings

REAL_X = "https://api.x.com"


async def test_sla_alone_builds_without_x_credentials():
    """`seva run --roles sla` against the real X host needs no X token: the SLA never calls X."""
    settings = load_settings(roles="sla", x_base_url=REAL_X, x_bearer_token=None)
    runner, deps = build(settings)
    try:
        assert ["sla"] == [role.name for role in runner.roles]
    finally:
        await deps.redis.aclose()


@pytest.mark.parametrize("roles", ["ingest", "outbox", "sla,outbox"])
async def test_a_role_that_talks_to_x_still_needs_the_token(roles):
    """A process whose roles call X, pointed at the real host without a token, is refused by name."""
    settings = load_settings(roles=roles, x_base_url=REAL_X, x_bearer_token=None)
    with pytest.raises(SettingsError) as err:
        build(settings)
    assert "SEVA_X_BEARER_TOKEN" in str(err.value)


def test_every_role_has_a_builder():
    """Each role SEVA_ROLES accepts is built by the composition root (no role left unbuilt)."""
    assert set(ALL_ROLES) == set(ROLE_BUILDERS)


async def test_a_process_without_x_roles_builds_no_x_client():
    """pipeline, sla and web never talk to X: their process has no X client at all."""
    settings = load_settings(roles="pipeline,sla,web", x_base_url=REAL_X, x_bearer_token=None)
    runner, deps = build(settings)
    try:
        assert ["pipeline", "sla", "web"] == [role.name for role in runner.roles]
        assert deps.x is None
        assert deps.accounts is None
        assert deps.tickets is not None  # built once, shared by the pipeline and the SLA
    finally:
        await deps.redis.aclose()
