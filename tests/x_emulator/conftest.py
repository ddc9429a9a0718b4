"""Helpers for the emulator's tests: a raw HTTP client that speaks to it as X's clients do."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from bot.x.emulator import RunningEmulator

APP = "emulator-app-bearer"


@dataclass
class Reply:
    """One HTTP answer: status, headers (lower-case names) and the decoded body."""

    status: int
    headers: dict[str, str]
    body: Any
    content_type: str


class XApi:
    """A thin raw client: no retries, no mapping, so the tests see exactly what X would send."""

    def __init__(self, base_url: str, session: aiohttp.ClientSession) -> None:
        self.base_url = base_url
        self.session = session

    async def call(
        self,
        method: str,
        path: str,
        token: str | None,
        *,
        params: Any = None,
        json_body: Any = None,
    ) -> Reply:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.session.request(
            method, self.base_url + path, headers=headers, params=params, json=json_body
        ) as response:
            raw = await response.text()
            try:
                body: Any = json.loads(raw)
            except ValueError:
                body = raw
            return Reply(
                status=response.status,
                headers={k.lower(): v for k, v in response.headers.items()},
                body=body,
                content_type=response.content_type,
            )

    async def get(self, path: str, token: str | None, **params: Any) -> Reply:
        return await self.call("GET", path, token, params=params or None)

    async def post(self, path: str, token: str | None, body: Any, **params: Any) -> Reply:
        return await self.call("POST", path, token, params=params or None, json_body=body)


@pytest.fixture
async def api(emulator: RunningEmulator) -> AsyncIterator[XApi]:
    """A raw client of the emulator's X endpoints."""
    async with aiohttp.ClientSession() as session:
        yield XApi(emulator.base_url, session)


@pytest.fixture
def ministry(emulator: RunningEmulator) -> dict[str, str]:
    """The ministry account (id, username, user_token)."""
    return emulator.ministry


@pytest.fixture
def user_token(ministry: dict[str, str]) -> str:
    """The ministry's OAuth 2.0 user-context token."""
    return ministry["user_token"]
