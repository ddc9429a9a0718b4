"""The desk's settings: the NLU, the pipeline, ingest, tickets and the SLA.

A part of ``bot.settings.Settings``, kept in its own module so that ``bot/settings.py``
stays small; ``Settings`` inherits these fields, so they are ``SEVA_*`` variables like every
other setting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, NoDecode

CSV = Annotated[list[str], NoDecode]  # comma-separated; split by a validator in Settings


class DeskSettings(BaseSettings):
    """The NLU, the pipeline's decision, ingest, tickets and the SLA."""

    # --- NLU (the Rasa server) ------------------------------------------------------------
    rasa_urls: CSV = Field(
        default_factory=lambda: ["http://127.0.0.1:5005"],
        description=(
            "the Rasa servers to parse with, until `seva nlu publish` puts the live list in Redis"
        ),
    )
    rasa_token: SecretStr | None = Field(
        default=None,
        description=(
            "Rasa's auth token; reaches Rasa by environment, never argv; "
            "`seva nlu serve` refuses to start without it unless --insecure-local"
        ),
    )
    nlu_timeout_s: float = Field(default=3.0, gt=0, description="one parse call, end to end")
    nlu_retries: int = Field(
        default=1,
        ge=0,
        description="further rounds over the Rasa URL list after a failed round",
    )
    nlu_retry_backoff_s: float = Field(
        default=0.2, ge=0, description="pause between rounds (grows linearly)"
    )
    nlu_breaker_failures: int = Field(
        default=3, ge=1, description="failures in a row that open a Rasa URL's circuit breaker"
    )
    nlu_breaker_reset_s: float = Field(
        default=10.0,
        gt=0,
        description="how long an open breaker skips that URL before one trial call",
    )
    nlu_urls_refresh_s: float = Field(
        default=1.0,
        gt=0,
        description="how often daemons re-read the live Rasa URL list (blue/green publish)",
    )
    rasa_venv: Path = Field(
        default=Path(".venv-rasa"), description="the Rasa venv (Python 3.10) `seva nlu` runs"
    )
    nlu_dir: Path = Field(
        default=Path("nlu"),
        description="the Rasa project (config, hand-written data, held-out tests, models)",
    )

    # --- pipeline ------------------------------------------------------------------------
    nlu_max_wait_s: float = Field(
        default=600.0,
        gt=0,
        description=(
            "while no Rasa answers, a post waits in the inbox this long; then a human answers it"
        ),
    )
    nlu_retry_s: float = Field(
        default=5.0, gt=0, description="... and is tried again this often meanwhile"
    )
    threshold_faq: float = Field(
        default=0.55,
        ge=0,
        le=1,
        description=(
            'minimum confidence to answer an FAQ automatically (README, "Choosing the thresholds")'
        ),
    )
    threshold_refer: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description=(
            "not read by the decision today: a post is referred when the KB's matchers find "
            "another body in it and the NLU's intent is refer, or it is a grievance naming "
            "no department of ours, at any confidence"
        ),
    )
    threshold_grievance: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description=(
            "minimum confidence of the grievance (escalate) intent to open a ticket for a post "
            "with no complaint cue and no department named; below it the post goes to triage"
        ),
    )
    threshold_abuse: float = Field(
        default=0.7, ge=0, le=1, description="minimum confidence to ignore a post as abuse or spam"
    )
    threshold_chitchat: float = Field(
        default=0.7,
        ge=0,
        le=1,
        description=(
            "minimum confidence to answer a greeting, or an out-of-scope post with the clarify "
            "reply"
        ),
    )

    # --- ingest ----------------------------------------------------------------------------
    ingest_stream: bool = Field(
        default=True,
        description=(
            "hold the filtered stream (false: poll only, for accounts without stream access)"
        ),
    )
    ingest_poll_interval_s: float = Field(
        default=60.0,
        gt=0,
        description="safety-net polling of mentions and search; a stream drop polls at once",
    )
    ingest_first_lookback_s: float = Field(
        default=3600.0, ge=0, description="how far back a first start (no saved cursor) reads"
    )
    ingest_horizon_s: float = Field(
        default=7 * 24 * 3600.0, gt=0, description="posts older than this are skipped (counted)"
    )
    ingest_max_pages: int = Field(
        default=10, ge=1, description="pages per source per poll; reads cost money"
    )
    ingest_read_budget_per_hour: int = Field(
        default=5_000,
        ge=1,
        description=(
            "posts polling may read per hour (X bills reads); past it polling stops paging and "
            "raises `ingest_read_budget`"
        ),
    )
    ingest_silence_alarm_s: float = Field(
        default=3600.0,
        gt=0,
        description="no post for this long raises the `ingest_silence` alarm ...",
    )
    ingest_silence_min_daily: int = Field(
        default=20,
        ge=1,
        description=(
            "... when the last 24 h brought at least this many posts (traffic was expected)"
        ),
    )

    # --- tickets and SLA ---------------------------------------------------------------------
    sla_tick_s: float = Field(
        default=30.0, gt=0, description="how often the SLA leader checks warnings and breaches"
    )
    tickets_claim_idle_s: float = Field(
        default=1800.0, gt=0, description="a claim idle this long returns the ticket to its queue"
    )
    storm_threshold: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="how close (0 to 1) a post must be to a storm to join it, after the gates",
    )
    storm_window_h: float = Field(
        default=24.0,
        gt=0,
        description="a storm takes posts for this long after its master was opened",
    )
    storm_vague_window_h: float = Field(
        default=8.0,
        gt=0,
        description=(
            "... but a storm whose posts only wait (pending, unanswered) takes them for this "
            "long: many people waiting in one working day is one incident, a backlog over "
            "days is many cases"
        ),
    )
    consumer_body_id: str = Field(
        default="consumer-affairs-nch",
        description=(
            "the directory entry of the consumer-grievance route: complaints about private "
            "companies are referred there only while it is verified, else they go to triage"
        ),
    )
    followup_status_interval_h: float = Field(
        default=6.0,
        gt=0,
        description=(
            "an author's 'any update?' under an open ticket gets a status reply at most once "
            "per ticket in this many hours"
        ),
    )
    triage_alarm_h: float = Field(
        default=4.0,
        gt=0,
        description="the triage_stale alarm fires once the oldest post in triage waited this long",
    )
    desk_answered_kept: int = Field(
        default=500,
        ge=0,
        description=(
            "answered tickets per department the desk keeps for 'similar answered tickets' "
            "(their gists and answers; the oldest go first)"
        ),
    )
    desk_similar_floor: float = Field(
        default=0.35,
        ge=0,
        le=1,
        description="how close (0 to 1, the storm measure) an answered ticket must be to show",
    )
    desk_similar_shown: int = Field(
        default=3, ge=0, description="similar answered tickets a ticket page shows at most"
    )
    sla_business_open: str = Field(
        default="09:30",
        description=(
            "working hours, for departments with `business_hours: true` "
            "(in `SEVA_REPLY_TIMEZONE`) ..."
        ),
    )
    sla_business_close: str = Field(default="18:00", description="... end of the working day ...")
    sla_business_days: CSV = Field(
        default=["mon", "tue", "wed", "thu", "fri"],
        description="... and the working days (public holidays are not modelled)",
    )
    gaps_days: int = Field(
        default=14, ge=1, le=90, description="FAQ gaps: the days of escalated posts grouped"
    )
    gaps_max_posts: int = Field(
        default=500,
        ge=10,
        description=(
            "FAQ gaps: at most this many of the newest posts are grouped (the cost grows as "
            "its square)"
        ),
    )
    gaps_threshold: float = Field(
        default=0.11,
        gt=0,
        le=1,
        description=(
            "FAQ gaps: the mean similarity two groups of posts need to merge (chosen on the "
            "dev corpus: 0.10 to 0.12 gave the same two topics)"
        ),
    )
    gaps_min_size: int = Field(
        default=3, ge=2, description="FAQ gaps: the posts a topic needs before admins see it"
    )
