"""FAQ-gap clustering's pure parts: what groups, what a draft keeps, how purity counts."""

from __future__ import annotations

from bot.tickets.gaps import Cluster, GapPost, cluster, draft_examples, purity
from bot.tickets.glossary import in_english


def _post(i: int, text: str, lang: str = "en", author: str = "") -> GapPost:
    return GapPost(str(i), author or f"u{i}", text, lang)


def test_the_same_question_in_three_languages_groups_and_chatter_does_not() -> None:
    """Hindi terms read as English (the glossary), so the three languages meet; posts on
    unrelated matters, which share only everyday words, stay out."""
    posts = [
        _post(1, "How do I get a certificate of origin for my export shipment?"),
        _post(2, "उत्पत्ति प्रमाण पत्र निर्यात शिपमेंट के लिए कैसे मिलेगा?", "hi"),
        _post(3, "export shipment ke liye certificate of origin kaise milega?", "hinglish"),
        _post(4, "certificate of origin for export shipment to Dubai, where to apply?"),
        _post(5, "My train was late again, so sad"),
        _post(6, "Great seminar today, thank you ministry"),
        _post(7, "Courier lost my parcel, no refund yet"),
    ]
    [found] = cluster(posts, threshold=0.11, min_size=3)
    assert {p.post_id for p in found.posts} == {"1", "2", "3", "4"}
    assert set(found.langs) == {"en", "hi", "hinglish"}


def test_one_author_repeating_is_not_a_topic() -> None:
    """Three copies of one author's question are one voice: no cluster."""
    posts = [
        _post(i, "GeM seller registration stuck, caution money?", author="same") for i in range(3)
    ]
    assert cluster(posts, threshold=0.11, min_size=3) == []


def test_a_draft_masks_personal_data_drops_handles_and_keeps_a_repeat_once() -> None:
    """The examples carry no phone, PAN, e-mail, handle or link, and a near-identical
    repeat is kept once; each example goes to its post's language."""
    posts = [
        _post(1, "@CommerceSeva GeM seller registration kaise karein? call 9847362150", "hinglish"),
        _post(
            2, "@CommerceSeva GeM seller registration kaise karein?? call 9847362150!", "hinglish"
        ),
        _post(3, "GeM पर पंजीकरण, मेरा PAN AKRPM4821L है https://x.co/a", "hi"),
        _post(4, "How to register on GeM? mail me at a.b@example.com #help"),
    ]
    examples = draft_examples(posts)
    text = " ".join(e for v in examples.values() for e in v)
    for private in (
        "9847362150",
        "AKRPM4821L",
        "a.b@example.com",
        "@CommerceSeva",
        "https://",
        "#help",
    ):
        assert private not in text
    assert [len(examples[x]) for x in ("en", "hi", "hinglish")] == [1, 1, 1]


def test_purity_counts_unrelated_posts_in_a_cluster_as_wrong() -> None:
    """Two clusters: 3 of 4 on topic a, and 2 on topic b with 1 unrelated: 5 of 7."""
    a = Cluster(tuple(_post(i, "") for i in range(4)), ())
    b = Cluster(tuple(_post(i, "") for i in range(4, 7)), ())
    topic: dict[str, str | None] = {
        "0": "a",
        "1": "a",
        "2": "a",
        "3": "b",
        "4": "b",
        "5": "b",
        "6": None,
    }
    assert purity([a, b], topic) == 5 / 7


def test_the_glossary_reads_whole_words_only() -> None:
    """ "शुल्क" inside a longer word is left alone; "सीमा शुल्क" is customs, not fee."""
    assert in_english("सीमा शुल्क कितना है") == "customs कितना है"
    assert "fee" in in_english("शुल्क कितना")
    assert in_english("CoO chahiye") == "certificate origin chahiye"


def test_acronyms_spelt_out_in_devanagari_are_read_as_their_letters() -> None:
    """ "डीजीएफटी" is DGFT and "ई.पी.सी.जी." EPCG (so the glossary expands it); one letter
    name alone, "जी" (also the honorific), and a word that is no letter names stay."""
    assert in_english("डीजीएफटी पोर्टल") == "dgft portal"
    assert in_english("ई.पी.सी.जी. योजना") == "export promotion capital goods. scheme"
    assert in_english("एसईज़ेड") == "special economic zone"
    assert in_english("जी हाँ, एक बात") == "जी हाँ, एक बात"


def test_posts_chained_by_two_everyday_words_are_no_topic() -> None:
    """Average link can chain posts that each share one word with the next ("mahila" with
    one, "msme" with another): no word is in most of them, so no cluster is shown; a
    topic's posts all use its anchor words and stay."""
    chained = [
        _post(1, "mahila udyami ko MSME rebate milta hai?", "hinglish"),
        _post(2, "mahila samiti ki bijli kab aayegi", "hinglish"),
        _post(3, "MSME rebate scheme ka form kahan hai", "hinglish"),
    ]
    assert cluster(chained, threshold=0.05, min_size=3) == []
    topic = [
        _post(10, "GI tag registration fee for handloom sarees?"),
        _post(11, "geographical indication tag ka registration kaise hota hai", "hinglish"),
        _post(12, "भौगोलिक संकेत टैग पंजीकरण के लिए दस्तावेज़?", "hi"),
        _post(13, "GI tag registration for our district's mangoes, who can file?"),
    ]
    [found] = cluster(chained + topic, threshold=0.05, min_size=3)
    assert {p.post_id for p in found.posts} == {"10", "11", "12", "13"}
