"""Storm grouping's pure logic: concepts across languages, the gates, the clustering."""

from __future__ import annotations

from bot.settings import Settings
from bot.tickets import concepts
from bot.tickets.gist import Profile, cluster, gist, pair_scores, refusal, skeleton


def _storm(*texts: tuple[str, list[str]]) -> Profile:
    storm = Profile.of(gist(*texts[0]), master="m", created_at=0.0)
    for text, entities in texts[1:]:
        storm.absorb(Profile.of(gist(text, entities), master="x", created_at=0.0))
    return storm


def test_an_outage_reads_the_same_in_three_languages() -> None:
    """ "Down", "नहीं खुल रही" and "band hai" are all an outage of a portal."""
    for text in (
        "The DGFT portal is down since morning",
        "डीजीएफटी की वेबसाइट सुबह से नहीं खुल रही",
        "dgft ki site kal se band hai",
    ):
        folded = concepts.fold(text)
        assert "outage" in concepts.problems(folded), text
        assert "portal" in concepts.subjects(folded), text


def test_a_resolution_and_a_question_are_not_an_outage() -> None:
    """A "working again" post and a how-to question get their own headline problem."""
    assert gist("DGFT portal is working again now, thanks").headline == "resolved"
    assert gist("DGFT पोर्टल अब ठीक चल रहा है, धन्यवाद").headline == "resolved"
    assert gist("How to apply for an IEC on the DGFT portal?").headline == "howto"
    assert gist("the portal keeps loading, how do I apply?").headline == "outage"


def test_skeletons_bridge_devanagari_and_roman_spellings() -> None:
    """ "पोर्टल" and "portal" share a consonant skeleton, so their grams overlap."""
    assert skeleton("पोर्टल") == skeleton("portal") == ["prtl"]


def test_the_gates_say_why_a_near_miss_stays_apart() -> None:
    """Another body's portal, another problem, or another department: refused, with a reason."""
    storm = _storm(
        ("DGFT portal is down, cannot apply for IEC", ["dept:dgft"]),
        ("dgft ki site band hai, IEC update nahi ho raha", ["dept:dgft"]),
    )

    def why(text: str, entities: list[str]) -> str | None:
        return refusal(Profile.of(gist(text, entities), master="p", created_at=0.0), storm)

    assert why("ICEGATE is down, DGFT is fine", ["body:cbic-icegate", "dept:dgft"])
    assert why("IEC fee debited twice on the DGFT portal", ["dept:dgft"]) == (
        "is about double_charge, not outage"
    )
    assert why("trademark portal is down", ["dept:ipr"]) == "names dept:ipr, not dept:dgft"
    assert why("portal not opening since morning", []) is None


def test_clustering_groups_paraphrases_and_keeps_near_misses_apart() -> None:
    """Four ways of saying one thing form one storm; three look-alikes stay on their own."""
    posts = [
        ("@DGFTIndia the DGFT portal is down since morning, cannot apply for IEC", ["dept:dgft"]),
        ("डीजीएफटी की वेबसाइट सुबह से नहीं खुल रही, आईईसी अपडेट नहीं हो पा रहा", ["dept:dgft"]),
        ("IEC fee debited twice on DGFT portal, please refund", ["dept:dgft"]),
        ("bhai dgft ki site band hai kal se, IEC kaise update karu", ["dept:dgft"]),
        ("ICEGATE portal is down, cannot file shipping bill", ["body:cbic-icegate"]),
        ("पोर्टल पर एरर आ रहा है, आवेदन जमा नहीं हो रहा", []),
        ("DGFT portal is working again now, thanks", ["dept:dgft"]),
    ]
    truth = [0, 0, 2, 0, 4, 0, 6]
    labels = cluster([gist(t, e) for t, e in posts], Settings().storm_threshold)
    assert (1.0, 1.0) == pair_scores(labels, truth)


def test_pair_scores_count_pairs() -> None:
    """Merging one stranger into a group of three costs precision, splitting costs recall."""
    assert (0.5, 1.0) == pair_scores([0, 0, 0, 0], [0, 0, 0, 1])
    assert (1.0, 1 / 3) == pair_scores([0, 0, 2], [0, 0, 0])
