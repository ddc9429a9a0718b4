"""One way to read the knowledge base: ``KBSource``, with the files and Redis behind it.

In the live system the KB lives in Redis, one hash field per item (``faq/<id>``,
``directory/<id>``, ``department/<id>``, ``template/<lang>/<kind>``). Every change is one
Lua call: it checks the version the change was validated against, writes the items, bumps
the version and appends an audit record holding each item's before and after. History and
rollback read that audit stream; a rollback is itself a change, so it can be undone too.

Readers (the pipeline, the composer) call ``load()``. It costs one GET while the version
is unchanged, so an edited answer is live on the next reply, with no restart and no
retraining.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from redis.asyncio import Redis

from bot.clock import Clock
from bot.errors import KBError
from bot.kb import files
from bot.kb.schema import Department, DirectoryEntry, FAQEntry, KnowledgeBase
from bot.keys import Keys

_T = TypeVar("_T")


class KBSource(Protocol):
    """Where the knowledge base is read from."""

    async def load(self) -> KnowledgeBase:
        """Return the current knowledge base."""
        ...


class FileKB:
    """The knowledge base as files in the repository (``faq_kb/`` and ``responses/``)."""

    def __init__(self, kb_dir: Path, responses_dir: Path) -> None:
        self.kb_dir = kb_dir
        self.responses_dir = responses_dir

    async def load(self) -> KnowledgeBase:
        """Load the files; raise ``KBError`` listing every shape problem."""
        kb, problems = files.load(self.kb_dir, self.responses_dir)
        if problems:
            raise KBError("; ".join(str(p) for p in problems))
        return kb


class StaticKB:
    """A knowledge base already in memory (tests, benchmarks, one-off commands)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb

    async def load(self) -> KnowledgeBase:
        """Return the knowledge base."""
        return self._kb


def examples_hash(kb: KnowledgeBase) -> str:
    """The hash of what the NLU model trains on; a model trained on another is stale."""
    blob = json.dumps(kb.training_inputs(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# --- items: the knowledge base as hash fields ----------------------------------------------


def to_items(kb: KnowledgeBase) -> dict[str, str]:
    """Flatten ``kb`` into hash fields; ``order`` keeps file order for exports."""
    items: dict[str, str] = {}

    def put(field: str, order: int, data: Any, file: str | None = None) -> None:
        items[field] = json.dumps(
            {"order": order, "file": file, "data": data}, ensure_ascii=False, sort_keys=True
        )

    for i, faq in enumerate(kb.faqs):
        put(f"faq/{faq.id}", i, faq.model_dump(mode="json"), kb.faq_files.get(faq.id))
    for i, body in enumerate(kb.directory):
        put(f"directory/{body.id}", i, body.model_dump(mode="json"))
    for i, dept in enumerate(kb.departments):
        put(f"department/{dept.id}", i, dept.model_dump(mode="json"))
    for i, (key, source) in enumerate(sorted(kb.templates.items())):
        put(f"template/{key}", i, source)
    return items


def from_items(items: dict[str, str], version: int = 0) -> KnowledgeBase:
    """Rebuild the knowledge base from hash fields."""
    faqs: list[tuple[int, FAQEntry]] = []
    directory: list[tuple[int, DirectoryEntry]] = []
    departments: list[tuple[int, Department]] = []
    templates: dict[str, str] = {}
    faq_files: dict[str, str] = {}
    for field, raw in items.items():
        kind, _, name = field.partition("/")
        item = json.loads(raw)
        order, data = int(item["order"]), item["data"]
        if kind == "faq":
            faq = FAQEntry.model_validate(data)
            faqs.append((order, faq))
            if item.get("file"):
                faq_files[faq.id] = item["file"]
        elif kind == "directory":
            directory.append((order, DirectoryEntry.model_validate(data)))
        elif kind == "department":
            departments.append((order, Department.model_validate(data)))
        elif kind == "template":
            templates[name] = data

    return KnowledgeBase(
        faqs=_ordered(faqs),
        directory=_ordered(directory),
        departments=_ordered(departments),
        templates=templates,
        faq_files=faq_files,
        version=version,
    )


def _ordered(pairs: list[tuple[int, _T]]) -> list[_T]:
    return [v for _, v in sorted(pairs, key=lambda p: p[0])]


# --- the live store -------------------------------------------------------------------------

# KEYS: items hash, version, audit stream. ARGV: expected version, who, when, summary,
# then (field, value) pairs; an empty value deletes. Returns the new version, or -1 when
# the KB moved on since the caller validated its change.
_APPLY = """
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[1]) ~= current then return -1 end
local changes = {}
for i = 5, #ARGV, 2 do
  local field, value = ARGV[i], ARGV[i + 1]
  local before = redis.call('HGET', KEYS[1], field)
  if before == false then before = '' end
  if before ~= value then
    if value == '' then redis.call('HDEL', KEYS[1], field)
    else redis.call('HSET', KEYS[1], field, value) end
    table.insert(changes, {item = field, before = before, after = value})
  end
end
if #changes == 0 then return current end
local version = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], '*', 'version', version, 'who', ARGV[2], 'when', ARGV[3],
  'summary', ARGV[4], 'changes', cjson.encode(changes))
return version
"""


@dataclass(frozen=True)
class AuditRecord:
    """One change to the live knowledge base."""

    version: int
    who: str
    when: str
    summary: str
    changes: list[dict[str, str]]

    @property
    def items(self) -> list[str]:
        """The items the change touched."""
        return [c["item"] for c in self.changes]


class RedisKB:
    """The live knowledge base in Redis, versioned and audited.

    Given ``reseed`` (the daemon's files and clock), a live KB found missing is imported
    from the files again, at the next read: a Redis that lost its data (no persistence, or
    a flush) would otherwise fail every reply with "no template" until a restart.
    """

    def __init__(self, redis: Redis, keys: Keys, *, reseed: Reseed | None = None) -> None:
        self._redis = redis
        self._keys = keys
        self._reseed = reseed
        self._items = keys.kb("items")
        self._version = keys.kb("version")
        self._audit = keys.kb("audit")
        self._model_hash = keys.kb("model_examples_hash")
        self._cache: KnowledgeBase | None = None

    async def version(self) -> int:
        """The current version (0 before the first import)."""
        return int(await self._redis.get(self._version) or 0)

    async def load(self) -> KnowledgeBase:
        """The current knowledge base; re-read only when the version moved."""
        version = await self.version()
        if version == 0 and self._reseed is not None:
            version = await self._seed_again(self._reseed)
        if self._cache is not None and self._cache.version == version:
            return self._cache
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(self._version)
            pipe.hgetall(self._items)
            resp: Any = await pipe.execute()
        raw_items = {_s(k): _s(v) for k, v in resp[1].items()}
        self._cache = from_items(raw_items, int(resp[0] or 0))
        return self._cache

    async def apply(
        self, expected: int, new: KnowledgeBase, *, who: str, when: str, summary: str
    ) -> int:
        """Make ``new`` the live KB if the version is still ``expected``; return the version."""
        current = await self._raw_items()
        target = to_items(new)
        changes: list[str] = []
        for field in sorted(set(current) | set(target)):
            if current.get(field) != target.get(field):
                changes += [field, target.get(field, "")]
        version = int(
            await self._redis.eval(
                _APPLY,
                3,
                self._items,
                self._version,
                self._audit,
                str(expected),
                who,
                when,
                summary,
                *changes,
            )
        )
        if version < 0:
            msg = "the knowledge base changed while this edit was prepared; run it again"
            raise KBError(msg)
        return version

    async def history(self, item: str | None = None, limit: int = 50) -> list[AuditRecord]:
        """Audit records, newest first, optionally only those touching ``item``."""
        resp: Any = await self._redis.xrevrange(self._audit)
        records = [self._record(fields) for _, fields in resp]
        if item is not None:
            records = [r for r in records if item in r.items]
        return records[:limit]

    async def state_at(self, version: int) -> KnowledgeBase:
        """The knowledge base as it was at ``version``, rebuilt by undoing later changes."""
        current = await self.version()
        if not 0 <= version <= current:
            msg = f"no version {version}: versions run from 0 to {current}"
            raise KBError(msg)
        items = await self._raw_items()
        for record in await self.history(limit=current):
            if record.version <= version:
                break
            for change in reversed(record.changes):
                if change["before"]:
                    items[change["item"]] = change["before"]
                else:
                    items.pop(change["item"], None)
        return from_items(items, version)

    async def item_at(self, item: str, version: int) -> str | None:
        """One item's stored value as it was at ``version`` (None if it did not exist)."""
        raw: Any = await self._redis.hget(self._items, item)
        value = _s(raw) if raw is not None else None
        for record in await self.history(item, limit=10_000):
            if record.version <= version:
                break
            for change in reversed(record.changes):
                if change["item"] == item:
                    value = change["before"] or None
        return value

    async def _seed_again(self, reseed: Reseed) -> int:
        from bot.alarms import raise_alarm

        when = reseed.clock.now().isoformat()
        first = self._cache is None
        try:
            version = await seed_if_empty(self, reseed.files, who=reseed.who, when=when)
        except KBError:
            return await self.version()  # another process seeded it first (or files invalid)
        if not first:
            detail = f"the live KB was missing and was imported from the files (version {version})"
            await raise_alarm(self._redis, self._keys, reseed.clock, "kb_reseeded", detail)
        return version

    async def model_hash(self) -> str | None:
        """The examples hash the published NLU model was trained on, if any."""
        value = await self._redis.get(self._model_hash)
        return _s(value) if value else None

    async def set_model_hash(self, digest: str) -> None:
        """Record what the live model was trained on (``seva nlu publish``)."""
        await self._redis.set(self._model_hash, digest)

    async def _raw_items(self) -> dict[str, str]:
        resp: Any = await self._redis.hgetall(self._items)
        return {_s(k): _s(v) for k, v in resp.items()}

    @staticmethod
    def _record(fields: dict[Any, Any]) -> AuditRecord:
        f = {_s(k): _s(v) for k, v in fields.items()}
        changes = json.loads(f["changes"])
        # cjson encodes an empty Lua table as {}: normalise to a list.
        return AuditRecord(
            version=int(f["version"]),
            who=f["who"],
            when=f["when"],
            summary=f["summary"],
            changes=changes if isinstance(changes, list) else [],
        )


@dataclass(frozen=True)
class Reseed:
    """What a ``RedisKB`` needs to import the files again when the live KB is missing."""

    files: FileKB
    clock: Clock
    who: str


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def seed_if_empty(store: RedisKB, files_kb: FileKB, *, who: str, when: str) -> int:
    """On a first start, make the KB files the live knowledge base; return the version.

    A live KB that already has a version is never touched: after the first import, admins
    change it with ``seva kb`` and the files are only a starting point.
    """
    from bot.kb.validate import validate

    version = await store.version()
    if version > 0:
        return version
    kb = await files_kb.load()
    problems = validate(kb)
    if problems:
        raise KBError("the knowledge-base files do not validate: " + "; ".join(map(str, problems)))
    return await store.apply(0, kb, who=who, when=when, summary="first start: import from files")
