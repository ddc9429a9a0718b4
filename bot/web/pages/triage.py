"""``/triage``: posts with no ticket and no promise; convert, answer or dismiss them.

The page lists the oldest posts the user's departments may take (the department the desk
guessed; an admin sees every one), citizen text masked for personal data and rendered as
text. Each action checks the department again on the post itself, so a post id from
another department's inbox gets 403, whatever the form says. "Dismiss selected" takes
many posts out in one action.
"""

from __future__ import annotations

from aiohttp import web

from bot import pii
from bot.errors import TicketError
from bot.pipeline.triage import Triage
from bot.tickets.triage import Triaged
from bot.users.model import User
from bot.web.context import AUDIT, notify, render, signed_in
from bot.web.pages.live import sees

TRIAGE = web.AppKey("triage", Triage)
SHOWN = 200  # posts one page lists (the oldest)
POST_ID_MAX = 20  # X's ids are 19 digits
ANSWER_MAX = 5000
ACTIONS = ("convert", "answer")  # /triage/{post}/<action>, one route each


def _post_id(raw: str) -> str:
    if not raw.isdecimal() or len(raw) > POST_ID_MAX:
        raise web.HTTPBadRequest(text="A post id is a number of at most 20 digits.")
    return raw


async def page(request: web.Request) -> web.Response:
    """The inbox, oldest first, and its counts."""
    user = signed_in(request)
    inbox = request.app[TRIAGE].inbox
    items = [i for i in await inbox.items(SHOWN) if sees(user, i.dept)]
    rows = [(i, pii.mask(i.post.text)) for i in items]
    context = {"rows": rows, "counts": await inbox.counts()}
    return await render(request, "triage.html", context)


async def _mine(request: web.Request, user: User, post_id: str) -> Triaged:
    item = await request.app[TRIAGE].inbox.get(post_id)
    if item is None:  # another officer (or a second click) took it meanwhile
        await notify(request, f"!Post {post_id} is not in triage any more: already handled.")
        raise web.HTTPSeeOther("/triage")
    if not sees(user, item.dept):
        raise web.HTTPForbidden(text=f"Post {post_id} is for another department.")
    return item


async def act(request: web.Request) -> web.StreamResponse:
    """Convert or answer one post (``/triage/{post}/convert``, ``/triage/{post}/answer``)."""
    user = signed_in(request)
    post_id = _post_id(request.match_info["post"])
    action = request.path.rsplit("/", 1)[1]  # the route table has one path per action
    await _mine(request, user, post_id)
    triage = request.app[TRIAGE]
    try:
        if action == "convert":
            outcome = await triage.convert(post_id, user.name)
        else:
            form = await request.post()
            text = str(form.get("answer", "")).strip()[:ANSWER_MAX]
            if not text:
                await notify(request, "!Write the answer first.")
                raise web.HTTPSeeOther("/triage")
            outcome = await triage.answer(post_id, user.name, text)
    except TicketError as err:
        await notify(request, f"!Not done: {err}")
        raise web.HTTPSeeOther("/triage") from None
    await request.app[AUDIT].record(
        user.name, f"triage.{action}", post_id, before={"state": "triage"},
        after={"docket": outcome.docket},
    )  # fmt: skip
    done = "converted to" if action == "convert" else "answered as"
    meanwhile = "" if outcome.mine else " (another officer acted on it meanwhile)"
    await notify(request, f"Post {post_id} {done} {outcome.docket}{meanwhile}.")
    raise web.HTTPSeeOther(f"/ticket/{outcome.docket}")


async def dismiss(request: web.Request) -> web.StreamResponse:
    """Dismiss the selected posts (one action for many); nothing is posted."""
    user = signed_in(request)
    form = await request.post()
    ids = [_post_id(str(v)) for v in form.getall("post", [])][:SHOWN]
    if not ids:
        await notify(request, "!Select the posts to dismiss.")
        raise web.HTTPSeeOther("/triage")
    inbox = request.app[TRIAGE].inbox
    for post_id in ids:  # one already handled is skipped; one of another department, 403
        item = await inbox.get(post_id)
        if item is not None and not sees(user, item.dept):
            raise web.HTTPForbidden(text=f"Post {post_id} is for another department.")
    gone = await request.app[TRIAGE].dismiss(ids)
    for post_id in gone:
        await request.app[AUDIT].record(user.name, "triage.dismiss", post_id)
    await notify(request, f"{len(gone)} dismissed.")
    raise web.HTTPSeeOther("/triage")
