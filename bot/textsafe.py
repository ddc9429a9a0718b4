r"""Text from outside, made safe to print on a terminal.

A citizen's post, a KB entry or an error message that quotes one can carry ANSI escape
sequences (recolour, move the cursor, rewrite the window title, hide text), BEL, backspaces
and carriage returns (overwrite what was printed), and bidi overrides such as U+202E (show
text in another order than it is stored). Printed raw, they let a post rewrite what an
officer sees. ``terminal`` shows each of them visibly instead, as ``\x1b`` or ``\u202e``;
every command that prints outside text prints through ``echo``.
"""

from __future__ import annotations

import re
from typing import Any

import click

# C0 controls (but newline and tab), DEL, C1 controls, and the bidi embeddings, overrides
# and isolates (U+202A-U+202E, U+2066-U+2069). The marks U+200E/U+200F change no order of
# other text and stay.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BYTE = 0xFF


_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _visible(m: re.Match[str]) -> str:
    if named := _NAMED.get(m.group()):
        return named
    code = ord(m.group())
    return f"\\x{code:02x}" if code <= _BYTE else f"\\u{code:04x}"


def terminal(text: str, *, one_line: bool = False) -> str:
    """Return ``text`` with every control and bidi-override character escaped visibly.

    ``one_line`` escapes newlines and tabs too, for a field that must stay on its line.
    """
    return (_UNSAFE_ONE_LINE if one_line else _UNSAFE).sub(_visible, text)


def echo(message: Any = "", *, err: bool = False, nl: bool = True, **style: Any) -> None:
    """``click.echo`` (or ``secho`` with ``style``) of ``message`` made safe by ``terminal``."""
    text = terminal(str(message))
    if style:
        click.secho(text, err=err, nl=nl, **style)
    else:
        click.echo(text, err=err, nl=nl)
