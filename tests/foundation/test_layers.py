"""No module of ``bot/`` imports from a higher layer (the order is ``bot.layers.LAYERS``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from bot.layers import LAYER_INDEX, LAYERS, layer_of
from tests.conftest import ROOT

BOT = ROOT / "bot"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _exists(module: str) -> bool:
    path = ROOT.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _target(module: str, name: str | None) -> str:
    """``from module import name``: the submodule if ``name`` is one, else the module."""
    if name and name != "*" and _exists(f"{module}.{name}"):
        return f"{module}.{name}"
    return module


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """Every ``bot`` module ``path`` imports: top level, in functions, under TYPE_CHECKING."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing package
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                yield node.lineno, _target(base, alias.name)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value  # importlib.import_module("bot....")


def _modules() -> list[Path]:
    return sorted(BOT.rglob("*.py"))


def test_every_module_has_a_layer():
    """Each module under bot/ is named, or covered by a package named, in the layer table."""
    missing = [str(p.relative_to(ROOT)) for p in _modules() if layer_of(_module_name(p)) is None]
    assert [] == missing


def test_every_table_entry_exists():
    """The layer table names only modules and packages that exist (no stale entries)."""
    stale = [entry for _, entries in LAYERS for entry in entries if not _exists(entry)]
    assert [] == stale


def test_no_module_imports_from_a_higher_layer():
    """An import runs from a layer to itself or a lower one, never upwards."""
    offences: list[str] = []
    for path in _modules():
        own = layer_of(_module_name(path))
        if own is None:
            continue
        for line, imported in _imports(path):
            if imported != "bot" and not imported.startswith("bot."):
                continue
            theirs = layer_of(imported)
            offence = f"{path.relative_to(ROOT)}:{line} ({own}) imports {imported} ({theirs})"
            if theirs is not None and LAYER_INDEX[theirs] > LAYER_INDEX[own]:
                offences += [] if offence in offences else [offence]
    assert [] == offences, "\n".join(["imports from a higher layer:", *offences])
