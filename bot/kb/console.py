"""The admin console's edits of the live knowledge base: one item at a time, never blind.

An *item* is one hash field of the live KB (``faq/<id>``, ``directory/<id>``,
``department/<id>``, ``template/<lang>/<kind>``, as ``bot.kb.source.to_items`` names them).
Its *versions* are the KB versions whose audit record changed it (``RedisKB.history``), each
with who, when and why.

- **Save** (``save``): the new item replaces the old in a copy of the whole KB, the copy
  goes through ``bot.kb.validate.validate`` (what ``seva kb validate`` runs), and only a KB
  without a problem about that item becomes the next version. A form carries the version
  its author started from; if the item changed since, the save is refused with the diff
  between what the author saw and what is live now (``KBConflictError``), so a second admin
  never overwrites the first one's work unseen.
- **Rollback** (``rollback``) is a save of the item as it was at an earlier version: a new
  version of its own, so the history keeps both.
- **Diff** (``diff``): the item's YAML at two versions, line by line.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

import yaml

from bot.errors import KBConflictError, KBError, KBRefusedError
from bot.kb.files import Problem
from bot.kb.schema import KnowledgeBase
from bot.kb.source import AuditRecord, RedisKB, from_items, to_items
from bot.kb.validate import validate

KINDS = ("faq", "directory", "department", "template")


@dataclass(frozen=True)
class Version:
    """One version of one item: the KB version that changed it, and who, when, why."""

    version: int
    who: str
    when: str
    summary: str


def item_name(kind: str, name: str) -> str:
    """The hash field of an item (``faq/iec-apply``)."""
    if kind not in KINDS:
        raise KBError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    return f"{kind}/{name}"


def _data(raw: str | None) -> Any:
    return None if raw is None else json.loads(raw)["data"]


def as_yaml(data: Any) -> list[str]:
    """An item's data as YAML lines (a template's source as its own lines)."""
    if data is None:
        return []
    if isinstance(data, str):
        return data.splitlines()
    dumped = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return dumped.splitlines()


def diff(before: Any, after: Any, *, names: tuple[str, str] = ("before", "after")) -> list[str]:
    """The unified diff of two versions of an item's data."""
    return list(difflib.unified_diff(as_yaml(before), as_yaml(after), *names, lineterm="", n=2))


class Console:
    """Reads and writes single items of the live KB (``RedisKB``), validated and audited."""

    def __init__(self, store: RedisKB) -> None:
        self.store = store

    async def versions(self, item: str, limit: int = 50) -> list[Version]:
        """The item's versions, newest first."""
        records = await self.store.history(item, limit=limit)
        return [Version(r.version, r.who, r.when, r.summary) for r in records]

    async def at(self, item: str, version: int) -> Any:
        """The item's data as it was at KB ``version`` (None if it did not exist)."""
        raw = await self.store.item_at(item, version)
        return _data(raw)

    async def changed_since(self, item: str, version: int) -> AuditRecord | None:
        """The newest change to ``item`` after KB ``version``, if any."""
        for record in await self.store.history(item, limit=1):
            if record.version > version:
                return record
        return None

    async def save(
        self, item: str, data: Any, *, base: int, who: str, when: str, summary: str,
        own_tags: list[str] | None = None, file: str | None = None,
    ) -> int:  # fmt: skip
        """Make ``data`` the item's next version; return the KB version.

        ``base`` is the KB version the editor read. ``KBConflictError`` if the item changed
        after it, ``KBRefusedError`` with the problems about this item if the KB would not
        validate with it. ``file``: the FAQ file a new item is exported to (an existing
        item keeps its own).
        """
        if (newer := await self.changed_since(item, base)) is not None:
            seen, live = await self.at(item, base), await self.at(item, newer.version)
            raise KBConflictError(
                item, newer.who, diff(seen, live, names=("you opened", "live now"))
            )
        version = await self.store.version()
        kb = await self.store.load()
        items = to_items(kb)
        order = json.loads(items[item])["order"] if item in items else len(items)
        file = json.loads(items[item]).get("file") if item in items else file
        items[item] = json.dumps({"order": order, "file": file, "data": data}, ensure_ascii=False)
        try:
            new = from_items(items, version)
        except ValueError as err:  # pydantic's ValidationError is a ValueError
            raise KBRefusedError([(item, _first_line(str(err)))]) from None
        problems = [p for p in validate(new, own_tags=own_tags or []) if _about(p, item)]
        if problems:
            raise KBRefusedError([(p.where, p.message) for p in problems])
        return await self.store.apply(version, new, who=who, when=when, summary=summary)

    async def rollback(self, item: str, to: int, *, who: str, when: str) -> int:
        """Save the item as it was at KB version ``to`` (a new version of its own)."""
        data = await self.at(item, to)
        if data is None:
            raise KBError(f"{item} did not exist at version {to}")
        base = await self.store.version()
        return await self.save(
            item, data, base=base, who=who, when=when, summary=f"rollback of {item} to v{to}"
        )


def _first_line(text: str) -> str:
    return " ".join(text.split())[:500]


def _about(problem: Problem, item: str) -> bool:
    """Whether a validator problem concerns ``item`` (``faq [iec-apply]`` is ``faq/iec-apply``)."""
    kind, _, name = item.partition("/")
    if kind == "template":
        return name in problem.where or name in problem.message
    return problem.where == f"{kind} [{name}]" or problem.where.endswith(f"[{name}]")


def items_of(kb: KnowledgeBase) -> dict[str, Any]:
    """Every item's data by name (the console's lists)."""
    return {name: json.loads(raw)["data"] for name, raw in to_items(kb).items()}
