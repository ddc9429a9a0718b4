"""Docket numbers as citizens see them: ``MOCI-2026-000123`` (prefix, year, six digits)."""

from __future__ import annotations

import re
from functools import cache


@cache
def _pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(prefix)}-(\d{{4}})-(\d{{6}})\b")


def dockets_in(text: str, prefix: str) -> list[tuple[int, int]]:
    """Every docket with ``prefix`` in ``text``, as (year, number)."""
    return [(int(y), int(n)) for y, n in _pattern(prefix).findall(text)]


def docket(prefix: str, year: int, number: int) -> str:
    """The docket string, as the ticket store writes it."""
    return f"{prefix}-{year}-{number:06d}"
