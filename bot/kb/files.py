"""Reading and writing the knowledge base as files: ``faq_kb/`` (YAML) and ``responses/``.

Layout (faq_kb/FORMAT.md): ``faq/<group>.yml`` lists FAQ entries, ``directory.yml`` the
other bodies' contacts, ``departments.yml`` the ministry's departments; templates are
``responses/<lang>/<kind>.j2``. Loading collects every problem instead of stopping at the
first, so an admin fixes a file in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.kb.schema import Department, DirectoryEntry, FAQEntry, KnowledgeBase

TEMPLATE_SUFFIX = ".j2"
_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the knowledge base, located well enough to fix it."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def _read_list(path: Path, problems: list[Problem]) -> list[Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(str(path), "file is missing"))
        return []
    except UnicodeDecodeError as err:
        problems.append(Problem(str(path), f"not UTF-8 text (bad byte at offset {err.start})"))
        return []
    except yaml.YAMLError as err:
        problems.append(Problem(str(path), f"not valid YAML: {err}"))
        return []
    if data is None:
        return []
    if not isinstance(data, list):
        problems.append(Problem(str(path), "must be a YAML list of entries"))
        return []
    return data


def _parse(model: type[_M], raw: list[Any], path: Path, problems: list[Problem]) -> list[_M]:
    out: list[_M] = []
    for index, item in enumerate(raw):
        label = item.get("id", f"#{index + 1}") if isinstance(item, dict) else f"#{index + 1}"
        try:
            out.append(model.model_validate(item))
        except ValidationError as err:
            for e in err.errors():
                field = ".".join(str(p) for p in e["loc"]) or "(entry)"
                problems.append(Problem(f"{path} [{label}] {field}", e["msg"]))
    return out


def load(kb_dir: Path, responses_dir: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """Load the knowledge base from files; return it with the shape problems found."""
    problems: list[Problem] = []
    faqs: list[FAQEntry] = []
    faq_files: dict[str, str] = {}
    faq_dir = kb_dir / "faq"
    if not faq_dir.is_dir():
        problems.append(Problem(str(faq_dir), "directory is missing"))
    for path in sorted(faq_dir.glob("*.yml")):
        for entry in _parse(FAQEntry, _read_list(path, problems), path, problems):
            faqs.append(entry)
            faq_files.setdefault(entry.id, path.stem)
    directory = _parse(
        DirectoryEntry,
        _read_list(kb_dir / "directory.yml", problems),
        kb_dir / "directory.yml",
        problems,
    )
    departments = _parse(
        Department,
        _read_list(kb_dir / "departments.yml", problems),
        kb_dir / "departments.yml",
        problems,
    )
    templates: dict[str, str] = {}
    for path in sorted(responses_dir.glob(f"*/*{TEMPLATE_SUFFIX}")):
        try:
            source = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            problems.append(Problem(str(path), f"not UTF-8 text (bad byte at offset {err.start})"))
            continue
        templates[f"{path.parent.name}/{path.name.removesuffix(TEMPLATE_SUFFIX)}"] = source
    if not templates:
        problems.append(Problem(str(responses_dir), "no templates found"))
    kb = KnowledgeBase(
        faqs=faqs,
        directory=directory,
        departments=departments,
        templates=templates,
        faq_files=faq_files,
    )
    return kb, problems


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _plain(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_defaults=False)


def write(kb: KnowledgeBase, kb_dir: Path, responses_dir: Path) -> list[Path]:
    """Write the knowledge base in the same layout ``load`` reads; return the files."""
    written: list[Path] = []
    groups: dict[str, list[dict[str, Any]]] = {}
    for faq in kb.faqs:
        groups.setdefault(kb.faq_files.get(faq.id, "faq"), []).append(_plain(faq))
    (kb_dir / "faq").mkdir(parents=True, exist_ok=True)
    for group, entries in groups.items():
        path = kb_dir / "faq" / f"{group}.yml"
        path.write_text(_dump(entries), encoding="utf-8")
        written.append(path)
    for name, items in (("directory", kb.directory), ("departments", kb.departments)):
        path = kb_dir / f"{name}.yml"
        path.write_text(_dump([_plain(i) for i in items]), encoding="utf-8")
        written.append(path)
    for key, source in kb.templates.items():
        path = responses_dir / f"{key}{TEMPLATE_SUFFIX}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
        written.append(path)
    return written
