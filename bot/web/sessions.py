"""Sessions in Redis through aiohttp-session, under our key names (``Keys.session``).

aiohttp-session's own ``RedisStorage`` names keys after the cookie and expects a client
that returns bytes; this storage uses the process's one client and ``bot.keys``. A session
id is 256 random bits; signing in always starts a new one (``rotate``), and signing out or
expiring deletes it from Redis.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from aiohttp import web
from aiohttp_session import STORAGE_KEY, AbstractStorage, Session, new_session

from bot.keys import Keys
from bot.settings import Settings
from bot.store import Redis
from bot.users.model import User

COOKIE_NAME = "seva_session"


@dataclass(frozen=True)
class SessionUser:
    """Session keys for the signed-in user."""

    name: str = "user"
    generation: str = "generation"
    signed_in_at: str = "signed_in_at"
    seen_at: str = "seen_at"


S = SessionUser()


class RedisSessionStorage(AbstractStorage):
    """Session data as JSON at ``Keys.session(id)``, expiring at the absolute timeout."""

    def __init__(self, redis: Redis, keys: Keys, settings: Settings) -> None:
        super().__init__(
            cookie_name=COOKIE_NAME,
            max_age=int(settings.web_absolute_timeout_s) + 1,
            httponly=True,
            secure=settings.web_cookie_secure,
            samesite="Lax",
        )
        self.redis = redis
        self.keys = keys

    async def load_session(self, request: web.Request) -> Session:
        """The session named by the cookie, or a new empty one."""
        cookie = self.load_cookie(request)
        if cookie:
            raw = await self.redis.get(self.keys.session(str(cookie)))
            if raw is not None:
                return Session(str(cookie), data=json.loads(raw), new=False, max_age=self.max_age)
        return Session(None, data=None, new=True, max_age=self.max_age)

    async def save_session(
        self, request: web.Request, response: web.StreamResponse, session: Session
    ) -> None:
        """Write the session (or delete it, and the cookie, when it was emptied)."""
        del request
        if session.empty:
            if session.identity is not None:
                await self.redis.delete(self.keys.session(str(session.identity)))
            self.save_cookie(response, "", max_age=session.max_age)
            return
        key = str(session.identity) if session.identity else secrets.token_urlsafe(32)
        data = json.dumps(self._get_session_data(session))
        await self.redis.set(self.keys.session(key), data, ex=session.max_age)
        self.save_cookie(response, key, max_age=session.max_age)

    async def forget(self, identity: str | None) -> None:
        """Delete a session's data (when the session is replaced)."""
        if identity:
            await self.redis.delete(self.keys.session(identity))


async def rotate(request: web.Request, old: Session) -> Session:
    """A fresh session with a new id; the old one is deleted (no session fixation)."""
    storage: RedisSessionStorage = request[STORAGE_KEY]
    await storage.forget(str(old.identity) if old.identity else None)
    return await new_session(request)


def start_session(session: Session, user: User, now: float) -> None:
    """Record a successful sign-in in a (fresh) session."""
    session[S.name] = user.name
    session[S.generation] = user.generation
    session[S.signed_in_at] = now
    session[S.seen_at] = now
