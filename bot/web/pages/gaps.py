"""``/gaps``: questions the FAQ cannot answer yet, grouped by topic, and their next step.

An admin sees the clusters of the last ``SEVA_GAPS_DAYS`` days' escalated and triaged posts
(``bot.tickets.gaps``), each with its size, languages, departments, the words it shares and
sample posts with personal data masked. Two actions per cluster:

- **Dismiss**, with a reason: its posts are set aside (audited) and no longer grouped.
- **Draft an FAQ entry**: a draft keeps the cluster's posts as examples (masked,
  deduplicated, by language). The admin completes it (id, topic, department, the answer
  in three languages, the public source) and saves it: the same validator as ``seva kb
  validate`` checks the whole KB with it, problems are listed beside the fields and
  nothing invalid is saved. A saved entry is a new version of the live KB (audited like
  ``seva kb import``), unverified; its answer is ready at once, and the NLU learns its
  questions at the next ``seva nlu publish``, the entry "waits for the next publish".

The posts a form names are read again from Redis: a form's text is never trusted.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from bot.kb.claims import claims, describe
from bot.kb.schema import Answer, Examples, FAQEntry
from bot.kb.source import RedisKB
from bot.kb.validate import validate
from bot.pii import mask
from bot.tickets.gap_store import GapStore
from bot.tickets.gaps import EXAMPLE_LANGS, Cluster, GapPost, cluster, draft_examples
from bot.web.context import AUDIT, CLOCK, KEYS, REDIS, SETTINGS, notify, render, signed_in

SAMPLES = 5  # posts shown per cluster
FIELD_MAX = 2_000  # longer than any answer or example list an admin should type
REASON_MAX = 200
REVIEW_AFTER = timedelta(days=180)  # a new entry's first review is due this long after
DRAFTED_FILE = "from_gaps"  # the file `seva kb export` writes such entries to
FIELDS = (
    "id", "topic", "department", "domain", "source", *(f"answer_{x}" for x in EXAMPLE_LANGS)
)  # fmt: skip


def _store(request: web.Request) -> GapStore:
    return GapStore(request.app[REDIS], request.app[KEYS], request.app[CLOCK])


async def _clusters(request: web.Request) -> tuple[list[GapPost], list[Cluster]]:
    s = request.app[SETTINGS]
    posts = await _store(request).posts(s.gaps_days, s.gaps_max_posts)
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
    """The posts a form names that are on the gap page now."""
    wanted = {str(v)[:40] for v in form.getall("post", [])}
    posts, _ = await _clusters(request)
    return [p for p in posts if p.post_id in wanted]


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
        "departments": sorted(d.id for d in kb.departments), "langs": EXAMPLE_LANGS,
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


def _entry(values: dict[str, str], who: str, today: date) -> FAQEntry:
    """The FAQ entry the form describes (pydantic's ``ValidationError`` if malformed)."""
    lines = {
        lang: [x.strip() for x in values[f"examples_{lang}"].splitlines() if x.strip()]
        for lang in EXAMPLE_LANGS
    }
    return FAQEntry(
        id=values["id"], topic=values["topic"], department=values["department"],
        examples=Examples(**lines),
        answer=Answer(
            en=values["answer_en"], hi=values["answer_hi"],
            hinglish=values["answer_hinglish"] or None,
        ),
        domain=values["domain"] or None,
        source=values["source"], reviewed=today, verified=False, reviewed_by=who,
        review_due=today + REVIEW_AFTER,
    )  # fmt: skip


def _place(message: str) -> str:
    """The form field a validator message is about ("" for the form as a whole)."""
    if "its domain is" in message:
        return "domain"
    for lang in EXAMPLE_LANGS:
        if f"answer.{lang}" in message:
            return f"answer_{lang}"
        if f" {lang} example" in message or message.startswith(f"{lang} example"):
            return f"examples_{lang}"
    for name in ("source", "department", "topic"):
        if name in message:
            return name
    return "id" if "id" in message.split(":", 1)[0] else ""


async def draft_save(request: web.Request) -> web.StreamResponse:
    """Validate the completed entry with the whole KB; save it as a new version, or say why not."""
    user = signed_in(request)
    draft_id, record = await _draft_or_404(request)
    form = await request.post()
    values = {name: str(form.get(name, "")).strip()[:FIELD_MAX] for name in FIELDS}
    for lang in EXAMPLE_LANGS:
        values[f"examples_{lang}"] = str(form.get(f"examples_{lang}", ""))[: FIELD_MAX * 4]
    live = RedisKB(request.app[REDIS], request.app[KEYS])
    version, kb = await live.version(), await live.load()
    today = request.app[CLOCK].now().date()
    problems: dict[str, list[str]] = {}
    try:
        entry = _entry(values, user.name, today)
    except ValidationError as err:
        for e in err.errors():
            where = ".".join(str(x) for x in e["loc"]) or "form"
            field = where if where in FIELDS else _place(where)
            problems.setdefault(field, []).append(f"{where}: {e['msg']}")
        return await _form_page(request, draft_id, values, problems)
    if kb.faq(entry.id) is not None:
        problems["id"] = [f"an FAQ entry {entry.id!r} exists already"]
        return await _form_page(request, draft_id, values, problems)
    files = kb.faq_files | {entry.id: DRAFTED_FILE}
    new = kb.model_copy(update={"faqs": [*kb.faqs, entry], "faq_files": files})
    where = f"faq [{entry.id}]"
    for p in validate(new, own_tags=request.app[SETTINGS].own_tags()):
        if p.where == where:
            problems.setdefault(_place(p.message), []).append(p.message)
    if problems:
        return await _form_page(request, draft_id, values, problems)
    when = request.app[CLOCK].now().isoformat()
    await live.apply(
        version, new, who=user.name, when=when, summary=f"add FAQ {entry.id} (from a gap cluster)"
    )
    store = _store(request)
    await store.set_aside(record["posts"], f"drafted as FAQ {entry.id}", user.name)
    await store.drop_draft(draft_id)
    await request.app[AUDIT].record(
        user.name, "gaps.draft_saved", entry.id, posts=len(record["posts"])
    )
    stated = [c for lang in EXAMPLE_LANGS for c in claims(entry.answer.text(lang))]
    held = (
        f" It states {describe(stated)}: the desk posts it only once it is verified."
        if stated
        else ""
    )
    await notify(
        request,
        f"FAQ {entry.id} is in the live KB (unverified). Its questions reach it after the next "
        f"`seva nlu publish`.{held}",
    )
    raise web.HTTPSeeOther("/gaps")
