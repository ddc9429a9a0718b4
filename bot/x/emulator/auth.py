"""Who is calling: the app (app-only Bearer) or a user (OAuth 2.0 user-context Bearer)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from bot.x.emulator.runtime import Runtime
from bot.x.emulator.state import User

AuthKind = Literal["app", "user", "either"]

APP_ONLY = "OAuth 2.0 Application-Only"
USER_CONTEXT = "OAuth 1.0a User Context, OAuth 2.0 User Context"


@dataclass(frozen=True)
class Principal:
    """The caller: the app, or one user."""

    user: User | None

    @property
    def identity(self) -> str:
        """Return the rate-limit identity: ``app`` or ``user:<id>``."""
        return "app" if self.user is None else f"user:{self.user.id}"


PRINCIPAL = web.RequestKey("emulator.principal", Principal)


def bearer(request: web.Request) -> str | None:
    """Return the Bearer token of the request, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def identify(request: web.Request, runtime: Runtime) -> Principal | None:
    """Return the principal for the request's token, or None (X then answers 401)."""
    token = bearer(request)
    if token is None:
        return None
    if token == runtime.config.app_bearer:
        return Principal(user=None)
    user = runtime.world.by_token.get(token)
    return Principal(user=user) if user is not None else None


def principal(request: web.Request) -> Principal:
    """Return the principal the gate stored on the request."""
    return request[PRINCIPAL]
