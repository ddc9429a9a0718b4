"""What a post says (``bot.decision.Understanding``): Rasa's intent, entities, language."""

from __future__ import annotations

from dataclasses import replace

from bot.decision import Understanding, faq_id_of
from bot.kb.source import KBSource
from bot.nlu.client import NLUClient
from bot.nlu.cues import complaint_cues
from bot.nlu.entities import EntityFinder
from bot.nlu.lang import detect
from bot.nlu.spelling import Speller, vocabulary
from bot.nlu.text import for_nlu


class Understander:
    """Understands a post's text; entity matchers follow the live KB's version."""

    def __init__(self, client: NLUClient, kb: KBSource, docket_prefix: str) -> None:
        self._client = client
        self._kb = kb
        self._prefix = docket_prefix
        self._finder: EntityFinder | None = None
        self._faq_departments: dict[str, str] = {}
        self._verified_bodies: set[str] = set()
        self._speller = Speller(set())

    async def refresh(self) -> None:
        """Rebuild the matchers when the KB version moved (an alias edit is live at once)."""
        kb = await self._kb.load()
        if self._finder is None or self._finder.version != kb.version:
            self._finder = EntityFinder(kb, self._prefix)
            self._faq_departments = {f.id: f.department for f in kb.faqs}
            self._verified_bodies = {b.id for b in kb.directory if b.verified}
            self._speller = Speller(vocabulary(kb))

    async def understand(self, text: str) -> Understanding:
        """Intent (from Rasa) with entities and language; raises ``NLUUnavailableError``."""
        await self.refresh()
        found = self.entities_only(text)
        parse = await self._client.parse(for_nlu(self._speller.correct(text)))
        return replace(
            found,
            intent=parse.intent,
            confidence=round(parse.confidence, 4),
            ranking=tuple((name, round(conf, 4)) for name, conf in parse.ranking[:5]),
            nlu_url=parse.url,
        )

    def entities_only(self, text: str) -> Understanding:
        """Language, dockets, bodies, departments and personal-data kinds (no server)."""
        if self._finder is None:
            msg = "call refresh() first"
            raise RuntimeError(msg)
        found = self._finder.find(text)
        return Understanding(
            lang=detect(text),
            dockets=tuple(found.dockets),
            bodies=tuple(found.bodies),
            depts=tuple(found.depts),
            pii=found.pii,
            complaint=tuple(complaint_cues(text)),
        )

    def verified(self, body_id: str) -> bool:
        """Whether the KB's directory entry ``body_id`` is verified on its official page."""
        return body_id in self._verified_bodies

    def faq_department(self, faq_id: str) -> str | None:
        """The department that owns an FAQ entry."""
        return self._faq_departments.get(faq_id)

    @staticmethod
    def faq_of(intent: str) -> str | None:
        """The KB id of an FAQ intent."""
        return faq_id_of(intent)
