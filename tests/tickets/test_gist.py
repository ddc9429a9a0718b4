"""Storm grouping's pure logic: concepts across languages, the gates, the clustering."""

from __future__ import annotations

import random

from bot.nlu.skeleton import skeleton
from bot.settings import Settings
from bot.tickets import concepts
from bot.tickets.gist import (
    Profile,
    best_storm,
    cluster,
    gist,
    pair_scores,
    refusal,
)


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


def test_an_anusvara_before_a_stop_is_read_as_that_stop_s_nasal() -> None:
    """ "पंजीकरण" meets "panjikaran" and "डंपिंग" "dumping" (anyascii writes every
    anusvara as "m"); before v it stays "m", as "samvardhan" is spelt."""
    assert skeleton("पंजीकरण") == skeleton("panjikaran")
    assert skeleton("डंपिंग") == skeleton("dumping")
    assert skeleton("बंद") == skeleton("band")
    assert skeleton("संवर्धन") == skeleton("samvardhan")


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
    assert why("portal not opening since morning", []) == (
        "names no department, body or named service (generic words only)"
    )
    assert why("DGFT portal not opening since morning", ["dept:dgft"]) is None


def test_clustering_groups_paraphrases_and_keeps_near_misses_apart() -> None:
    """Three ways of saying one thing form one storm; look-alikes, and a post that names no
    portal of its own, stay on their own."""
    posts = [
        ("@DGFTIndia the DGFT portal is down since morning, cannot apply for IEC", ["dept:dgft"]),
        ("डीजीएफटी की वेबसाइट सुबह से नहीं खुल रही, आईईसी अपडेट नहीं हो पा रहा", ["dept:dgft"]),
        ("IEC fee debited twice on DGFT portal, please refund", ["dept:dgft"]),
        ("bhai dgft ki site band hai kal se, IEC kaise update karu", ["dept:dgft"]),
        ("ICEGATE portal is down, cannot file shipping bill", ["body:cbic-icegate"]),
        ("पोर्टल पर एरर आ रहा है, आवेदन जमा नहीं हो रहा", []),  # whose portal? it stays alone
        ("DGFT portal is working again now, thanks", ["dept:dgft"]),
    ]
    truth = [0, 0, 2, 0, 4, 5, 6]
    labels = cluster([gist(t, e) for t, e in posts], Settings().storm_threshold)
    assert (1.0, 1.0) == pair_scores(labels, truth)


def test_pair_scores_count_pairs() -> None:
    """Merging one stranger into a group of three costs precision, splitting costs recall."""
    assert (0.5, 1.0) == pair_scores([0, 0, 0, 0], [0, 0, 0, 1])
    assert (1.0, 1 / 3) == pair_scores([0, 0, 2], [0, 0, 0])


# Unrelated complaints that share only generic words with each other and with a storm:
# "pending", "still waiting", "no reply", "site", "app", "money". None names a department
# or body of the knowledge base.
CROWD = [
    "Laptop given for repair 3 weeks ago, still pending, no reply from the service centre",
    "electrician app se booking ki thi, banda aaya nahi, paisa kat gaya, no reply",
    "my web domain renewed without consent, site down, support no reply, still waiting",
    "mobile data not working for 2 days, recharge done, still waiting, no reply",
    "washing machine service request pending 10 days, no reply from the brand",
    "courier says delivered, nothing received, complaint pending, still waiting",
    "food delivery app payment failed, money deducted, refund pending, no reply",
    "bank app crashed during transfer, money deducted, still waiting, no reply",
    "लैपटॉप की मरम्मत 3 हफ्ते से लंबित है, कोई जवाब नहीं",
    "gym ka refund pending hai 2 mahine se, manager reply nahi karta",
    "site not working, app not working, still waiting, no reply, pending since morning",
    "my result is pending, no reply to mails, still waiting",
]
STORM = [
    ("DGFT portal is down since morning, cannot apply for IEC, still waiting", ["dept:dgft"]),
    ("dgft ki site band hai subah se, IEC pending, koi reply nahi", ["dept:dgft"]),
    ("डीजीएफटी की वेबसाइट सुबह से नहीं खुल रही, आईईसी अपडेट लंबित है", ["dept:dgft"]),
    ("DGFT site not working, app not working, no reply from the helpdesk", ["dept:dgft"]),
]


def test_a_crowd_sharing_only_generic_words_never_joins_one_storm() -> None:
    """Twelve unrelated complaints with only "pending", "still waiting", "no reply", "site"
    and "app" in common never share a storm, with each other or with a real DGFT storm."""
    posts = [(t, e, 0) for t, e in STORM] + [(t, [], i + 1) for i, t in enumerate(CROWD)]
    for seed in range(10):
        order = posts[:]
        random.Random(seed).shuffle(order)
        labels = cluster([gist(t, e) for t, e, _ in order], Settings().storm_threshold)
        crowd = [lab for lab, (_, _, g) in zip(labels, order, strict=True) if g]
        assert len(crowd) == len(set(crowd)), order  # each crowd post stands alone
        storm = {lab for lab, (_, _, g) in zip(labels, order, strict=True) if not g}
        assert 1 == len(storm)
        assert not storm & set(crowd)
        precision, recall = pair_scores(labels, [g for *_, g in order])
        assert (1.0, 1.0) == (precision, recall)


def test_a_post_with_only_a_phone_number_never_joins_a_storm() -> None:
    """A post that holds only personal data (a phone number, with or without the desk's
    handle) names nothing concrete: refused by every storm, and it seeds none."""
    storm = _storm(*STORM)
    for text in ("@CommerceSeva 9123456780", "9876543210", "@CommerceSeva 91XXXXXX47"):
        alone = Profile.of(gist(text), master="p", created_at=0.0)
        assert refusal(alone, storm) is not None, text
        assert best_storm(alone, [storm], 0.0) is None, text  # whatever the threshold
    posts = [gist(t, e) for t, e in STORM[:1]] + [gist("@CommerceSeva 9123456780")] * 2
    assert [0, 1, 2] == cluster(posts, Settings().storm_threshold)


def test_a_post_with_no_specific_problem_never_joins_even_naming_the_department() -> None:
    """Praise, an FAQ question and a "working again" post all name DGFT, as the outage storm
    does: none joins it, whatever the threshold, because none states what went wrong."""
    storm = _storm(*STORM)
    for text in (
        "Got my IEC in 2 days from DGFT. Thank you!",
        "What exactly is an IEC and do I need one to sell on Etsy?",
        "DGFT portal is working again, thanks",
        "How do I apply for an IEC on the DGFT portal?",
    ):
        alone = Profile.of(gist(text, ["dept:dgft"]), master="p", created_at=0.0)
        assert refusal(alone, storm) is not None, text
        assert best_storm(alone, [storm], 0.0) is None, text


def test_two_pending_posts_of_one_department_join_only_when_they_wait_for_one_thing() -> None:
    """ "Pending" is vague: FDDI results not out joins a results storm, FDDI fees not
    refunded does not (another kind of thing), though both are FDDI and both wait."""
    results = _storm(
        ("FDDI semester results not declared yet, still waiting", ["dept:fddi"]),
        ("FDDI ka semester result abhi tak nahi aaya", ["dept:fddi"]),
    )
    same = Profile.of(gist("Still no FDDI results, it was due today", ["dept:fddi"]), "a", 0.0)
    other = Profile.of(gist("FDDI fee refund pending for two months", ["dept:fddi"]), "b", 0.0)
    assert refusal(same, results) is None
    assert "pending" in str(refusal(other, results))


def test_posts_in_other_indian_scripts_state_their_problem() -> None:
    """An outage in Tamil, Bengali and Gujarati, results not out in Telugu and Punjabi, and
    money deducted in Urdu are read as such, so they can join the storm they belong to."""
    cases = {
        "DGFT இணையதளம் காலையிலிருந்து வேலை செய்யவில்லை": "outage",
        "DGFT পোর্টাল সকাল থেকে কাজ করছে না": "outage",
        "DGFT પોર્ટલ સવારથી બંધ છે": "outage",
        "FDDI హైదరాబాద్ ఫలితాలు ఇంకా రాలేదు": "pending",
        "FDDI ਦਾ ਨਤੀਜਾ ਅਜੇ ਤੱਕ ਨਹੀਂ ਆਇਆ": "pending",
        "آئی پی انڈیا پر فیس ادا کی، پیسے کٹ گئے": "payment_failed",
    }
    for text, problem in cases.items():
        assert problem in concepts.problems(concepts.fold(text)), text
    # "Shut" inside a longer word is no outage: a friend (Bengali), a person (Gurmukhi), a ban (Urdu).
    for word in ("আমার বন্ধু বলেছে", "ਮੇਰਾ ਬੰਦਾ", "نئی پابندی"):
        assert "outage" not in concepts.problems(concepts.fold(word)), word
    assert "result" in concepts.subjects(concepts.fold("FDDI హైదరాబాద్ ఫలితాలు ఇంకా రాలేదు"))
    tamil = Profile.of(gist(next(iter(cases)), ["dept:dgft"]), master="t", created_at=0.0)
    assert refusal(tamil, _storm(*STORM)) is None


def test_a_promised_time_that_passed_is_waiting_in_four_languages() -> None:
    """ "Results would be out at 10am", "result ki date di aur gayab", "kab aayega" and
    Marathi "निकाल अजून लागला नाही" all state the same problem: still waiting."""
    for text in (
        "FDDI said odd semester results would be out on 21 Nov at 10am",
        "FDDI walon ne result ki date di aur gayab",
        "fddi result kab aayega bhai",
        "FDDI चा निकाल अजून लागला नाही",
    ):
        assert gist(text).headline == "pending", text
