"""``/signin`` and ``/signout``: the sign-in form (name, password, code) and leaving."""

from __future__ import annotations

from aiohttp import web
from aiohttp_session import get_session

from bot.users.model import PASSWORD_MAX
from bot.web.context import AUDIT, CLOCK, SETTINGS, SIGNIN, current_user, notify, render
from bot.web.pages.start import START_PAGE
from bot.web.sessions import rotate, start_session

# field -> (label, longest accepted); every field is checked before anything happens.
FIELDS = {"name": ("Name", 32), "password": ("Password", PASSWORD_MAX), "code": ("Code", 16)}
REQUIRED = ("name", "password")


def client_address(request: web.Request) -> str:
    """The caller's address (the first X-Forwarded-For hop only behind a trusted proxy)."""
    if request.app[SETTINGS].web_trust_forwarded:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded.strip():
            return forwarded.split(",")[0].strip()
    return request.remote or "unknown"


def validate(form: dict[str, str]) -> dict[str, str]:
    """Field -> message for every missing or over-long field."""
    errors: dict[str, str] = {}
    for field, (label, longest) in FIELDS.items():
        value = form.get(field, "")
        if field in REQUIRED and not value.strip():
            errors[field] = f"{label} is required."
        elif len(value) > longest:
            errors[field] = f"{label} is too long (at most {longest} characters)."
    return errors


async def form(request: web.Request) -> web.Response:
    """The sign-in form."""
    return await render(request, "signin.html", {"values": {}, "errors": {}})


async def submit(request: web.Request) -> web.StreamResponse:
    """Check the form, then the credentials; on success start a fresh session."""
    posted = await request.post()
    values = {k: str(posted.get(k, "")) for k in FIELDS}
    errors = validate(values)
    shown = {"name": values["name"][:32]}
    if errors:
        return await render(request, "signin.html", {"values": shown, "errors": errors}, 400)
    result = await request.app[SIGNIN].attempt(
        values["name"], values["password"], values["code"], client_address(request)
    )
    if result.user is None:
        context = {"values": shown, "errors": {"form": result.message}}
        return await render(request, "signin.html", context, status=401)
    session = await rotate(request, await get_session(request))
    start_session(session, result.user, request.app[CLOCK].time())
    if result.method == "password+recovery":
        await notify(request, "You signed in with a recovery code; it cannot be used again.")
    raise web.HTTPSeeOther(START_PAGE[result.user.role])


async def signout(request: web.Request) -> web.StreamResponse:
    """End the session (its data is deleted from Redis) and go back to the form."""
    user = current_user(request)
    await rotate(request, await get_session(request))
    if user is not None:
        await request.app[AUDIT].record(user.name, "signout", user.name)
    await notify(request, "You have signed out.")
    raise web.HTTPSeeOther("/signin")
