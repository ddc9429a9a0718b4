"""Complaint cues: an outage report is a grievance; a closed sector is not."""

from __future__ import annotations

from bot.nlu.cues import complaint_cues, ministry_cues


def test_a_portal_that_is_down_is_a_complaint_in_three_languages() -> None:
    """ "Site down", "साइट ... बंद", "website down hai" all carry a cue."""
    assert complaint_cues("is the DGFT website down for everyone?")
    assert complaint_cues("डीजीएफटी की साइट कल से बंद है")
    assert complaint_cues("kya sirf mere liye DGFT website down hai?")
    assert complaint_cues("dgft portal subah se nahi khul raha")


def test_band_alone_is_not_an_outage() -> None:
    """ "Which sectors is FDI closed (band) in?" is a question for the FAQ, not a complaint."""
    assert [] == complaint_cues("kis business me foreign investment bilkul band hai?")
    assert [] == complaint_cues("किस क्षेत्र में विदेशी निवेश बंद है?")


def test_words_to_the_ministry_or_of_trade_are_found_in_three_languages() -> None:
    """ "Your website", "aapka portal", "मंत्रालय", "ignoring my tweets" and "export duty"
    speak to the ministry or of its domain; a repair shop's delay does not."""
    for text in (
        "Your website's contact form throws an error",
        "aapka portal kab chalega",
        "मंत्रालय को तीन बार लिखा, जवाब नहीं",
        "Thanks for ignoring all my tweets",
        "export duty on leather after the FTA?",
    ):
        assert ministry_cues(text), text
    assert not ministry_cues("Laptop given for repair 3 weeks ago, still pending, no reply")
    assert not ministry_cues("बिजली मिस्त्री ने पैसे ले लिए और काम अधूरा छोड़ दिया")


def test_money_lost_and_things_never_issued_are_complaints() -> None:
    """Money debited for nothing, a result not declared, a decision or letter that never
    came, a page that will not load: cues in the three languages; asking how to get a
    receipt is none."""
    for text in (
        "fee debited but no receipt generated",
        "the semester result is not declared yet",
        "No initiation decision, no deficiency letter, nothing",
        "case documents page not loading",
        "payment fail ho gaya par paisa bank se kat gaya",
        "फीस भरी, पैसे कट गए पर रसीद नहीं आई",
    ):
        assert complaint_cues(text), text
    assert [] == complaint_cues("How do I get a receipt for the IEC fee?")


def test_a_factory_about_to_shut_and_a_demand_to_act_are_complaints() -> None:
    """ "factory band hone wali hai, sarkar kuch kare" (the model alone reads the SEZ FAQ
    in it) and its Hindi carry cues; "kuch karein?" alone, a question, does not."""
    assert complaint_cues("SEZ policy se hamari factory band hone wali hai, sarkar kuch kare")
    assert complaint_cues("हमारी फैक्ट्री बंद होने वाली है, सरकार कुछ करे")
    assert [] == complaint_cues("kuch karein?")
