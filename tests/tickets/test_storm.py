"""Storms on a real redis-server: 200 paraphrased posts, 20 near-misses, one answer for all.

The corpus (``storm_corpus.yml``) was written by someone who had not seen the grouping
code or its word lists. Tickets are opened the way the pipeline opens them: entities from
the KB's matchers, one author per post, in a shuffled but fixed order with near-misses
arriving during the storm. The outbox that posts the fan-out is the real poster on the
real Redis with X's default post limits, against a fake X port and a fake clock, so the
replies spread over several 15-minute windows in milliseconds.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.clock import FakeClock
from bot.errors import TicketError
from bot.kb.schema import KnowledgeBase
from bot.kb.source import StaticKB
from bot.keys import Keys
from bot.net import free_port
from bot.nlu.entities import EntityFinder
from bot.outbox.budget import PostBudget
from bot.outbox.poster import Poster
from bot.replies.composer import ReplyComposer
from bot.settings import Settings
from bot.store import connect
from bot.streams import Defer
from bot.tickets.gist import pair_scores
from bot.tickets.report import all_tickets, figures, storm_reports
from bot.tickets.sla import Scheduler
from bot.tickets.store import State, Ticket, TicketStore
from bot.tickets.storm import Storms
from bot.tickets.workflow import Workflow
from bot.x.models import Post
from tests.conftest import RedisServer
from tests.outbox.fake_x import FakeX

CORPUS = Path(__file__).with_name("storm_corpus.yml")
ANSWER = (
    "The DGFT portal was restored at 16:40 IST after a server fault; IEC applications and "
    "updates work again. We are sorry for the delay."
)


_POST_IDS = itertools.count(1)  # distinct post ids across desks (a restart test makes two)


class StormDesk:
    """Tickets, workflow, storms and the SLA scheduler on one Redis, with one fake clock."""

    def __init__(self, redis: Any, keys: Keys, settings: Settings, kb: KnowledgeBase) -> None:
        self.clock = FakeClock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC).timestamp())
        self.redis, self.keys, self.settings, self.kb = redis, keys, settings, kb
        self.finder = EntityFinder(kb, settings.docket_prefix)
        static = StaticKB(kb)
        self.store = TicketStore(redis, keys, self.clock, static, settings)
        self.storms = Storms(redis, keys, self.clock, self.store, settings)
        self.flow = Workflow(redis, keys, self.clock, self.store, self.storms)
        tz = settings.reply_timezone
        composer = ReplyComposer(static, timezone=tz)
        self.sla = Scheduler(
            redis, keys, self.clock, self.store, static, composer, self.storms, timezone=tz
        )
        self.x = FakeX()
        self.poster = Poster(
            redis=redis,
            keys=keys,
            x=self.x,
            budget=PostBudget(redis, keys, self.clock, settings),
            clock=self.clock,
            settings=settings,
        )
        self._n = 0

    async def open(self, text: str, lang: str) -> Ticket:
        """Open a ticket for a citizen's post, as the pipeline's escalation does."""
        self._n += 1
        pid = str(1_960_000_000_000_000_000 + next(_POST_IDS))  # a post has one ticket, ever
        found = self.finder.find(text)
        post = Post(
            id=pid, author_id=str(5000 + self._n), author_handle=f"citizen{self._n}", text=text,
            lang=None, created_at=self.clock.now(), conversation_id=pid, mentions_account=True,
        )  # fmt: skip
        self.clock.advance(7)  # one post every few seconds, as a storm arrives
        return await self.store.create(
            post,
            found.depts[0] if found.depts else "general",
            reason="complaint",
            reply_allowed=True,
            nlu={"lang": lang, "depts": list(found.depts), "bodies": list(found.bodies)},
        )

    async def drain_outbox(self) -> int:
        """Post every queued job with the real poster; wait out the rate windows on the clock."""
        posted = 0
        for stream in self.keys.outbox_lanes():
            for entry_id, fields in await self.redis.xrange(stream):
                while True:
                    try:
                        await self.poster.handle(entry_id, fields)
                        break
                    except Defer as wait:
                        self.clock.advance(wait.delay_s)
                posted += 1
        return posted


@pytest.fixture
def desk(redis: Any, keys: Keys, settings: Settings, shipped_kb: KnowledgeBase) -> StormDesk:
    return StormDesk(redis, keys, settings, shipped_kb)


def _arrivals() -> list[tuple[str, str, int]]:
    """(text, lang, true group) in arrival order: group 0 is the storm."""
    data = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    posts = [(p["text"], p["lang"], 0) for p in data["storm"]["posts"]]
    posts += [(p["text"], p["lang"], i + 1) for i, p in enumerate(data["near_misses"])]
    random.Random(8).shuffle(posts)
    return posts


async def _labels(desk: StormDesk, tickets: list[Ticket]) -> list[str]:
    """Each ticket's storm: its master's docket, or its own."""
    out = []
    for t in tickets:
        now = await desk.store.require(t.docket)
        out.append(now.extra.get("storm_of") or t.docket)
    return out


async def test_a_storm_of_200_paraphrases_becomes_one_master_answered_to_every_author(
    desk: StormDesk, measured: Any
) -> None:
    """One master; near-misses stay apart; one answer reaches every member, each text unique."""
    arrivals = _arrivals()
    assert 200 == sum(1 for *_, g in arrivals if g == 0)
    assert 20 == sum(1 for *_, g in arrivals if g)
    assert {"en", "hi", "hinglish"} == {lang for _, lang, _ in arrivals}
    tickets = [await desk.open(text, lang) for text, lang, _ in arrivals]

    await desk.storms.sweep()
    labels = await _labels(desk, tickets)
    precision, recall = pair_scores(labels, [g for *_, g in arrivals])
    master, size = Counter(labels).most_common(1)[0]
    storm_posts = [i for i, (*_, g) in enumerate(arrivals) if g == 0]
    in_storm = sum(labels[i] == master for i in storm_posts)
    strays = sum(labels[i] == master for i, (*_, g) in enumerate(arrivals) if g)
    measured(
        f"storm clustering: pairwise precision {precision:.3f}, recall {recall:.3f}; "
        f"the master holds {in_storm}/200 storm posts and {strays}/20 near-misses"
    )
    assert precision >= 0.95
    assert recall >= 0.80
    assert in_storm >= 180
    assert strays <= 2
    by_lang = Counter(arrivals[i][1] for i in storm_posts if labels[i] == master)
    assert min(by_lang.values()) >= 55  # every language is grouped, not just one

    # The master alone waits in its queue; members left the queue and the SLA sets.
    master_ticket = await desk.store.require(master)
    members = await desk.storms.members(master)
    assert size - 1 == len(members) == int(master_ticket.extra["storm_size"])
    queued = {str(d) for d in await desk.redis.zrange(desk.keys.queue(master_ticket.dept), 0, -1)}
    assert master in queued
    assert not queued & set(members)
    for m in members:
        assert await desk.redis.zscore(desk.keys.sla_due, m) is None

    await desk.flow.claim(master, "meera")
    await desk.flow.reply(master, "meera", ANSWER)
    posted = await desk.drain_outbox()
    assert size == posted

    # Every author in the storm got the answer, under their own post, with their own docket.
    texts = desk.x.texts()
    assert len(texts) == len(set(texts)) == size
    parents = {parent for _, parent in desk.x.posts.values()}
    storm_tickets = [t for t in tickets if t.docket == master or t.docket in set(members)]
    assert {t.post_id for t in storm_tickets} == parents
    for t in storm_tickets:
        assert (await desk.store.require(t.docket)).state is State.ANSWERED
    for docket in members:
        job = (await desk.store.require(docket)).extra["storm_job"]
        assert "sent" == (await desk.redis.hgetall(desk.keys.reply(job)))["state"]

    # X allows 100 posts in 15 minutes: the fan-out took more than one window, and says so.
    [report] = [r for r in await storm_reports(desk.redis, desk.keys) if r.master == master]
    assert (report.sent, report.pending) == (len(members), 0)
    assert report.fan_out_s is not None
    assert report.fan_out_s >= 15 * 60 * ((size - 1) // desk.settings.outbox_limit_15m)
    measured(
        f"fan-out of {report.sent} replies took {report.fan_out_s / 60:.1f} min of X's windows"
    )


async def test_members_follow_the_master_and_a_breach_tells_every_author_once(
    desk: StormDesk,
) -> None:
    """Transfer carries members; a breach queues one interim reply per author; a hand reply
    on X releases the members back to the queue with their own clocks."""
    texts = [
        ("DGFT portal is down since morning, cannot apply for IEC", "en"),
        ("डीजीएफटी की वेबसाइट सुबह से नहीं खुल रही, आईईसी अपडेट नहीं हो पा रहा", "hi"),
        ("bhai dgft ki site band hai kal se, IEC update nahi ho raha", "hinglish"),
    ]
    master, *rest = [await desk.open(t, lang) for t, lang in texts]
    pairs = await desk.storms.sweep()
    assert {(m.docket, master.docket) for m in rest} == set(pairs)

    await desk.flow.transfer(master.docket, "meera", "general")
    for m in rest:
        assert "general" == (await desk.store.require(m.docket)).dept

    desk.clock.advance(49 * 3600)
    for _ in range(3):  # reruns change nothing
        await desk.sla.tick()
    interims = [await desk.redis.hget(desk.keys.reply(f"interim:{t.docket}:1"), "state")
                for t in (master, *rest)]  # fmt: skip
    assert ["pending"] * 3 == interims
    assert 1 == await desk.redis.xlen(desk.keys.outbox)  # the master's, at high priority
    assert 2 == await desk.redis.xlen(desk.keys.outbox_normal)  # members': behind answers

    await desk.flow.claim(master.docket, "ravi")
    await desk.flow.close(master.docket, "ravi", "answered on X", manual=True)
    for m in rest:
        ticket = await desk.store.require(m.docket)
        assert "storm_of" not in ticket.extra
        assert await desk.redis.zscore(desk.keys.sla_due, m.docket) == m.due_at.timestamp()
        assert await desk.redis.zscore(desk.keys.queue("general"), m.docket) is not None


async def test_an_interrupted_fan_out_is_finished_by_the_next_sweep(desk: StormDesk) -> None:
    """If the officer's process dies around its reply, the SLA leader finishes the fan-out
    once the master is answered, once per member, and never before."""
    posts = [
        ("DGFT portal is down since morning, cannot apply for IEC", "en"),
        ("DGFT website not opening since morning, IEC stuck", "en"),
        ("dgft portal down hai subah se, IEC apply nahi ho raha", "hinglish"),
    ]
    master, *rest = [await desk.open(t, lang) for t, lang in posts]
    await desk.storms.sweep()
    await desk.flow.claim(master.docket, "meera")
    with pytest.raises(CrashError):  # dies in the fan-out, right after the reply's own move
        await _reply_then_die(desk, master.docket)
    assert State.ANSWERED is (await desk.store.require(master.docket)).state
    assert 1 == await desk.redis.xlen(desk.keys.outbox)  # the master's own answer, queued
    assert 2 == await desk.storms.finish_fan_outs()
    assert 0 == await desk.storms.finish_fan_outs()
    assert 2 == await desk.redis.xlen(desk.keys.outbox_low)
    for m in rest:
        assert (await desk.store.require(m.docket)).state is State.ANSWERED


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own (AOF, fsync always), so it can be killed."""
    server = RedisServer(port=free_port(), dir=tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_storm_figures_survive_a_redis_restart(
    own_redis: RedisServer, keys: Keys, settings: Settings, shipped_kb: KnowledgeBase
) -> None:
    """Redis killed and restarted (AOF): the same storms and figures, and the storm grows on."""
    first = connect(own_redis.url)
    desk = StormDesk(first, keys, settings, shipped_kb)
    for text, lang in [
        ("DGFT portal is down since morning, cannot apply for IEC", "en"),
        ("DGFT का पोर्टल बंद है, आईईसी आवेदन नहीं हो पा रहा", "hi"),
        ("How do I apply for an IEC?", "en"),
    ]:
        await desk.open(text, lang)
    await desk.storms.sweep()
    before = await storm_reports(first, keys)
    figs = figures(
        await all_tickets(first, keys), desk.clock.now(), "all", desk.settings.report_zone
    )
    await first.aclose()

    own_redis.kill()
    own_redis.start()
    await asyncio.sleep(0.3)
    fresh = connect(own_redis.url)
    try:
        again = StormDesk(fresh, keys, settings, shipped_kb)
        assert before == await storm_reports(fresh, keys)
        assert figs == figures(
            await all_tickets(fresh, keys), desk.clock.now(), "all", desk.settings.report_zone
        )
        # The storm's profile is in Redis too: a new process keeps growing the same storm.
        late = await again.open("dgft portal subah se band hai, IEC apply nahi ho raha", "hinglish")
        assert [(late.docket, before[0].master)] == await again.storms.sweep()
    finally:
        await fresh.aclose()
    assert (figs.storms, figs.storm_members) == (1, 1)


async def _storm_of_three(desk: StormDesk) -> tuple[Ticket, Ticket, Ticket]:
    posts = [
        ("DGFT portal is down since morning, cannot apply for IEC", "en"),
        ("DGFT website not opening since morning, IEC stuck", "en"),
        ("dgft portal down hai subah se, IEC apply nahi ho raha", "hinglish"),
    ]
    master, a, b = [await desk.open(t, lang) for t, lang in posts]
    assert {(a.docket, master.docket), (b.docket, master.docket)} == set(await desk.storms.sweep())
    return master, a, b


class CrashError(Exception):
    """The officer's process dying at a chosen point."""


async def _reply_then_die(desk: StormDesk, master: str) -> None:
    """The officer's reply, with the process dying as the fan-out starts."""

    async def die(_master: str) -> list[Any]:
        raise CrashError

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(desk.storms, "answer", die)
        await desk.flow.reply(master, "meera", ANSWER)


async def test_no_member_joins_while_the_master_s_answer_is_being_sent(desk: StormDesk) -> None:
    """A sweep between the master's answer and its fan-out leaves the newcomer on its own
    (in its queue, on its clock), never stranded."""
    master, _a, _b = await _storm_of_three(desk)
    await desk.flow.claim(master.docket, "meera")
    with pytest.raises(CrashError):
        await _reply_then_die(desk, master.docket)
    late = await desk.open("DGFT portal not loading since morning, IEC pending", "en")
    await desk.storms.sweep()
    assert "storm_of" not in (await desk.store.require(late.docket)).extra
    assert await desk.redis.zscore(desk.keys.queue(late.dept), late.docket) is not None
    assert await desk.redis.zscore(desk.keys.sla_due, late.docket) is not None


async def test_merges_that_would_strand_a_ticket_are_refused(desk: StormDesk) -> None:
    """Into a member, into itself, or a hashtag-only ticket: refused, nothing changes."""
    master, a, _b = await _storm_of_three(desk)
    other = await desk.open("DGFT portal: my IEC application is pending, please check", "en")
    hashtag = await desk.store.create(
        Post(id="1960000000000009999", author_id="9", author_handle="h", lang=None,
             text="#mociseva dgft site down", created_at=desk.clock.now(),
             conversation_id=None, mentions_account=False),
        "dgft", reason="complaint", reply_allowed=False, nlu={},
    )  # fmt: skip
    for docket, into in [
        (master.docket, a.docket),
        (other.docket, a.docket),
        (master.docket, master.docket),
        (hashtag.docket, master.docket),
    ]:
        with pytest.raises(TicketError, match="cannot merge"):
            await desk.flow.merge(docket, into, "meera")
    assert [] == await desk.flow.similar(hashtag.docket)  # and `show` suggests no merge
    assert 2 == len(await desk.storms.members(master.docket))


async def test_a_close_right_after_a_cut_short_fan_out_still_answers_every_member(
    desk: StormDesk,
) -> None:
    """The officer's process dies after the master is answered; the officer then closes it:
    the members get the answer first, and are closed as answered, not dropped."""
    master, a, b = await _storm_of_three(desk)
    await desk.flow.claim(master.docket, "meera")
    with pytest.raises(CrashError):
        await _reply_then_die(desk, master.docket)
    await desk.flow.close(master.docket, "meera", "resolved")
    assert 2 == await desk.redis.xlen(desk.keys.outbox_low)
    for m in (a, b):
        ticket = await desk.store.require(m.docket)
        assert State.ANSWERED is ticket.state
        assert "first_response_at" in ticket.extra


async def test_a_reopened_storm_takes_members_again_and_sends_a_second_answer(
    desk: StormDesk,
) -> None:
    """A member who complains again stands alone; the reopened master takes newcomers, and
    its second answer reaches them under a new job id (not the first answer's again)."""
    master, a, b = await _storm_of_three(desk)
    await desk.flow.claim(master.docket, "meera")
    await desk.flow.reply(master.docket, "meera", ANSWER)
    reopened = await desk.flow.reopen(a.docket, "ravi", "citizen says still down")
    assert "storm_of" not in reopened.extra
    assert [b.docket] == await desk.storms.members(master.docket)
    assert await desk.redis.zscore(desk.keys.queue(a.dept), a.docket) is not None

    await desk.flow.reopen(master.docket, "ravi", "down again")
    late = await desk.open("DGFT portal is down again, cannot file IEC update", "en")
    assert [(late.docket, master.docket)] == await desk.storms.sweep()
    await desk.flow.claim(master.docket, "ravi")
    await desk.flow.reply(master.docket, "ravi", "Fixed for good now; sorry for the trouble.")
    late_job = (await desk.store.require(late.docket)).extra["storm_job"]
    assert late_job.endswith(":2")
    assert (await desk.store.require(b.docket)).extra["storm_job"].endswith(":1")
    assert 3 == await desk.redis.xlen(desk.keys.outbox_low)  # a and b the first, late the second
    assert State.REOPENED is (await desk.store.require(a.docket)).state


async def test_an_answer_that_repeats_a_member_s_personal_data_is_refused(
    desk: StormDesk,
) -> None:
    """The master's answer goes to every author, so no author's PAN or phone may be in it."""
    master = await desk.open("DGFT portal is down since morning, cannot apply for IEC", "en")
    member = await desk.open(
        "DGFT website not opening since morning, my IEC ABCPE1234F update is stuck", "en"
    )
    assert [(member.docket, master.docket)] == await desk.storms.sweep()
    await desk.flow.claim(master.docket, "meera")
    with pytest.raises(TicketError, match=r"personal data \(pan\)"):
        await desk.flow.reply(master.docket, "meera", "IEC ABCPE1234F is updated now.")
    assert 0 == await desk.redis.xlen(desk.keys.outbox)
    assert 0 == await desk.redis.xlen(desk.keys.outbox_low)
    await desk.flow.reply(master.docket, "meera", "The portal works again; please retry.")
    assert 1 == await desk.redis.xlen(desk.keys.outbox_low)


async def test_an_officer_merges_a_ticket_the_sweep_left_apart(desk: StormDesk) -> None:
    """`show` points to the storm a stray resembles; `merge` adds it, and it gets the answer."""
    master = await desk.open("DGFT portal is down since morning, cannot apply for IEC", "en")
    await desk.open("DGFT website not opening since morning, IEC stuck", "en")
    stray = await desk.open("DGFT portal: my IEC application is pending, please check", "en")
    await desk.storms.sweep()
    assert "storm_of" not in (await desk.store.require(stray.docket)).extra
    [(similar_to, _score, why)] = await desk.flow.similar(stray.docket)
    assert (master.docket, "is about pending, not outage") == (similar_to, why)

    await desk.flow.merge(stray.docket, master.docket, "meera")
    with pytest.raises(TicketError, match="only a new ticket that X lets us answer"):
        await desk.flow.merge(stray.docket, master.docket, "meera")
    await desk.flow.claim(master.docket, "meera")
    await desk.flow.reply(master.docket, "meera", ANSWER)
    assert State.ANSWERED is (await desk.store.require(stray.docket)).state
    assert 2 == await desk.redis.xlen(desk.keys.outbox_low)
    joined = [e for e in await desk.store.history(stray.docket) if e["event"] == "storm_joined"]
    assert "meera" == joined[0]["by"]


async def test_merging_a_master_brings_its_own_members_along(desk: StormDesk) -> None:
    """Two storms one officer sees as one: merging the smaller master moves its members too."""
    big = await desk.open("DGFT portal is down since morning, cannot apply for IEC", "en")
    await desk.open("DGFT website not opening since morning, IEC stuck", "en")
    await desk.open("dgft portal down hai subah se, IEC apply nahi ho raha", "hinglish")
    small = await desk.open("DGFT portal: my IEC application is pending for a week", "en")
    follower = await desk.open("DGFT portal pe IEC application pending hai ek hafte se", "hinglish")
    await desk.storms.sweep()
    assert small.docket == (await desk.store.require(follower.docket)).extra["storm_of"]

    await desk.flow.merge(small.docket, big.docket, "meera")
    for t in (small, follower):
        assert big.docket == (await desk.store.require(t.docket)).extra["storm_of"]
    assert 4 == len(await desk.storms.members(big.docket))
    assert 4 == int((await desk.store.require(big.docket)).extra["storm_size"])


async def test_each_author_gets_the_storm_s_answer_in_their_own_language(
    desk: StormDesk,
) -> None:
    """`reply --hi ... --hinglish ...`: English, Hindi and Hinglish authors each get theirs."""
    posts = [
        ("DGFT portal is down since morning, cannot apply for IEC", "en"),
        ("डीजीएफटी की वेबसाइट सुबह से नहीं खुल रही, आईईसी अपडेट नहीं हो पा रहा", "hi"),
        ("bhai dgft ki site band hai kal se, IEC update nahi ho raha", "hinglish"),
    ]
    master, hindi, hinglish = [await desk.open(t, lang) for t, lang in posts]
    await desk.storms.sweep()
    await desk.flow.claim(master.docket, "meera")
    versions = {
        "hi": "डीजीएफटी पोर्टल फिर से चालू है; कृपया आईईसी आवेदन दोबारा करें।",
        "hinglish": "DGFT portal wapas chalu hai; IEC application dobara try karein.",
    }
    job = await desk.flow.reply(master.docket, "meera", ANSWER, versions)
    assert job is not None
    assert job.parts[0].startswith(ANSWER[:20])
    await desk.drain_outbox()
    under = {parent: text for text, parent in desk.x.posts.values()}
    assert under[hindi.post_id].startswith(versions["hi"][:20])
    assert under[hinglish.post_id].startswith(versions["hinglish"][:20])


async def test_a_member_an_officer_took_by_hand_is_left_to_that_officer(desk: StormDesk) -> None:
    """The storm's answer skips a member someone claimed: that officer answers it."""
    master, taken, waiting = await _storm_of_three(desk)
    await desk.flow.claim(taken.docket, "ravi")
    await desk.flow.claim(master.docket, "meera")
    await desk.flow.reply(master.docket, "meera", ANSWER)
    assert State.CLAIMED is (await desk.store.require(taken.docket)).state
    assert State.ANSWERED is (await desk.store.require(waiting.docket)).state
    assert 1 == await desk.redis.xlen(desk.keys.outbox_low)


async def test_the_sweep_never_groups_a_post_that_names_nothing_concrete(desk: StormDesk) -> None:
    """On Redis, as the SLA leader sweeps: a phone number alone and a generic "pending, no
    reply" complaint join neither the DGFT storm nor each other, and seed no storm."""
    master, a, b = await _storm_of_three(desk)
    phone = await desk.open("@CommerceSeva 9123456780", "en")
    vague = await desk.open("site not working, application pending, still waiting, no reply", "en")
    again = await desk.open("website not working, my application still pending, no reply", "en")
    assert [] == await desk.storms.sweep()
    for t in (phone, vague, again):
        assert "storm_of" not in (await desk.store.require(t.docket)).extra
        assert not await desk.redis.hexists(desk.keys.storm_profiles, t.docket)
    assert {a.docket, b.docket} == set(await desk.storms.members(master.docket))
    [(similar_to, _score, why)] = await desk.flow.similar(vague.docket)
    assert (master.docket, "names no department, body or named service (generic words only)") == (
        similar_to,
        why,
    )
