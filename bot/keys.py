"""Every Redis key name, TTL and SLA default, in one place.

All keys live under a configurable prefix (``SEVA_KEY_PREFIX``, default ``seva``), so a
demo run or a test can use a prefix of its own and never see another run's cursors or
seen-keys on a shared Redis.
"""

from __future__ import annotations

from dataclasses import dataclass

# TTLs and defaults (seconds unless named otherwise).
SEEN_TTL_S = 14 * 24 * 3600  # dedupe window for post ids; X's recent search reaches 7 days
LEASE_TTL_MS = 15_000
REPLY_STATE_TTL_S = 90 * 24 * 3600
# A department's SLA defaults, for departments.yml entries that leave them out (and for a
# ticket whose department is no longer in the KB). Settings (``SEVA_*``) hold the rest.
SLA_DEFAULT_HOURS = 48
ESCALATION_CHAIN = ("officer", "head", "cell")

# Consumer-group names.
PIPELINE_GROUP = "pipeline"
OUTBOX_GROUP = "outbox"


@dataclass(frozen=True)
class Keys:
    """Key names under one prefix. Build it once from settings and pass it down."""

    prefix: str  # SEVA_KEY_PREFIX

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    # --- streams -----------------------------------------------------------------------
    @property
    def inbox(self) -> str:
        """Stream of normalised posts waiting for the pipeline."""
        return self._k("inbox")

    @property
    def outbox(self) -> str:
        """Stream of high-priority reply jobs (answers, acknowledgements)."""
        return self._k("outbox")

    @property
    def outbox_normal(self) -> str:
        """Stream of normal-priority reply jobs (storm members' interim replies)."""
        return self._k("outbox", "normal")

    @property
    def outbox_low(self) -> str:
        """Stream of low-priority reply jobs (storm fan-out)."""
        return self._k("outbox", "low")

    def outbox_lanes(self) -> list[str]:
        """The outbox streams, highest priority first (the order the outbox reads them)."""
        return [self.outbox, self.outbox_normal, self.outbox_low]

    @property
    def deadletter(self) -> str:
        """Stream of entries that could not be processed, kept for a human."""
        return self._k("deadletter")

    # --- ingest ------------------------------------------------------------------------
    def cursor(self, source: str) -> str:
        """since_id per ingest source (``stream``, ``mentions``, ``search``)."""
        return self._k("cursor", source)

    def seen(self, post_id: str) -> str:
        """SET NX marker that a post id already reached the inbox."""
        return self._k("seen", post_id)

    # --- liveness and leadership -------------------------------------------------------
    def heartbeat(self, role: str, instance: str) -> str:
        """A role's heartbeat in one daemon instance (expires when it stops beating)."""
        return self._k("hb", role, instance)

    def heartbeat_pattern(self) -> str:
        """SCAN pattern matching every heartbeat."""
        return self._k("hb", "*")

    def lease(self, name: str) -> str:
        """A single-writer lease (``stream``, ``sla``, ``outbox``)."""
        return self._k("lease", name)

    def alarm(self, name: str) -> str:
        """A raised alarm (silence, credits, usage cap) shown by ``seva status``."""
        return self._k("alarm", name)

    def alarm_pattern(self) -> str:
        """SCAN pattern matching every alarm."""
        return self._k("alarm", "*")

    def counter(self, name: str) -> str:
        """A hash of counters (e.g. skip reasons) for status and metrics."""
        return self._k("count", name)

    # --- tickets and SLA ---------------------------------------------------------------
    def docket_seq(self, prefix: str, year: int) -> str:
        """INCR counter behind docket numbers, per docket prefix and year."""
        return self._k("docket", prefix, str(year))

    def ticket(self, docket: str) -> str:
        """Hash holding one ticket."""
        return self._k("ticket", docket)

    def ticket_history(self, docket: str) -> str:
        """List of a ticket's history events (JSON)."""
        return self._k("ticket", docket, "history")

    @property
    def ticket_events(self) -> str:
        """Stream of every ticket transition (docket, move, state, who): the desk follows it."""
        return self._k("events", "tickets")

    @property
    def gaps_set_aside(self) -> str:
        """Hash of posts the FAQ-gap page no longer groups: post id -> JSON (why, who, when)."""
        return self._k("gaps", "aside")

    @property
    def faq_drafts(self) -> str:
        """Hash of FAQ entries drafted from a gap cluster: draft id -> JSON."""
        return self._k("gaps", "drafts")

    @property
    def report_dirty(self) -> str:
        """Set of dockets whose ticket changed since the daily figures were last refreshed."""
        return self._k("report", "dirty")

    @property
    def report_working(self) -> str:
        """The dirty dockets a refresh has taken (kept until it finishes, for a crash)."""
        return self._k("report", "working")

    @property
    def report_created(self) -> str:
        """Sorted set of every docket by creation time: a day's tickets without a scan."""
        return self._k("report", "created")

    @property
    def report_days(self) -> str:
        """Sorted set of the days that have figures (member ``YYYY-MM-DD``, score its start)."""
        return self._k("report", "days")

    def report_day(self, day: str) -> str:
        """One day's figures (JSON, ``bot.tickets.daily``): the tickets created that day."""
        return self._k("report", "day", day)

    @property
    def report_built(self) -> str:
        """Set once the daily figures were first summed from a full scan."""
        return self._k("report", "built")

    @property
    def report_lock(self) -> str:
        """Held by the one process refreshing or rebuilding the daily figures."""
        return self._k("report", "lock")

    def queue(self, dept: str) -> str:
        """A department's queue of open tickets."""
        return self._k("queue", dept)

    def status_replied(self, docket: str) -> str:
        """Set while a status reply to a follow-up on ``docket`` is recent (one per interval)."""
        return self._k("status-replied", docket)  # not under ticket:*, which holds hashes

    @property
    def triage(self) -> str:
        """Sorted set of the posts in the triage inbox, by post time (``bot.tickets.triage``)."""
        return self._k("triage")

    @property
    def triage_posts(self) -> str:
        """Hash of triaged posts: post id -> JSON (the post, the reason, the guess)."""
        return self._k("triage", "posts")

    def answered(self, dept: str) -> str:
        """Hash of a department's answered tickets kept for reuse: docket -> JSON."""
        return self._k("answered", dept)

    def answered_order(self, dept: str) -> str:
        """Sorted set of the same dockets by answer time (the oldest are dropped)."""
        return self._k("answered", dept, "order")

    def desk(self, dept: str, state: str, tier: str) -> str:
        """Sorted set of a department's open tickets in one state and tier, by due time.

        Written only by ``bot.tickets.desk_index``'s Lua, which builds this name from
        ``desk_prefix``.
        """
        return f"{self.desk_prefix}{dept}:{state}:{tier}"

    @property
    def desk_depts(self) -> str:
        """Set of the departments the desk's index has filed tickets of."""
        return self._k("desk-depts")

    @property
    def desk_prefix(self) -> str:
        """The start of every ``desk`` set's name."""
        return self._k("desk") + ":"

    @property
    def claims(self) -> str:
        """Sorted set of claimed dockets scored by claim time (idle claims go back)."""
        return self._k("claims")

    @property
    def sla_warn(self) -> str:
        """Sorted set of open dockets scored by their next SLA warning time."""
        return self._k("sla", "warn")

    @property
    def sla_due(self) -> str:
        """Sorted set of dockets scored by due time."""
        return self._k("sla", "due")

    @property
    def storm_pending(self) -> str:
        """Sorted set of new tickets the storm sweep has not looked at, by creation time."""
        return self._k("storm", "pending")

    @property
    def storm_profiles(self) -> str:
        """Hash of open storms: master docket -> profile JSON (``bot.tickets.gist``)."""
        return self._k("storm", "profiles")

    def storm(self, master: str) -> str:
        """Sorted set of the dockets grouped under a master ticket, by creation time."""
        return self._k("storm", master)

    @property
    def storm_fanout(self) -> str:
        """Set of answered masters whose answer has not yet reached every member."""
        return self._k("storm", "fanout")

    def conversation(self, conversation_id: str) -> str:
        """Maps an X conversation to its open ticket, so follow-ups attach."""
        return self._k("conv", conversation_id)

    # --- replies -----------------------------------------------------------------------
    def reply(self, job_id: str) -> str:
        """Reply state for one job: pending -> sending -> sent."""
        return self._k("reply", job_id)

    @property
    def outbox_posted(self) -> str:
        """Sorted set of the account's posts (member = job:part, score = time): rate windows."""
        return self._k("outbox", "posted")

    def spend(self, day: str) -> str:
        """Hash of money spent on X on one UTC day (``YYYY-MM-DD``), by kind."""
        return self._k("spend", day)

    @property
    def decisions(self) -> str:
        """Stream of every decision with its NLU result (audit trail, FAQ-gap mining)."""
        return self._k("decisions")

    def post_ticket(self, post_id: str) -> str:
        """The docket created for a post, so a re-processed post never opens a second one."""
        return self._k("post", post_id, "ticket")

    def decision(self, post_id: str) -> str:
        """The pipeline's decision for a post, with its NLU result (audit trail)."""
        return self._k("decision", post_id)

    # --- the desk's memory (bot.epoch) --------------------------------------------------
    @property
    def epoch(self) -> str:
        """Written once, when the desk first starts on this Redis; missing later = amnesia."""
        return self._k("epoch")

    @property
    def hold(self) -> str:
        """Set when Redis is found to have lost its data; intake waits until `seva recover`."""
        return self._k("hold")

    @property
    def lost_dockets(self) -> str:
        """Set of dockets acknowledged on X whose tickets Redis lost (`seva recover`)."""
        return self._k("recover", "lost_dockets")

    # --- knowledge base and NLU ---------------------------------------------------------
    def kb(self, *parts: str) -> str:
        """Knowledge-base keys (entries, versions, audit)."""
        return self._k("kb", *parts)

    @property
    def nlu_urls(self) -> str:
        """The live list of Rasa URLs; every daemon follows it (blue/green publish)."""
        return self._k("nlu", "urls")

    @property
    def nlu_events(self) -> str:
        """Pub/sub channel announcing a switch of NLU URLs."""
        return self._k("nlu", "events")

    # --- users, sessions, sign-in and the audit log -------------------------------------
    def user(self, name: str) -> str:
        """Hash holding one user (role, departments, password hash, TOTP, generation)."""
        return self._k("user", name)

    @property
    def users(self) -> str:
        """Set of every user name."""
        return self._k("users")

    def user_recovery(self, name: str) -> str:
        """Set of the SHA-256 digests of a user's unused recovery codes."""
        return self._k("user", name, "recovery")

    def session(self, session_id: str) -> str:
        """One web session (JSON, expires at the absolute timeout)."""
        return self._k("session", session_id)

    def signin_failures(self, name: str) -> str:
        """Counter of wrong passwords in a row for one account name."""
        return self._k("signin", "fail", name)

    def signin_lock(self, name: str) -> str:
        """Present while an account is locked out (expires after the lockout)."""
        return self._k("signin", "lock", name)

    def signin_address(self, address: str) -> str:
        """Counter of failed sign-ins from one client address, in a window."""
        return self._k("signin", "addr", address)

    def cli_token(self, digest: str) -> str:
        """A command-line sign-in token (by its SHA-256): user and generation, with a TTL."""
        return self._k("clitoken", digest)

    @property
    def audit(self) -> str:
        """Stream of every sign-in attempt and user action: who, when, what, before, after."""
        return self._k("audit")
