"""The desk end to end: the X emulator over HTTP, a real Rasa server, a real redis-server.

Posts are published on the emulator by citizens, read back through the real tweepy
adapter and put in the inbox the way ingest does; the daemon's pipeline and outbox roles
(built by the composition root, as in production) decide and reply on the emulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.app import build
from bot.clock import SystemClock
from bot.epoch import EpochWatch
from bot.ingest.normalise import for_account
from bot.kb.schema import KnowledgeBase
from bot.kb.source import RedisKB
from bot.keys import Keys
from bot.nlu.server import RasaServer
from bot.settings import Settings, load_settings
from bot.x.adapter import TweepyXClient
from bot.x.emulator import EmulatorConfig, running_emulator
from tests.conftest import ROOT, RedisServer


@dataclass
class Desk:
    """A running desk and the handles a test needs."""

    emu: Any
    settings: Settings
    keys: Keys
    x: TweepyXClient
    redis: Any
    users: set[str] = field(default_factory=set)
    web: Any = None  # the web role, when the desk runs one (its ``port`` once bound)

    async def post(self, author: str, text: str, *, in_reply_to: str | None = None) -> str:
        """Publish as a citizen (under ``in_reply_to``, if given), read it back as ingest
        does, put it in the inbox."""
        if author not in self.users:
            await self.emu.control.create_user(author)
            self.users.add(author)
        published = await self.emu.control.publish(author, text, in_reply_to=in_reply_to)
        [post] = await self.x.get_posts([published["id"]])
        post = for_account(
            post,
            handle=self.settings.account_handle,
            reply_restriction=self.settings.x_reply_restriction,
        )
        await self.redis.xadd(self.keys.inbox, {"post": json.dumps(post.to_fields())})
        return str(published["id"])

    async def decision(self, post_id: str, timeout: float = 60) -> dict[str, Any]:
        """Wait for the pipeline's decision on a post."""
        async with asyncio.timeout(timeout):
            while True:
                raw = await self.redis.get(self.keys.decision(post_id))
                if raw and json.loads(raw).get("done"):
                    return dict(json.loads(raw))
                await asyncio.sleep(0.1)

    async def thread(self, post_id: str, timeout: float = 30) -> list[str]:
        """Wait for the desk's reply thread under a post; return its parts in order."""
        async with asyncio.timeout(timeout):
            while not await self.emu.control.posts(in_reply_to=post_id):
                await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # let the rest of a thread arrive
        parts, parent = [], post_id
        while children := await self.emu.control.posts(in_reply_to=parent):
            parts.append(children[0]["text"])
            parent = children[0]["id"]
        return parts


async def _no_evidence() -> None:
    return None


@contextlib.asynccontextmanager
async def running_desk(
    rasa: RasaServer,
    redis_server: RedisServer,
    key_prefix: str,
    roles: str,
    setup: Callable[[Any], Awaitable[dict[str, Any]]] | None = None,
    **extra: Any,
) -> AsyncIterator[Desk]:
    """The emulator plus the daemon with ``roles``, built by the composition root.

    ``setup`` runs on the emulator first and returns more settings (e.g. a handle's token).
    """
    async with running_emulator(EmulatorConfig(keepalive_s=0.5)) as emu:
        if setup is not None:
            extra |= await setup(emu)
        settings = load_settings(
            roles=roles,
            redis_url=redis_server.url,
            key_prefix=key_prefix,
            x_base_url=emu.base_url,
            x_bearer_token=emu.config.app_bearer,
            x_user_access_token=emu.ministry["user_token"],
            account_handle=emu.ministry["username"],
            account_user_id=emu.ministry["id"],
            rasa_urls=[rasa.url],
            rasa_token=rasa.token,
            heartbeat_interval_s=0.2,
            web_port=0,
            **({"kb_dir": ROOT / "faq_kb", "responses_dir": ROOT / "responses"} | extra),
        )
        runner, deps = build(settings)
        if "ingest" not in settings.roles:
            # The tests play the ingest role (they put posts in the inbox), and so write
            # the epoch the ingest leader writes on a first start (bot.epoch).
            watch = EpochWatch(deps.redis, deps.keys, deps.clock, _no_evidence)
            await watch.establish("test plays ingest")
        task = asyncio.create_task(runner.run())
        x = TweepyXClient(settings, SystemClock())
        try:
            web = next((r for r in runner.roles if r.name == "web"), None)
            yield Desk(emu=emu, settings=settings, keys=deps.keys, x=x, redis=deps.redis, web=web)
        finally:
            runner.stop.set()
            await asyncio.wait_for(task, 30)
            await x.close()


@pytest.fixture
async def desk(rasa: RasaServer, redis_server: RedisServer, key_prefix: str) -> AsyncIterator[Desk]:
    """Pipeline and outbox against the session's Rasa; tests put posts in the inbox themselves."""
    async with running_desk(rasa, redis_server, key_prefix, "pipeline,outbox") as running:
        yield running


def _answer(kb: KnowledgeBase, faq_id: str, lang: str) -> str:
    faq = kb.faq(faq_id)
    assert faq is not None
    return faq.answer.text(lang)


async def test_iec_question_gets_the_answer_thread_in_the_citizen_s_language(
    desk: Desk, shipped_kb: KnowledgeBase
) -> None:
    """English, Hindi and Hinglish forms each get the IEC answer, in that language, threaded."""
    asks = {
        "en": "@MoCI_Seva how do I apply for IEC?",
        "hi": "@MoCI_Seva आईईसी के लिए आवेदन कैसे करें?",
        "hinglish": "@MoCI_Seva IEC ke liye apply kaise karein?",
    }
    ids = {lang: await desk.post(f"asker_{lang[:4]}", text) for lang, text in asks.items()}
    threads = {}
    for lang, post_id in ids.items():
        decision = await desk.decision(post_id)
        assert decision["decision"]["action"] == "answer_faq", decision
        assert decision["decision"]["faq_id"] == "iec-apply"
        assert decision["info"]["lang"] == lang
        threads[lang] = await desk.thread(post_id)
    for lang, parts in threads.items():
        opening = _answer(shipped_kb, "iec-apply", lang)[:40]
        body = " ".join(
            p.split(" ", 1)[1] if p[:1].isdigit() and "/" in p[:6] else p for p in parts
        )
        assert opening in body, (lang, parts)
        assert all(len(p) <= 280 for p in parts)
    assert len({p for parts in threads.values() for p in parts}) == sum(
        len(p) for p in threads.values()
    )


async def test_a_complaint_gets_an_acknowledgement_with_a_docket_and_no_faq_answer(
    desk: Desk, shipped_kb: KnowledgeBase
) -> None:
    """A policy complaint naming IEC opens a ticket; the reply is the ack with its docket."""
    post_id = await desk.post(
        "small_exporter",
        "@MoCI_Seva The new IEC rules are unfair to small exporters, my application is pending for 3 months",
    )
    decision = await desk.decision(post_id)
    assert decision["decision"]["action"] == "escalate"
    docket = decision["facts"]["docket"]
    assert docket.startswith("MOCI-")
    [reply] = await desk.thread(post_id)
    assert docket in reply
    assert _answer(shipped_kb, "iec-apply", "en")[:30] not in reply


async def test_hashtag_only_post_is_escalated_and_never_replied_to(desk: Desk) -> None:
    """X's reply rule: no programmatic reply to a post that did not summon the account."""
    post_id = await desk.post(
        "hashtag_user", "#mociseva SEZ approval delays are hurting our expansion"
    )
    decision = await desk.decision(post_id)
    assert decision["decision"]["action"] == "escalate"
    assert decision["decision"]["manual_reply"] is True
    assert decision["facts"]["docket"].startswith("MOCI-")
    await asyncio.sleep(2.0)
    assert await desk.emu.control.posts(in_reply_to=post_id) == []


async def test_spam_is_ignored_and_personal_data_never_echoed(desk: Desk) -> None:
    """Spam gets no reply; a post with a phone number and PAN gets a reply without them."""
    spam = await desk.post(
        "spam_bot", "@MoCI_Seva FREE crypto giveaway!!! click the link to claim 1000 USDT now"
    )
    pii = await desk.post(
        "careful", "@MoCI_Seva my IEC shows the wrong address, PAN ABCPE1234F, call 9876543210"
    )
    assert (await desk.decision(spam))["decision"]["action"] == "ignore"
    replies = await desk.thread(pii)
    text = " ".join(replies)
    assert "9876543210" not in text
    assert "ABCPE1234F" not in text.upper()
    await asyncio.sleep(1.0)
    assert await desk.emu.control.posts(in_reply_to=spam) == []


async def test_the_whole_desk_through_ingest_replies_once_and_never_to_itself(
    rasa: RasaServer, redis_server: RedisServer, key_prefix: str
) -> None:
    """With ingest (stream + polling): citizens' posts are answered; the desk's own replies,
    retweets and duplicates never enter the inbox."""
    async with running_desk(
        rasa, redis_server, key_prefix, "ingest,pipeline,outbox", ingest_poll_interval_s=1.0
    ) as live:
        await asyncio.sleep(1.5)  # the stream connects and its rules are synced
        control = live.emu.control
        for name in ("ravi_k", "fan_1"):
            await control.create_user(name)
        asks = [
            await control.publish("ravi_k", "@MoCI_Seva how do I apply for IEC?"),
            await control.publish("ravi_k", "@MoCI_Seva what is an SEZ?"),
        ]
        await control.publish("fan_1", "", retweet_of=asks[0]["id"])
        for ask in asks:
            assert (await live.decision(str(ask["id"])))["decision"]["action"] == "answer_faq"
            assert await live.thread(str(ask["id"]))
        await asyncio.sleep(2.5)  # two more polling rounds over the same posts
        entries = await live.redis.xrange(live.keys.inbox)
        ids = [json.loads(fields["post"])["id"] for _, fields in entries]
        assert sorted(ids) == sorted(str(a["id"]) for a in asks)  # no replies, retweets, duplicates
        skipped = await live.redis.hgetall(live.keys.counter("ingest_skipped"))
        assert int(skipped.get("retweet", 0)) >= 1
        calls = await control.calls()
        assert int(calls["api"].get("stream", 0)) >= 1  # the lease holder held the stream


async def test_hashtag_only_posts_are_recovered_by_search_polling(
    rasa: RasaServer, redis_server: RedisServer, key_prefix: str
) -> None:
    """Without a stream, hashtag-only posts arrive through recent search, marked not repliable."""
    async with running_desk(
        rasa, redis_server, key_prefix, "ingest", ingest_stream=False, ingest_poll_interval_s=0.5
    ) as live:
        await live.emu.control.create_user("tagger")
        published = [
            await live.emu.control.publish("tagger", f"#mociseva SEZ approvals are slow, case {i}")
            for i in range(5)
        ]
        async with asyncio.timeout(20):
            while await live.redis.xlen(live.keys.inbox) < len(published):
                await asyncio.sleep(0.2)
        entries = await live.redis.xrange(live.keys.inbox)
        posts = [json.loads(fields["post"]) for _, fields in entries]
        assert sorted(p["id"] for p in posts) == sorted(str(p["id"]) for p in published)
        assert all(p["reply_allowed"] is False for p in posts)


async def test_passport_referral_follows_the_directory_s_verification(desk: Desk) -> None:
    """Verified MEA contact: the referral gives it. Marked unverified (live edit): the site and CPGRAMS only."""
    first = await desk.post("traveller_a", "@MoCI_Seva whom do I contact about my passport?")
    decision = await desk.decision(first)
    assert decision["decision"]["action"] == "refer"
    assert decision["decision"]["body_id"] == "mea-passport"
    verified_reply = " ".join(await desk.thread(first))
    assert "1800-258-1800" in verified_reply
    assert "pgportal.gov.in" in verified_reply

    store = RedisKB(desk.redis, desk.keys)
    live = await store.load()
    body = live.body("mea-passport")
    assert body is not None
    unverified = live.model_copy(
        update={
            "directory": [
                d.model_copy(update={"verified": False}) if d.id == "mea-passport" else d
                for d in live.directory
            ]
        }
    )
    await store.apply(
        live.version, unverified, who="test", when="now", summary="mark MEA unverified"
    )

    second = await desk.post("traveller_b", "@MoCI_Seva whom do I contact about my passport?")
    assert (await desk.decision(second))["decision"]["action"] == "refer"
    fallback = " ".join(await desk.thread(second))
    assert "1800-258-1800" not in fallback
    assert body.web in fallback
    assert "pgportal.gov.in" in fallback


async def test_two_citizens_asking_the_same_faq_both_get_their_answer(desk: Desk) -> None:
    """Same question, same answer, two authors: both threads are posted (no duplicate-content rejection)."""
    a = await desk.post("same_q_a", "@MoCI_Seva what is an SEZ?")
    b = await desk.post("same_q_b", "@MoCI_Seva what is an SEZ?")
    thread_a, thread_b = await desk.thread(a), await desk.thread(b)
    assert thread_a
    assert thread_b
    assert set(thread_a).isdisjoint(thread_b)  # every part differs by its reference
    for post_id in (a, b):
        record = json.loads(await desk.redis.get(desk.keys.decision(post_id)))
        assert record["decision"]["faq_id"] == "sez-what-is"
