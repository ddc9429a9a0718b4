"""``/admin/users`` and ``/admin/audit``: the admin manages users and reads the audit log.

Every change goes through ``UserStore`` (the same checks, and the same audit entry, as
``seva users``): a disable, a role change and a password reset end the user's sessions at
once (their generation moves, and ``bot.web.access`` ends any session of an older one).
An admin may not disable or demote their own account: the last admin would lock the desk.
Passwords are typed by the admin and never shown, logged or audited. A TOTP secret is
enrolled with ``seva users totp enrol NAME`` on the server, so it never crosses the web.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from aiohttp import web

from bot.errors import SevaError
from bot.users.model import Role
from bot.web.context import AUDIT, USERS, notify, render, signed_in

FIELD_MAX = 200  # longer than any valid name, role, department list or password
SHOWN = 200  # audit entries on one page
SCANNED = 20_000  # entries read at most for one filtered page (the newest first)
ACTIONS = ("disable", "enable", "reset", "role")


def _field(form: dict[str, str], name: str) -> str:
    return str(form.get(name, "")).strip()[:FIELD_MAX]


def _depts(value: str) -> list[str]:
    return [d for d in (p.strip() for p in value.split(",")) if d]


async def page(request: web.Request) -> web.Response:
    """Every user (no secrets), with the forms to add, disable, reset and change a role."""
    users = await request.app[USERS].all()
    return await render(request, "users.html", {"users": users, "roles": [r.value for r in Role]})


async def add(request: web.Request) -> web.StreamResponse:
    """Add a user from the form; the store's checks say what is wrong, and nothing is saved."""
    admin = signed_in(request)
    form = {k: str(v) for k, v in (await request.post()).items()}
    name = _field(form, "name")
    try:
        await request.app[USERS].add(
            name, _field(form, "role"), _depts(_field(form, "depts")), form.get("password", ""),
            _field(form, "display_name") or None, admin.name,
        )  # fmt: skip
    except SevaError as err:
        await notify(request, f"Not added: {err}")
    else:
        await notify(request, f"{name} added.")
    raise web.HTTPSeeOther("/admin/users")


async def act(request: web.Request) -> web.StreamResponse:
    """Disable, enable, reset the password of, or change the role of one user."""
    admin = signed_in(request)
    name = request.match_info["user"][:FIELD_MAX]
    action = request.path.rsplit("/", 1)[-1]
    form = {k: str(v) for k, v in (await request.post()).items()}
    users = request.app[USERS]
    if name == admin.name and action in {"disable", "role"}:
        await notify(request, "You cannot disable or change the role of your own account.")
        raise web.HTTPSeeOther("/admin/users")
    try:
        if action == "disable":
            await users.disable(name, admin.name)
            done = f"{name} is disabled; their sessions have ended."
        elif action == "enable":
            await users.enable(name, admin.name)
            done = f"{name} may sign in again."
        elif action == "reset":
            await users.reset_password(name, form.get("password", "")[:FIELD_MAX], admin.name)
            done = f"{name}'s password is reset; their sessions have ended."
        else:
            depts = _depts(_field(form, "depts"))
            await users.set_role(name, _field(form, "role"), depts, admin.name)
            done = f"{name}'s role is changed; their sessions have ended."
    except SevaError as err:
        done = f"Not changed: {err}"
    await notify(request, done)
    raise web.HTTPSeeOther("/admin/users")


def _day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise web.HTTPBadRequest(text=f"{field} must be a date such as 2026-12-01") from None


async def audit(request: web.Request) -> web.Response:
    """The audit log, newest first, filtered by who, what (a prefix) and a range of days."""
    q = request.query
    who, what = q.get("who", "").strip()[:FIELD_MAX], q.get("what", "").strip()[:FIELD_MAX]
    since, until = _day(q.get("from", ""), "from"), _day(q.get("to", ""), "to")
    start = datetime.combine(since, time(0), UTC).timestamp() if since else None
    end = datetime.combine(until + timedelta(days=1), time(0), UTC).timestamp() if until else None
    found = await request.app[AUDIT].search(
        who=who, what=what, since=start, until=end, limit=SHOWN, scan=SCANNED
    )
    when = {e.id: datetime.fromtimestamp(e.at, UTC).strftime("%Y-%m-%d %H:%M:%S") for e in found}
    filters = {"who": who, "what": what, "from": q.get("from", "")[:10], "to": q.get("to", "")[:10]}
    context = {"entries": found, "when": when, "shown": SHOWN, "filters": filters}
    return await render(request, "audit.html", context)
