"""``EmulatorControl``: the async client of the control API (tests, the demo's crowd)."""

from __future__ import annotations

from typing import Any

import aiohttp


class EmulatorControlError(RuntimeError):
    """The control API refused a call."""


class EmulatorControl:
    """Steer an emulator at ``base_url`` with its admin token."""

    def __init__(self, base_url: str, admin_token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {admin_token}"}
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers=self._headers, timeout=aiohttp.ClientTimeout(total=30)
            )
        return self._session

    async def _call(
        self, method: str, path: str, *, json: Any = None, params: dict[str, str] | None = None
    ) -> Any:
        url = f"{self.base_url}/_emulator/{path}"
        async with self._http().request(method, url, json=json, params=params) as response:
            body = await response.json(content_type=None)
            if response.status >= 400:  # noqa: PLR2004 - HTTP's error range
                raise EmulatorControlError(f"{method} {path}: {response.status} {body}")
            return body

    async def create_user(self, username: str, name: str | None = None) -> dict[str, str]:
        """Create an account; return its id, username, name and user_token."""
        body = {"username": username} | ({"name": name} if name else {})
        result: dict[str, str] = await self._call("POST", "users", json=body)
        return result

    async def publish(
        self,
        author: str,
        text: str,
        *,
        in_reply_to: str | None = None,
        quote_of: str | None = None,
        retweet_of: str | None = None,
        lang: str | None = None,
    ) -> dict[str, Any]:
        """Publish a post as ``author`` (username or id); return the full post object."""
        body = {
            "author": author,
            "text": text,
            "in_reply_to": in_reply_to,
            "quote_of": quote_of,
            "retweet_of": retweet_of,
            "lang": lang,
        }
        result: dict[str, Any] = await self._call(
            "POST", "posts", json={k: v for k, v in body.items() if v is not None}
        )
        return result

    async def posts(
        self, author: str | None = None, in_reply_to: str | None = None
    ) -> list[dict[str, Any]]:
        """List posts oldest first, optionally by author or by parent post."""
        params = {k: v for k, v in (("author", author), ("in_reply_to", in_reply_to)) if v}
        body = await self._call("GET", "posts", params=params)
        posts: list[dict[str, Any]] = body["data"]
        return posts

    async def fault(self, endpoint: str, kind: str, count: int = 1, delay_s: float = 0.0) -> None:
        """Arm a fault for the next ``count`` requests of ``endpoint`` (or "*")."""
        await self._call(
            "POST",
            "faults",
            json={"endpoint": endpoint, "kind": kind, "count": count, "delay_s": delay_s},
        )

    async def reset(self) -> dict[str, Any]:
        """Forget posts, users, rules, faults, windows and counters."""
        result: dict[str, Any] = await self._call("POST", "reset")
        return result

    async def calls(self) -> dict[str, Any]:
        """Return ``{"control": n, "api": {endpoint: n}}`` (this call counts as control)."""
        result: dict[str, Any] = await self._call("GET", "calls")
        return result

    async def bill(self) -> dict[str, Any]:
        """Return the app's bill: ``counts``, ``usd`` per item, ``posts_usd``, ``total_usd``."""
        result: dict[str, Any] = await self._call("GET", "bill")
        return result

    async def set_config(self, **fields: Any) -> dict[str, Any]:
        """Change config fields at run time; return the whole config."""
        result: dict[str, Any] = await self._call("POST", "config", json=fields)
        return result

    async def ministry(self) -> dict[str, str]:
        """Return the ministry account's id, username and user_token."""
        result: dict[str, str] = await self._call("GET", "ministry")
        return result

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
