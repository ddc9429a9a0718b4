"""The demo's scripted crowd: citizens posting to the emulator in English, Hindi and Hinglish.

Each line is a citizen, what they post and what a well-run desk does with it. The demo
publishes them through the emulator's control API (the crowd is part of the emulated X,
not of the desk), and the end-to-end tests reuse the same script.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    """One scripted post."""

    author: str
    text: str
    expect: str  # answer_faq | refer | escalate | greet | ignore | status | clarify | skipped
    note: str = ""
    retweet: bool = False


HANDLE = "@MoCI_Seva"

SCRIPT: list[Line] = [
    Line("asha_exports", f"{HANDLE} how do I apply for IEC?", "answer_faq", "FAQ, English"),
    Line("ramesh_k", f"{HANDLE} आईईसी के लिए आवेदन कैसे करें?", "answer_faq", "FAQ, Hindi"),
    Line(
        "priya_startup", f"{HANDLE} IEC ke liye apply kaise karein?", "answer_faq", "FAQ, Hinglish"
    ),
    Line(
        "vikram_tech",
        f"{HANDLE} how can my startup get DPIIT recognition?",
        "answer_faq",
        "FAQ, English",
    ),
    Line(
        "meena_textiles",
        f"{HANDLE} patent file karne ka process kya hai?",
        "answer_faq",
        "FAQ, Hinglish",
    ),
    Line(
        "small_exporter",
        f"{HANDLE} The new IEC rules are unfair to small exporters. "
        "My application has been pending for 3 months and nobody at DGFT replies. "
        "Please look into this.",
        "escalate",
        "complaint naming an FAQ topic: a ticket, not an FAQ answer",
    ),
    Line(
        "sunita_r",
        f"{HANDLE} मेरा स्टार्टअप मान्यता आवेदन दो महीने से लंबित है, कोई जवाब नहीं दे रहा",
        "escalate",
        "complaint, Hindi",
    ),
    Line(
        "traveller_22",
        f"{HANDLE} my passport renewal is stuck for weeks, who do I contact?",
        "refer",
        "another ministry",
    ),
    Line(
        "arjun_m",
        f"{HANDLE} train ticket ka refund abhi tak nahi mila",
        "refer",
        "another ministry, Hinglish",
    ),
    Line("kavita_s", f"{HANDLE} thank you for the quick help!", "greet", "thanks"),
    Line(
        "hashtag_only",
        "#mociseva SEZ approval delays are hurting our expansion plans, please act",
        "escalate",
        "hashtag-only: X forbids a programmatic reply; an officer answers by hand",
    ),
    Line(
        "careful_citizen",
        f"{HANDLE} my IEC shows wrong address, PAN ABCPE1234F, call me on 9876543210",
        "answer_faq",
        "how to correct an IEC; the PAN and phone are never echoed and are masked in logs",
    ),
    Line(
        "storm_exporter",
        f"{HANDLE} DGFT portal is down since morning, I cannot file my IEC update",
        "escalate",
        "a storm begins: the SLA leader groups the next two under this ticket",
    ),
    Line(
        "storm_niryat",
        f"{HANDLE} डीजीएफटी की वेबसाइट सुबह से नहीं खुल रही, आईईसी अपडेट नहीं हो पा रहा",
        "escalate",
        "the same outage in Hindi: one storm",
    ),
    Line(
        "storm_bhai",
        f"{HANDLE} bhai dgft ki site band hai subah se, IEC update nahi ho raha",
        "escalate",
        "the same outage in Hinglish: one storm",
    ),
    Line(
        "spam_bot",
        f"{HANDLE} FREE crypto giveaway!!! click bit.ly/xyz to claim 1000 USDT now",
        "ignore",
        "spam",
    ),
    Line("asha_exports", "", "skipped", "a retweet of the first post: never queued", retweet=True),
]
