"""The composer's interface: what the pipeline and the tickets ask of it.

Everything the desk posts is built by a ``Composer`` (``bot.replies.composer.ReplyComposer``
in the daemon; small fakes in unit tests). It sits above the knowledge base, which it reads,
and below the outbox, the tickets and the pipeline, which call it.
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.x.models import Post


class Composer(Protocol):
    """Builds the final reply parts: rendered, threaded, guarded, unique to the target."""

    async def compose(
        self, kind: str, lang: str, post: Post, variables: dict[str, Any]
    ) -> list[str]:
        """Return the parts of the reply thread to ``post``.

        ``kind`` names the template (``responses/<lang>/<kind>.j2``), ``lang`` the
        citizen's language (``en``, ``hi`` or ``hinglish``), ``variables`` what the
        template needs besides the knowledge base (``faq_id``, ``body_id``, ``docket``,
        ``due_at``, ``state``, ``dept``).
        """
        ...

    async def withheld(self, faq_id: str) -> tuple[str | None, str | None]:
        """Why the FAQ's answer may not be posted automatically (None if it may); its dept."""
        ...
