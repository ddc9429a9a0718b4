"""The composer's interface: what the pipeline and the tickets ask of it.

Everything the desk posts is built by a ``Composer`` (``bot.replies.composer.ReplyComposer``
in the daemon; small fakes in unit tests). It sits above the knowledge base, which it reads,
and below the outbox, the tickets and the pipeline, which call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class Addressee(Protocol):
    """The post a reply answers: its id (the reply's target) and the citizen's words."""

    @property
    def id(self) -> str:
        """The post's id."""
        ...

    @property
    def text(self) -> str:
        """What the citizen wrote (personal data in it is never echoed back)."""
        ...


@dataclass(frozen=True)
class Target:
    """An ``Addressee`` built from what a ticket kept of its post (``Post`` is one too)."""

    id: str
    text: str


class Composer(Protocol):
    """Builds the final reply parts: rendered, threaded, guarded, unique to the target."""

    async def compose(
        self, kind: str, lang: str, post: Addressee, variables: dict[str, Any]
    ) -> list[str]:
        """Return the parts of the reply thread to ``post``.

        ``kind`` names the template (``responses/<lang>/<kind>.j2``), ``lang`` the
        citizen's language (``en``, ``hi`` or ``hinglish``; any other falls back to
        English), ``variables`` what the template needs besides the knowledge base
        (``faq_id``, ``body_id``, ``docket``, ``due_at``, ``state``, ``dept``, and for
        ``answer`` the officer's ``answer``). ``ref`` (optional) keys the per-reply
        reference instead of the post id: a second answer to one post needs its own.
        """
        ...

    async def withheld(self, faq_id: str) -> tuple[str | None, str | None]:
        """Why the FAQ's answer may not be posted automatically (None if it may); its dept."""
        ...
