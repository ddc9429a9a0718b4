"""X's rule and search query language (the subset Seva needs), parsed once, matched often.

Supported: bare keywords (AND by juxtaposition), ``"exact phrase"``, ``OR`` (upper case),
``-`` negation, ``( )`` grouping, ``@handle``, ``#hashtag``, ``from:``, ``to:``, ``lang:xx``,
``is:retweet|reply|quote``, ``has:links|mentions|hashtags``. AND binds tighter than OR, as
on X. Matching is case-insensitive; keywords and phrases match the post's *tokens*, so
punctuation never matters, again as on X.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.x.emulator.state import Post, World

MAX_RULE_LENGTH = 512
_TOKEN = re.compile(r'\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<q>-?"(?:[^"\\]|\\.)*")|(?P<w>[^\s()"]+))')
_WORD = re.compile(r"[\w\u0900-\u097F]+")
_STANDALONE = ("from", "to")
_CONJUNCTION_ONLY = {"lang", "is", "has"}

Match = Callable[[Post, World], bool]


class RuleSyntaxError(ValueError):
    """The query does not parse; ``details`` are X-style sentences."""

    def __init__(self, details: list[str]) -> None:
        self.details = details
        super().__init__("; ".join(details))


def tokens_of(text: str) -> list[str]:
    """Split text the way X tokenizes it for keyword matching (lower-cased words)."""
    return [w.lower() for w in _WORD.findall(text)]


def _contains_run(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


@dataclass
class _Node:
    match: Match
    standalone: bool  # a positive term that may stand alone (X rejects "lang:hi" by itself)


class _Parser:
    def __init__(self, query: str) -> None:
        self.items: list[tuple[str, str, int]] = []
        pos = 0
        for m in _TOKEN.finditer(query):
            if m.start() != pos and query[pos : m.start()].strip():
                raise RuleSyntaxError([f"Unparseable input at position {pos + 1}."])
            pos = m.end()
            kind = m.lastgroup or "w"
            self.items.append((kind, m.group(kind), m.start(kind) + 1))
        if query[pos:].strip():
            raise RuleSyntaxError([f"Unparseable input at position {pos + 1}."])
        self.i = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.items[self.i] if self.i < len(self.items) else None

    def parse(self) -> _Node:
        if not self.items:
            raise RuleSyntaxError(["Rules must not be empty."])
        node = self.or_expr()
        if self.peek() is not None:
            _, _, at = self.items[self.i]
            raise RuleSyntaxError([f"Unbalanced parenthesis (at position {at})."])
        return node

    def or_expr(self) -> _Node:
        parts = [self.and_expr()]
        while (item := self.peek()) is not None and item[:2] == ("w", "OR"):
            self.i += 1
            parts.append(self.and_expr())
        if len(parts) == 1:
            return parts[0]
        return _Node(
            lambda p, w: any(n.match(p, w) for n in parts), all(n.standalone for n in parts)
        )

    def and_expr(self) -> _Node:
        parts: list[_Node] = []
        while (item := self.peek()) is not None and item[0] != "rp" and item[:2] != ("w", "OR"):
            parts.append(self.unary())
        if not parts:
            at = item[2] if item else len(self.items)
            raise RuleSyntaxError([f"Ambiguous use of OR or empty group (at position {at})."])
        if len(parts) == 1:
            return parts[0]
        return _Node(
            lambda p, w: all(n.match(p, w) for n in parts), any(n.standalone for n in parts)
        )

    def unary(self) -> _Node:
        kind, value, at = self.items[self.i]
        if kind == "w" and value.startswith("-") and len(value) > 1:
            self.items[self.i] = ("w", value[1:], at + 1)
            inner = self.unary()
            return _Node(lambda p, w: not inner.match(p, w), standalone=False)
        if kind == "q" and value.startswith("-"):
            self.items[self.i] = ("q", value[1:], at + 1)
            inner = self.unary()
            return _Node(lambda p, w: not inner.match(p, w), standalone=False)
        if kind == "w" and value == "-":
            self.i += 1
            if (nxt := self.peek()) is None or nxt[0] != "lp":
                raise RuleSyntaxError([f"Dangling negation (at position {at})."])
            inner = self.unary()
            return _Node(lambda p, w: not inner.match(p, w), standalone=False)
        self.i += 1
        if kind == "lp":
            node = self.or_expr()
            if (close := self.peek()) is None or close[0] != "rp":
                raise RuleSyntaxError([f"Unbalanced parenthesis (at position {at})."])
            self.i += 1
            return node
        if kind == "rp":
            raise RuleSyntaxError([f"Unbalanced parenthesis (at position {at})."])
        if kind == "q":
            phrase = tokens_of(value[1:-1].replace('\\"', '"'))
            return _Node(lambda p, _w: _contains_run(tokens_of(p.text), phrase), standalone=True)
        return self.term(value, at)

    def term(self, value: str, at: int) -> _Node:  # noqa: PLR0911 - one return per operator
        if value.startswith(("@", "\uff20")) and len(value) > 1:
            handle = value[1:].lower()
            return _Node(lambda p, _w: handle in p.mentioned(), standalone=True)
        if value.startswith(("#", "\uff03")) and len(value) > 1:
            tag = value[1:].lower()
            return _Node(
                lambda p, _w: any(h["tag"].lower() == tag for h in p.entities.get("hashtags", [])),
                standalone=True,
            )
        op, sep, arg = value.partition(":")
        if sep and arg and op.isalpha():
            arg_l = arg.lower()
            if op == "from":
                return _Node(
                    lambda p, w: w.users[p.author_id].username.lower() == arg_l, standalone=True
                )
            if op == "to":
                return _Node(
                    lambda p, w: (
                        p.in_reply_to_user_id is not None
                        and w.users.get(p.in_reply_to_user_id) is not None
                        and w.users[p.in_reply_to_user_id].username.lower() == arg_l
                    ),
                    standalone=True,
                )
            if op == "lang":
                return _Node(lambda p, _w: p.lang == arg_l, standalone=False)
            if op == "is" and arg_l in {"retweet", "reply", "quote"}:
                kind = {"retweet": "retweeted", "reply": "replied_to", "quote": "quoted"}[arg_l]
                return _Node(lambda p, _w: p.ref(kind) is not None, standalone=False)
            if op == "has" and arg_l in {"links", "mentions", "hashtags"}:
                key = {"links": "urls"}.get(arg_l, arg_l)
                return _Node(lambda p, _w: bool(p.entities.get(key)), standalone=False)
            raise RuleSyntaxError(
                [f"Reference to invalid operator '{op}:{arg}' (at position {at})."]
            )
        words = tokens_of(value)
        if not words:
            return _Node(lambda p, _w: value.lower() in p.text.lower(), standalone=True)
        return _Node(lambda p, _w: _contains_run(tokens_of(p.text), words), standalone=True)


@dataclass(frozen=True)
class Query:
    """A parsed rule or search query."""

    value: str
    _root: _Node

    def matches(self, post: Post, world: World) -> bool:
        """Return whether ``post`` satisfies the query."""
        return self._root.match(post, world)


def parse(value: str) -> Query:
    """Parse a rule or query; raise ``RuleSyntaxError`` with X-style details."""
    if len(value) > MAX_RULE_LENGTH:
        raise RuleSyntaxError([f"Rule length exceeds {MAX_RULE_LENGTH} characters."])
    root = _Parser(value).parse()
    if not root.standalone:
        raise RuleSyntaxError(
            [
                (
                    "Rules must contain a non-negation term and at least one standalone "
                    "operator (keyword, phrase, @mention, #hashtag, from:, to:); lang:, is: "
                    "and has: only work in conjunction with one."
                )
            ]
        )
    return Query(value=value, _root=root)
