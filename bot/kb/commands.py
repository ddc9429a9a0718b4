"""``seva kb``: validate the files, and keep the live knowledge base in Redis current.

Every write (import, set, rollback) is validated as a whole before it goes live, and is
recorded with who made it, when and what changed (``seva kb history``).
"""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
import yaml

from bot.errors import KBError
from bot.kb import files
from bot.kb.review import counts, review_queue
from bot.kb.schema import KnowledgeBase
from bot.kb.source import RedisKB, examples_hash, from_items, to_items
from bot.kb.validate import report, validate
from bot.keys import Keys
from bot.settings import Settings, load_settings
from bot.store import connect
from bot.textsafe import echo

_T = TypeVar("_T")
_HISTORY_ITEMS = 4  # items named per history line; the rest are counted


def _fail(message: str) -> None:
    echo(f"seva kb: {message}", err=True)
    sys.exit(1)


def _report(problems: list[files.Problem]) -> bool:
    for problem in problems:
        echo(f"  ✗ {problem}", err=True)
    return not problems


def _run(settings: Settings, action: Callable[[RedisKB], Awaitable[_T]]) -> _T:
    async def main() -> _T:
        redis = connect(settings.redis_url)
        try:
            return await action(RedisKB(redis, Keys(settings.key_prefix)))
        finally:
            await redis.aclose()

    try:
        return asyncio.run(main())
    except KBError as err:
        _fail(str(err))
        raise  # unreachable: _fail exits


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _who(by: str | None) -> str:
    return by or getpass.getuser()


@click.group()
def kb() -> None:
    """The knowledge base: FAQ entries, the directory, departments and reply templates."""


@kb.command("validate")
@click.option("--kb-dir", type=click.Path(path_type=Path), help="Defaults to SEVA_KB_DIR.")
@click.option(
    "--responses-dir", type=click.Path(path_type=Path), help="Defaults to SEVA_RESPONSES_DIR."
)
def validate_command(kb_dir: Path | None, responses_dir: Path | None) -> None:
    """Check the knowledge-base files; exit 1 with every problem listed."""
    settings = load_settings()
    data, problems = files.load(kb_dir or settings.kb_dir, responses_dir or settings.responses_dir)
    problems += validate(data, own_tags=settings.own_tags())
    if not _report(problems):
        _fail(f"{len(problems)} problem(s); nothing was changed")
    unverified = [f.id for f in data.faqs if not f.verified] + [
        d.id for d in data.directory if not d.verified
    ]
    echo(
        f"ok: {len(data.faqs)} FAQ entries, {len(data.directory)} directory entries, "
        f"{len(data.departments)} departments, {len(data.templates)} templates; "
        f"{len(unverified)} unverified (FAQ answers add 'confirm on the official site' and "
        "state no fee, amount, date or contact; directory contacts and portals are never "
        f"posted): {', '.join(unverified) or 'none'}"
    )
    for line in report(data, datetime.now(UTC).date()):
        echo(line)


@kb.command("import")
@click.option("--kb-dir", type=click.Path(path_type=Path))
@click.option("--responses-dir", type=click.Path(path_type=Path))
@click.option("--by", help="Who is importing (the audit record); defaults to the OS user.")
def import_command(kb_dir: Path | None, responses_dir: Path | None, by: str | None) -> None:
    """Validate the files and make them the live knowledge base (one new version)."""
    settings = load_settings()
    data, problems = files.load(kb_dir or settings.kb_dir, responses_dir or settings.responses_dir)
    problems += validate(data, own_tags=settings.own_tags())
    if not _report(problems):
        _fail(f"{len(problems)} problem(s); the live knowledge base was not changed")

    async def action(store: RedisKB) -> tuple[int, int]:
        before = await store.version()
        return before, await store.apply(
            before, data, who=_who(by), when=_now(), summary="import from files"
        )

    before, after = _run(settings, action)
    echo(f"imported: version {after}" if after != before else f"unchanged: version {after}")


@kb.command("export")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    required=True,
    help="A directory to write into.",
)
@click.option("--version", "at_version", type=int, help="Export an earlier version.")
def export_command(out_dir: Path, at_version: int | None) -> None:
    """Write the live knowledge base as files (OUT/faq_kb and OUT/responses)."""
    settings = load_settings()

    async def action(store: RedisKB) -> KnowledgeBase:
        return await (store.load() if at_version is None else store.state_at(at_version))

    data = _run(settings, action)
    written = files.write(data, out_dir / "faq_kb", out_dir / "responses")
    echo(f"exported version {data.version}: {len(written)} files under {out_dir}")


def _item_views(data: KnowledgeBase) -> dict[str, dict[str, Any]]:
    return {field: json.loads(raw) for field, raw in to_items(data).items()}


@kb.command("review")
@click.option("--json", "as_json", is_flag=True, help="JSON for machines.")
@click.option(
    "--files", "from_files", is_flag=True, help="Review the files (SEVA_KB_DIR), not the live KB."
)
def review_command(as_json: bool, from_files: bool) -> None:
    """The entries the desk cannot stand behind yet: unverified, overdue, unsupported."""
    settings = load_settings()
    if from_files:
        data, problems = files.load(settings.kb_dir, settings.responses_dir)
        if not _report(problems):
            _fail(f"{len(problems)} problem(s) in the files")
    else:
        data = _run(settings, lambda store: store.load())
    items = review_queue(data, datetime.now(UTC).date())
    if as_json:
        found = counts(items)
        echo(json.dumps({
            "counts": {c.value: n for c, n in found.items()},
            "entries": [i.to_json() for i in items],
        }, indent=2, ensure_ascii=False))  # fmt: skip
        return
    for item in items:
        echo(f"{item.kind} [{item.id}]")
        for concern, detail in item.concerns:
            echo(f"    {concern.value}: {detail}")
    summary = ", ".join(f"{c.value} {n}" for c, n in counts(items).items())
    echo(f"{len(items)} entries to review ({summary})")


@kb.command("list")
@click.argument(
    "kind", required=False, type=click.Choice(["faq", "directory", "department", "template"])
)
def list_command(kind: str | None) -> None:
    """List live items (faq/<id>, directory/<id>, department/<id>, template/<lang>/<kind>)."""
    settings = load_settings()
    data = _run(settings, lambda store: store.load())
    for field, item in _item_views(data).items():
        if kind and not field.startswith(f"{kind}/"):
            continue
        body = item["data"]
        label = (
            body.get("topic") or body.get("name", {}).get("en", "")
            if isinstance(body, dict)
            else ""
        )
        flag = "" if not isinstance(body, dict) or body.get("verified", True) else "  [unverified]"
        echo(f"{field:40} {label}{flag}")


@kb.command("show")
@click.argument("item")
def show_command(item: str) -> None:
    """Show one live item as YAML, e.g. ``seva kb show faq/iec-apply``."""
    settings = load_settings()
    data = _run(settings, lambda store: store.load())
    view = _item_views(data).get(item)
    if view is None:
        _fail(f"no item {item!r} (see `seva kb list`)")
        return
    echo(f"# version {data.version}")
    body = view["data"]
    echo(
        body if isinstance(body, str) else yaml.safe_dump(body, allow_unicode=True, sort_keys=False)
    )


def _set_path(data: Any, path: list[str], value: Any) -> None:
    for part in path[:-1]:
        data = data[int(part)] if isinstance(data, list) else data.setdefault(part, {})
    if isinstance(data, list):
        data[int(path[-1])] = value
    else:
        data[path[-1]] = value


@kb.command("set")
@click.argument("item")
@click.argument("field", required=False)
@click.argument("value", required=False)
@click.option(
    "--file",
    "from_file",
    type=click.File(encoding="utf-8"),
    help="A whole item as YAML (or template text).",
)
@click.option("--delete", is_flag=True, help="Remove the item.")
@click.option("--by", help="Who is editing (the audit record); defaults to the OS user.")
def set_command(  # noqa: PLR0917 (click passes one argument per option)
    item: str,
    field: str | None,
    value: str | None,
    from_file: Any,
    delete: bool,
    by: str | None,
) -> None:
    """Edit one live item: a field (``answer.en "…"``), a whole item (``--file``), or ``--delete``.

    VALUE is parsed as YAML, so lists and booleans work (``verified false``).
    """
    settings = load_settings()

    async def action(store: RedisKB) -> tuple[int, KnowledgeBase, KnowledgeBase]:
        current = await store.load()
        items = to_items(current)
        if delete:
            if item not in items:
                raise KBError(f"no item {item!r}")
            del items[item]
        else:
            envelope = json.loads(items[item]) if item in items else _new_envelope(item, items)
            if from_file is not None:
                text = from_file.read()
                envelope["data"] = text if item.startswith("template/") else yaml.safe_load(text)
            elif field is not None and value is not None:
                _set_path(envelope["data"], field.split("."), yaml.safe_load(value))
            else:
                raise KBError("give FIELD and VALUE, --file, or --delete")
            items[item] = json.dumps(envelope, ensure_ascii=False, sort_keys=True)
        try:
            new = from_items(items, current.version)
        except ValueError as err:
            raise KBError(f"{item}: {err}") from err
        problems = validate(new, own_tags=settings.own_tags())
        if problems:
            raise KBError(
                "the edit would break the knowledge base: " + "; ".join(map(str, problems))
            )
        what = "delete" if delete else (f"set {field}" if field else "replace")
        version = await store.apply(
            current.version, new, who=_who(by), when=_now(), summary=f"{what} {item}"
        )
        return version, current, new

    version, old, new = _run(settings, action)
    stale = examples_hash(old) != examples_hash(new)
    echo(f"version {version}: {item} " + ("deleted" if delete else "updated") + "; live now")
    if stale:
        echo("training examples changed: the NLU model is stale until `seva nlu publish`")


def _new_envelope(item: str, items: dict[str, str]) -> dict[str, Any]:
    kind = item.split("/", 1)[0]
    if kind not in {"faq", "directory", "department", "template"}:
        raise KBError(f"unknown item kind in {item!r}")
    order = 1 + max(
        (json.loads(v)["order"] for k, v in items.items() if k.startswith(f"{kind}/")), default=-1
    )
    return {"order": order, "file": "faq" if kind == "faq" else None, "data": {}}


@kb.command("history")
@click.argument("item", required=False)
@click.option("--limit", default=20, show_default=True)
def history_command(item: str | None, limit: int) -> None:
    """Show who changed what and when, newest first."""
    settings = load_settings()
    records = _run(settings, lambda store: store.history(item, limit))
    for r in records:
        shown = r.items[:_HISTORY_ITEMS]
        more = len(r.items) - len(shown)
        items = ", ".join(shown) + (f" (+{more} more)" if more else "")
        echo(f"v{r.version:<4} {r.when}  {r.who:12} {r.summary}: {items}")
    if not records:
        echo("no changes recorded")


@kb.command("rollback")
@click.argument("version", type=int)
@click.option("--by", help="Who is rolling back (the audit record).")
def rollback_command(version: int, by: str | None) -> None:
    """Make the knowledge base what it was at VERSION (recorded as a new version)."""
    settings = load_settings()

    async def action(store: RedisKB) -> int:
        current = await store.version()
        old = await store.state_at(version)
        problems = validate(old, own_tags=settings.own_tags())
        if problems:
            raise KBError(
                f"version {version} does not validate today: " + "; ".join(map(str, problems))
            )
        return await store.apply(
            current, old, who=_who(by), when=_now(), summary=f"rollback to v{version}"
        )

    new_version = _run(settings, action)
    echo(f"rolled back to the content of v{version}: now version {new_version}")


@kb.command("status")
def status_command() -> None:
    """Show the live version, its size, and whether the NLU model is stale."""
    settings = load_settings()

    async def action(store: RedisKB) -> tuple[KnowledgeBase, str | None]:
        return await store.load(), await store.model_hash()

    data, model = _run(settings, action)
    current = examples_hash(data)
    echo(
        f"version {data.version}: {len(data.faqs)} FAQ, {len(data.directory)} directory, "
        f"{len(data.departments)} departments, {len(data.templates)} templates"
    )
    echo(f"training examples hash: {current}")
    if model is None:
        echo("NLU model: none published from this knowledge base yet (stale)")
    elif model != current:
        echo(f"NLU model: STALE (trained on {model}); run `seva nlu publish`")
    else:
        echo("NLU model: up to date")
