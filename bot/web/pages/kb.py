"""``/kb``: the admin's knowledge-base console: browse, edit, review, roll back.

Every write goes through ``bot.kb.console.Console``: validated with the whole KB (problems
beside their fields, nothing invalid saved), a new audited version, refused with the diff
when the item changed since the admin opened it. An FAQ answer edit takes effect at once:
the pipeline reads the live KB, so the next citizen who asks gets the new text without a
retraining. Changing the answer or the source of a verified entry makes it unverified: the
old supporting sentence does not vouch for new words; "Mark verified" needs a source on an
official domain and the sentence, and records who and when.

All KB text is rendered by Jinja2 with autoescape, so markup in an answer is shown as
text here and in the reply preview.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import yaml
from aiohttp import web
from aiohttp_sse import sse_response

from bot.errors import KBConflictError, KBError, KBRefusedError
from bot.kb.claims import claims, describe
from bot.kb.console import Console, as_yaml, diff, item_name, items_of
from bot.kb.review import counts, review_queue
from bot.kb.schema import FAQEntry, KnowledgeBase
from bot.kb.source import RedisKB, examples_hash
from bot.kb.validate import answer_parts, is_official
from bot.nlu.publish import STAGES
from bot.nlu.publish_job import PublishBusyError
from bot.replies.render import KINDS, render
from bot.web.context import CLOCK, KEYS, PUBLISH, REDIS, SETTINGS, notify, signed_in
from bot.web.context import render as page_render
from bot.web.pages.live import LIVE_STOP, STREAM_ID

LANGS = ("en", "hi", "hinglish")
ENTRY_KINDS = ("faq", "directory", "department")
FIELD_MAX = 4_000
EXAMPLES_MAX = 4 * FIELD_MAX  # one example a line: a cluster's posts can fill it
SEARCH_MAX = 100
EVIDENCE_MIN = 20  # characters: a supporting sentence, not a word
REVIEW_AFTER = timedelta(days=180)  # a verification's next review is due this long after
FAQ_FIELDS = ("topic", "department", "domain", "source", *(f"answer_{x}" for x in LANGS))


def _live(request: web.Request) -> RedisKB:
    return RedisKB(request.app[REDIS], request.app[KEYS])


def _now(request: web.Request) -> str:
    return request.app[CLOCK].now().isoformat(timespec="seconds")


async def front(request: web.Request) -> web.Response:
    """The console's front page: the review counts, the live model, every item (searched)."""
    live = _live(request)
    kb = await live.load()
    today = request.app[CLOCK].now().date()
    q = request.query.get("q", "").strip()[:SEARCH_MAX]
    found = {
        name: data
        for name, data in items_of(kb).items()
        if not q or q.casefold() in (name + json.dumps(data, ensure_ascii=False)).casefold()
    }
    by_kind: dict[str, list[str]] = {}
    for name in found:
        kind, _, rest = name.partition("/")
        by_kind.setdefault(kind, []).append(rest)
    raw: Any = await request.app[REDIS].get(request.app[KEYS].kb("nlu_published"))
    published = json.loads(raw) if raw else None
    trained_on = await live.model_hash()
    context = {
        "version": kb.version, "counts": counts(review_queue(kb, today)), "q": q,
        "by_kind": by_kind, "published": published, "trained_on": trained_on,
        # As `seva kb status` says: no model published from this KB is a stale one too.
        "stale": trained_on != examples_hash(kb),
        "latest": await request.app[PUBLISH].latest(),
    }  # fmt: skip
    return await page_render(request, "kb.html", context)


async def review(request: web.Request) -> web.Response:
    """The review queue (the same list as ``seva kb review``)."""
    kb = await _live(request).load()
    items = review_queue(kb, request.app[CLOCK].now().date())
    return await page_render(request, "kb_review.html", {"items": items})


def _item(request: web.Request) -> tuple[str, str]:
    """(kind, name) of the item a path names."""
    kind = request.path.split("/")[2]
    if kind == "template":
        return kind, f"{request.match_info['lang']}/{request.match_info['tkind']}"
    return kind, request.match_info["item"][:100]


def _path(kind: str, name: str) -> str:
    return f"/kb/{kind}/{name}"


async def _current(request: web.Request, kind: str, name: str) -> tuple[KnowledgeBase, Any]:
    kb = await _live(request).load()
    data = items_of(kb).get(item_name(kind, name))
    if data is None:
        raise web.HTTPNotFound(text=f"no {kind} {name!r} in the live knowledge base")
    return kb, data


def _faq_values(data: dict[str, Any]) -> dict[str, str]:
    values = {
        name: str(data.get(name) or "") for name in ("topic", "department", "domain", "source")
    }
    for lang in LANGS:
        values[f"answer_{lang}"] = str(data["answer"].get(lang) or "")
        values[f"examples_{lang}"] = "\n".join(data["examples"].get(lang, []))
    return values


async def item_page(request: web.Request) -> web.Response:
    """One item: its facts, its form, its versions."""
    kind, name = _item(request)
    kb, data = await _current(request, kind, name)
    return await _item_view(request, kind, name, kb, data, values=None, problems={}, conflict=None)


async def _item_view(
    request: web.Request, kind: str, name: str, kb: KnowledgeBase, data: Any, *,
    values: dict[str, str] | None, problems: dict[str, list[str]], conflict: list[str] | None,
) -> web.Response:  # fmt: skip
    console = Console(_live(request))
    item = item_name(kind, name)
    context: dict[str, Any] = {
        "kind": kind, "name": name, "data": data, "base": kb.version, "problems": problems,
        "versions": await console.versions(item), "conflict": conflict, "langs": LANGS,
        "path": _path(kind, name), "departments": sorted(d.id for d in kb.departments),
    }  # fmt: skip
    if kind == "faq":
        entry = FAQEntry.model_validate(data)
        context["posts"] = {lang: len(answer_parts(entry, kb, lang)) for lang in LANGS}
        context["values"] = values or _faq_values(data)
    elif kind == "template":
        context["values"] = values or {"source": data}
        context["sample"] = _sample(name, context["values"]["source"])
    else:
        context["values"] = values or {"yaml": "\n".join(as_yaml(data))}
    return await page_render(request, "kb_item.html", context)


def _sample(name: str, source: str) -> str:
    """A template rendered against the validator's sample values (or why it cannot be)."""
    kind = name.partition("/")[2]
    try:
        return render(source, KINDS.get(kind, {}))
    except (KBError, TypeError, ValueError, ArithmeticError) as err:
        # render() turns Jinja's errors into KBError; a bad expression can raise the rest.
        return f"(does not render: {err})"


def _lines(text: str) -> list[str]:
    return [x.strip() for x in text.splitlines() if x.strip()]


def _edited(kind: str, data: Any, form: dict[str, str]) -> tuple[Any, dict[str, str]]:
    """The item's new data from the form, and the form's values (shown again on refusal)."""
    if kind == "template":
        return form.get("source", ""), {"source": form.get("source", "")}
    if kind != "faq":
        text = form.get("yaml", "")
        try:
            return yaml.safe_load(text), {"yaml": text}
        except yaml.YAMLError as err:
            raise KBRefusedError([("yaml", f"not YAML: {err}")]) from None
    values = {n: form.get(n, "").strip() for n in FAQ_FIELDS}
    values |= {f"examples_{x}": form.get(f"examples_{x}", "") for x in LANGS}
    new = dict(data)
    new |= {n: values[n] for n in ("topic", "department", "source")}
    new["domain"] = values["domain"] or None
    new["answer"] = {x: values[f"answer_{x}"] for x in LANGS}
    new["examples"] = {x: _lines(values[f"examples_{x}"]) for x in LANGS}
    if new["answer"] != data["answer"] or new["source"] != data["source"]:
        new["verified"] = False  # the supporting sentence vouched for the old words
    return new, values


def _place(where: str, message: str) -> str:
    """The form field a problem is about ("" for the form as a whole)."""
    for lang in LANGS:
        if f"answer.{lang}" in message or f"answer.{lang}" in where:
            return f"answer_{lang}"
        if f" {lang} example" in message or message.startswith(f"{lang} example"):
            return f"examples_{lang}"
    if "its domain is" in message:
        return "domain"
    for name in ("source", "department", "topic", "yaml"):
        if name in message or where == name:
            return name
    return ""


async def item_save(request: web.Request) -> web.StreamResponse:
    """Save the form as the item's next version, or show why not."""
    user = signed_in(request)
    kind, name = _item(request)
    kb, data = await _current(request, kind, name)
    form = await form_fields(request)
    if kind == "template" and "preview" in form:  # rendered with sample values, not saved
        shown = {"source": form.get("source", "")}
        return await _item_view(
            request, kind, name, kb, data, values=shown, problems={}, conflict=None
        )
    base = _version(form.get("base", ""), -1)  # -1: no version seen, so any change conflicts
    values: dict[str, str] = {}
    try:
        new, values = _edited(kind, data, form)
        version = await Console(_live(request)).save(
            item_name(kind, name), new, base=base, who=user.name, when=_now(request),
            summary=f"edit {kind} {name}", own_tags=request.app[SETTINGS].own_tags(),
        )  # fmt: skip
    except KBConflictError as err:
        return await _item_view(
            request, kind, name, kb, data, values=values or None, problems={"": [str(err)]},
            conflict=err.diff,
        )  # fmt: skip
    except KBRefusedError as err:
        problems: dict[str, list[str]] = {}
        for where, message in err.problems:
            problems.setdefault(_place(where, message), []).append(message)
        return await _item_view(
            request, kind, name, kb, data, values=values or None, problems=problems, conflict=None
        )
    await notify(request, f"Saved {kind} {name} as version {version}.")
    raise web.HTTPSeeOther(_path(kind, name))


def _version(value: str, default: int) -> int:
    try:
        return int(value)
    except ValueError:
        return default


async def item_diff(request: web.Request) -> web.Response:
    """The item's YAML at two versions (default: the two newest)."""
    kind, name = _item(request)
    await _current(request, kind, name)
    console = Console(_live(request))
    item = item_name(kind, name)
    versions = await console.versions(item)
    newest = versions[0].version if versions else 0
    older = versions[1].version if len(versions) > 1 else newest
    a = _version(request.query.get("a", ""), older)
    b = _version(request.query.get("b", ""), newest)
    lines = diff(await console.at(item, a), await console.at(item, b), names=(f"v{a}", f"v{b}"))
    context = {
        "kind": kind,
        "name": name,
        "a": a,
        "b": b,
        "lines": lines,
        "path": _path(kind, name),
        "versions": versions,
    }
    return await page_render(request, "kb_diff.html", context)


async def item_rollback(request: web.Request) -> web.StreamResponse:
    """Make the item what it was at a chosen version (a new version)."""
    user = signed_in(request)
    kind, name = _item(request)
    await _current(request, kind, name)
    to = _version(str((await request.post()).get("version", "")), 0)
    try:
        version = await Console(_live(request)).rollback(
            item_name(kind, name), to, who=user.name, when=_now(request)
        )
    except KBError as err:
        await notify(request, f"Not rolled back: {err}")
    else:
        await notify(
            request, f"{kind} {name} is as it was at version {to} (now version {version})."
        )
    raise web.HTTPSeeOther(_path(kind, name))


async def verify(request: web.Request) -> web.StreamResponse:
    """Mark an FAQ entry verified: an official source and the sentence that supports it."""
    user = signed_in(request)
    kind, name = _item(request)
    kb, data = await _current(request, kind, name)
    form = await request.post()
    source = str(form.get("source", "")).strip()[:500]
    evidence = " ".join(str(form.get("evidence", "")).split())[:FIELD_MAX]
    dept = kb.department(str(data.get("department", "")))
    today = request.app[CLOCK].now().date()
    if not is_official(source, dept.domains if dept else []):
        why = (
            "Not verified: the source must be a page on an official domain (gov.in, nic.in "
            "or the department's own)."
        )
    elif len(evidence) < EVIDENCE_MIN:
        why = "Not verified: paste the sentence from that page that supports the answer."
    else:
        new = data | {
            "verified": True, "source": source, "evidence": evidence, "reviewed": today.isoformat(),
            "reviewed_by": user.name, "review_due": (today + REVIEW_AFTER).isoformat(),
        }  # fmt: skip
        try:
            await Console(_live(request)).save(
                item_name(kind, name), new, base=kb.version, who=user.name,
                when=_now(request), summary=f"verify {kind} {name}",
                own_tags=request.app[SETTINGS].own_tags(),
            )  # fmt: skip
        except KBError as err:
            why = f"Not verified: {err}"
        else:
            why = f"{name} is verified by {user.name} on {today.isoformat()}."
    await notify(request, why)
    raise web.HTTPSeeOther(_path(kind, name))


async def new_page(request: web.Request) -> web.Response:
    """The form for a new FAQ entry."""
    kb = await _live(request).load()
    return await _new_view(request, kb, {}, {})


async def _new_view(
    request: web.Request, kb: KnowledgeBase, values: dict[str, str], problems: dict[str, list[str]]
) -> web.Response:
    context = {
        "values": values, "problems": problems, "langs": LANGS, "base": kb.version,
        "departments": sorted(d.id for d in kb.departments),
    }  # fmt: skip
    return await page_render(request, "kb_new.html", context)


async def form_fields(request: web.Request) -> dict[str, str]:
    """A posted form's fields as text, each cut to its bound.

    An example list may be long: a gap cluster's posts, one a line.
    """
    return {
        k: str(v)[: EXAMPLES_MAX if k.startswith("examples_") else FIELD_MAX]
        for k, v in (await request.post()).items()
    }


@dataclass(frozen=True)
class Added:
    """What ``add_faq`` did.

    The entry's id, the form's values, the problems (none: saved) and the admin's notice.
    """

    entry_id: str
    values: dict[str, str]
    problems: dict[str, list[str]]
    notice: str


async def add_faq(
    request: web.Request, form: dict[str, str], *, file: str | None = None, why: str = ""
) -> Added:
    """Add the FAQ entry ``form`` describes, unverified, as a new version.

    Used by ``/kb/new`` and by a gap cluster's draft; nothing is saved while it has problems.
    """
    user = signed_in(request)
    kb = await _live(request).load()
    entry_id = form.get("id", "").strip()[:80]
    today = request.app[CLOCK].now().date()
    blank = {
        "id": entry_id, "topic": "", "department": "", "source": "", "links": [],
        "answer": dict.fromkeys(LANGS, ""), "examples": {x: [] for x in LANGS},
        "reviewed": today.isoformat(), "verified": False, "reviewed_by": user.name,
        "review_due": (today + REVIEW_AFTER).isoformat(),
    }  # fmt: skip
    new, values = _edited("faq", blank, form)
    values["id"] = entry_id
    problems: dict[str, list[str]] = {}
    if kb.faq(entry_id) is not None:
        problems["id"] = [f"an FAQ entry {entry_id!r} exists already"]
        return Added(entry_id, values, problems, "")
    try:
        await Console(_live(request)).save(
            item_name("faq", entry_id or "-"), new, base=kb.version, who=user.name,
            when=_now(request), summary=f"add faq {entry_id}{why}",
            own_tags=request.app[SETTINGS].own_tags(), file=file,
        )  # fmt: skip
    except KBRefusedError as err:
        for where, message in err.problems:
            field = (
                "id"
                if "id" in where.split(".")[-1:] or "pattern" in message
                else _place(where, message)
            )
            problems.setdefault(field, []).append(message)
        return Added(entry_id, values, problems, "")
    stated = [c for lang in LANGS for c in claims(new["answer"][lang])]
    held = (
        f" It states {describe(stated)}: the desk posts it only once it is verified."
        if stated
        else ""
    )
    notice = (
        f"FAQ {entry_id} is in the live KB (unverified). Its questions reach it after the next "
        f"`seva nlu publish` (or Retrain and publish here).{held}"
    )
    return Added(entry_id, values, problems, notice)


async def new_save(request: web.Request) -> web.StreamResponse:
    """Add the FAQ entry the form describes, unverified, as a new version."""
    added = await add_faq(request, await form_fields(request))
    if added.problems:
        return await _new_view(request, await _live(request).load(), added.values, added.problems)
    await notify(request, added.notice)
    raise web.HTTPSeeOther(_path("faq", added.entry_id))


REASON_MAX = 300


async def publish_start(request: web.Request) -> web.StreamResponse:
    """Start a publish (over a refusal only with a typed reason, which is audited)."""
    user = signed_in(request)
    form = await request.post()
    override = " ".join(str(form.get("override", "")).split())[:REASON_MAX] or None
    try:
        job = await request.app[PUBLISH].start(user.name, override=override)
    except PublishBusyError as err:
        await notify(request, f"Not started: {err}.")
        raise web.HTTPSeeOther("/kb") from None
    raise web.HTTPSeeOther(f"/kb/publish/{job}")


async def _job(request: web.Request) -> tuple[str, dict[str, str]]:
    job = request.match_info["job"][:40]
    record = await request.app[PUBLISH].job(job)
    if record is None:
        raise web.HTTPNotFound(text="no such publish")
    return job, record


async def publish_page(request: web.Request) -> web.Response:
    """A publish's stages and the gate's table, live while it runs."""
    job, record = await _job(request)
    events = await request.app[PUBLISH].events(job)
    stages: dict[str, dict[str, Any]] = {
        name: {"status": "waiting", "detail": {}} for name in STAGES
    }
    gate: dict[str, Any] | None = None
    for _, event in events:
        if event["stage"] in stages:
            stages[event["stage"]] = {"status": event["status"], "detail": event["detail"]}
        if event["stage"] == "gate":
            gate = event["detail"]
    last = events[-1][0] if events else "0-0"
    context = {"job": job, "record": record, "stages": stages, "gate": gate, "last": last}
    return await page_render(request, "kb_publish.html", context)


async def publish_events(request: web.Request) -> web.StreamResponse:
    """The publish's stage entries as server-sent events, until it ends."""
    job, _ = await _job(request)
    jobs = request.app[PUBLISH]
    after = request.headers.get("Last-Event-ID") or request.query.get("after", "0-0")
    if not STREAM_ID.fullmatch(after):
        after = "0-0"
    async with sse_response(request) as stream:
        while not request.app[LIVE_STOP].is_set():
            for entry_id, event in await jobs.events(job, after, block_ms=2_000):
                await stream.send(json.dumps(event), id=entry_id, event="stage")
                after = entry_id
                if event["stage"] == "end":
                    return stream
            record = await jobs.job(job)
            if record is not None and record["state"] == "interrupted":
                await stream.send(
                    json.dumps({"stage": "end", "status": "interrupted"}), event="stage"
                )
                return stream
    return stream
