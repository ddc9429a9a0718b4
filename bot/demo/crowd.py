"""The demo's scripted crowd of citizens, posting in English, Hindi and Hinglish."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scripted:
    """One scripted post.

    ``{handle}`` is the ministry's handle; ``{docket:N}`` the docket the desk gave to
    scripted post N (used for status queries and follow-ups).
    """

    author: str
    text: str
    note: str
    reply_to: int | None = None  # index of an earlier scripted post to reply under
    after_docket_of: int | None = None  # wait until that post has a docket


CROWD: list[Scripted] = [
    Scripted("asha_exports", "@{handle} how do I apply for IEC?", "FAQ, English"),
    Scripted("ramesh_hi", "@{handle} आईईसी के लिए आवेदन कैसे करें?", "FAQ, Hindi"),
    Scripted("vicky_bhai", "@{handle} IEC ke liye apply kaise karein?", "FAQ, Hinglish"),
    Scripted("meera_k", "@{handle} how do I apply for IEC?", "the same FAQ, another citizen"),
    Scripted(
        "smallexporter",
        "@{handle} the new IEC rules are unfair to small exporters, please reconsider them",
        "policy complaint",
    ),
    Scripted("traveller22", "@{handle} whom do I contact about my passport?", "another ministry"),
    Scripted("founder_neha", "@{handle} how can my startup get DPIIT recognition?", "FAQ"),
    Scripted(
        "kanpur_leather",
        "@{handle} mera IEC AAACR5055K update nahi ho raha, call karo 9812345670",
        "complaint carrying personal data",
    ),
    Scripted(
        "troll_9", "@{handle} you are all useless idiots, buy followers at spam.example", "abuse"
    ),
    Scripted(
        "sez_unit",
        "#mociseva my SEZ unit approval has been pending for three months",
        "hashtag only: no API reply allowed",
    ),
    Scripted(
        "smallexporter",
        "@{handle} status {docket:4}",
        "status query by the ticket's author",
        after_docket_of=4,
    ),
    Scripted(
        "nosy_parker",
        "@{handle} status {docket:4}",
        "status query by someone else",
        after_docket_of=4,
    ),
    Scripted(
        "smallexporter",
        "@{handle} adding: the fee also doubled for us",
        "follow-up in the same conversation",
        reply_to=4,
        after_docket_of=4,
    ),
    Scripted("ramesh_hi", "@{handle} धन्यवाद!", "thanks, Hindi"),
]
