"""``/gaps``: questions the FAQ cannot answer yet, grouped by topic, and their next step.

An admin sees the clusters of the last ``SEVA_GAPS_DAYS`` days' escalated and triaged posts
(``bot.tickets.gaps``), each with its size, languages, departments, the words it shares and
sample posts with personal data masked. Two actions per cluster:

- **Dismiss**, with a reason: its posts are set aside (audited) and no longer grouped.
- **Draft an FAQ entry**: a draft keeps the cluster's posts as examples (masked,
  deduplicated, by language). The admin completes it (id, topic, department, the answer
  in three languages, the public source) and saves it through the KB console's own path
  (``bot.web.pages.kb.add_faq``, as ``/kb/new``): the whole KB is validated with it,
  problems are listed beside the fields and nothing invalid is saved. A saved entry is a
  new version of the live KB, unverified; its answer is ready at once, and the NLU learns
  its questions at the next publish: the entry "waits for the next publish".

The posts a form names are read again from Redis: a form's text is never trusted.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.kb.source import RedisKB
from bot.pii import mask
from bot.tickets.gap_store import GapStore
from bot.tickets.gaps import EXAMPLE_LANGS, Cluster, GapPost, cluster, draft_examples
from bot.web.context import AUDIT, CLOCK, KEYS, REDIS, SETTINGS, notify, render, signed_in
from bot.web.pages.kb import LANGS, add_faq, form_fields

SAMPLES = 5  # posts shown per cluster
REASON_MAX = 200
DRAFTED_FILE = "from_gaps"  # the file `seva kb export` writes such entries to


def _store(request: web.Request) -> GapStore:
    return GapStore(request.app[REDIS], request.app[KEYS], request.app[CLOCK])


async def _posts(request: web.Request) -> list[GapPost]:
    s = request.app[SETTINGS]
    return await _store(request).posts(s.gaps_days, s.gaps_max_posts)


async def _clusters(request: web.Request) -> tuple[list[GapPost], list[Cluster]]:
    s = request.app[SETTINGS]
    posts = await _posts(request)
    return posts, cluster(posts, threshold=s.gaps_threshold, min_size=s.gaps_min_size)


async def page(request: web.Request) -> web.Response:
    """The clusters, largest first."""
    posts, found = await _clusters(request)
    shown = [
        {"cluster": c, "samples": [(p.lang, mask(p.text)) for p in c.posts[:SAMPLES]]}
        for c in found
    ]
    context = {"posts": len(posts), "clusters": shown, "days": request.app[SETTINGS].gaps_days}
    return await render(request, "gaps.html", context)


async def _chosen(request: web.Request, form: Any) -> list[GapPost]:
    """The posts a form names that are on the gap page now (no clustering needed)."""
    wanted = {str(v)[:40] for v in form.getall("post", [])}
    return [p for p in await _posts(request) if p.post_id in wanted]


async def dismiss(request: web.Request) -> web.StreamResponse:
    """Set a cluster's posts aside, with the reason (required)."""
    user = signed_in(request)
    form = await request.post()
    reason = str(form.get("reason", "")).strip()[:REASON_MAX]
    chosen = await _chosen(request, form)
    if not reason:
        await notify(request, "Say why the cluster is dismissed (the reason is kept).")
    elif not chosen:
        await notify(request, "Those posts are no longer on the gap page.")
    else:
        ids = [p.post_id for p in chosen]
        await _store(request).set_aside(ids, f"dismissed: {reason}", user.name)
        await request.app[AUDIT].record(
            user.name, "gaps.dismiss", f"{len(ids)} posts", posts=ids, reason=reason
        )
        await notify(request, f"Dismissed a cluster of {len(ids)} posts: {reason}")
    raise web.HTTPSeeOther("/gaps")


async def draft(request: web.Request) -> web.StreamResponse:
    """Start an FAQ entry from a cluster's posts."""
    user = signed_in(request)
    chosen = await _chosen(request, await request.post())
    if not chosen:
        await notify(request, "Those posts are no longer on the gap page.")
        raise web.HTTPSeeOther("/gaps")
    depts = sorted({d for p in chosen for d in p.depts if d})
    record = {
        "posts": [p.post_id for p in chosen],
        "examples": draft_examples(chosen),
        "department": depts[0] if len(depts) == 1 else "",
        "by": user.name,
        "at": request.app[CLOCK].now().isoformat(),
    }
    draft_id = await _store(request).save_draft(record)
    raise web.HTTPSeeOther(f"/gaps/draft/{draft_id}")


async def _draft_or_404(request: web.Request) -> tuple[str, dict[str, Any]]:
    draft_id = request.match_info["draft"][:40]
    record = await _store(request).draft(draft_id)
    if record is None:
        raise web.HTTPNotFound(text="no such draft (it may have been saved already)")
    return draft_id, record


async def _form_page(
    request: web.Request, draft_id: str, values: dict[str, str], problems: dict[str, list[str]]
) -> web.Response:
    kb = await RedisKB(request.app[REDIS], request.app[KEYS]).load()
    context = {
        "draft_id": draft_id, "values": values, "problems": problems,
        "departments": sorted(d.id for d in kb.departments), "langs": LANGS,
    }  # fmt: skip
    return await render(request, "gap_draft.html", context)


async def draft_page(request: web.Request) -> web.Response:
    """The draft's form, its examples filled in from the cluster."""
    draft_id, record = await _draft_or_404(request)
    values = {
        f"examples_{lang}": "\n".join(record["examples"].get(lang, [])) for lang in EXAMPLE_LANGS
    }
    values["department"] = record.get("department", "")
    return await _form_page(request, draft_id, values, {})


async def draft_save(request: web.Request) -> web.StreamResponse:
    """Add the completed entry as ``/kb/new`` does; then set the cluster's posts aside.

    ``bot.web.pages.kb.add_faq`` validates it with the whole KB and saves a new version.
    """
    user = signed_in(request)
    draft_id, record = await _draft_or_404(request)
    added = await add_faq(
        request, await form_fields(request), file=DRAFTED_FILE, why=" (from a gap cluster)"
    )
    if added.problems:
        return await _form_page(request, draft_id, added.values, added.problems)
    store = _store(request)
    await store.set_aside(record["posts"], f"drafted as FAQ {added.entry_id}", user.name)
    await store.drop_draft(draft_id)
    await request.app[AUDIT].record(
        user.name, "gaps.draft_saved", added.entry_id, posts=len(record["posts"])
    )
    await notify(request, added.notice)
    raise web.HTTPSeeOther("/gaps")
