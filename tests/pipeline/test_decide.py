"""The decision rules, as pure logic."""

from __future__ import annotations

from bot.decision import MORE, Action, Signals, Thresholds, decide, faq_id_of

TH = Thresholds(faq=0.6, refer=0.5, abuse=0.7, chitchat=0.7, grievance=0.5)


def _sig(**kw) -> Signals:
    base = {
        "intent": "faq_iec_apply",
        "confidence": 0.9,
        "lang": "en",
        "reply_allowed": True,
        "mentions_account": True,
    }
    return Signals(**{**base, **kw})


def test_confident_faq_is_answered():
    """A confident FAQ intent is answered with that entry."""
    d = decide(_sig(), TH)
    assert (Action.ANSWER_FAQ, "iec-apply") == (d.action, d.faq_id)


def test_unsure_faq_goes_to_triage_in_its_department():
    """Below the FAQ threshold a question with no grievance gets no docket and no promise:
    it waits in triage, guessed to the FAQ's owning department; with a complaint cue it is
    a ticket there."""
    d = decide(_sig(confidence=0.4, faq_department="dgft"), TH)
    assert (Action.TRIAGE, "dgft") == (d.action, d.dept)
    d = decide(_sig(confidence=0.4, faq_department="dgft", complaint=True), TH)
    assert (Action.ESCALATE, "dgft") == (d.action, d.dept)


def test_policy_complaint_is_escalated_not_answered():
    """A complaint naming an FAQ topic is escalated to the named department."""
    d = decide(_sig(intent="escalate", confidence=0.8, depts=("dgft",)), TH)
    assert (Action.ESCALATE, "dgft") == (d.action, d.dept)


def test_hashtag_only_post_is_escalated_for_a_manual_reply():
    """A post that did not summon the account is never answered through the API: a
    grievance is a ticket for a hand reply, anything else waits in triage."""
    hashtag = {"reply_allowed": False, "mentions_account": False}
    d = decide(_sig(**hashtag, complaint=True), TH)
    assert (Action.ESCALATE, True) == (d.action, d.manual_reply)
    d = decide(_sig(**hashtag, intent="escalate", confidence=0.8), TH)
    assert (Action.ESCALATE, True) == (d.action, d.manual_reply)
    chatter = decide(_sig(**hashtag, intent="greet", confidence=0.9), TH)
    assert (Action.TRIAGE, True) == (chatter.action, chatter.manual_reply)


def test_abuse_is_ignored_even_without_a_mention():
    """Abuse gets nothing, whatever else is true."""
    assert (
        Action.IGNORE
        == decide(_sig(intent="abuse", confidence=0.95, reply_allowed=False), TH).action
    )


def test_referral_needs_a_recognised_body():
    """'refer' with a known body refers; without one it goes to triage (no grievance)."""
    assert Action.REFER == decide(_sig(intent="refer", bodies=("mea-passport",)), TH).action
    assert Action.TRIAGE == decide(_sig(intent="refer"), TH).action


def test_docket_in_text_is_a_status_query():
    """A docket id makes the post a status lookup."""
    d = decide(_sig(intent="status_query", dockets=("MOCI-2026-000123",)), TH)
    assert (Action.STATUS, "MOCI-2026-000123") == (d.action, d.extra["docket"])


def test_follow_up_attaches_before_anything_else():
    """A reply in the conversation of an open ticket is a follow-up."""
    assert Action.FOLLOWUP == decide(_sig(has_open_ticket=True), TH).action


def test_nlu_down_too_long_escalates():
    """When the NLU stayed down past the wait limit, a human answers."""
    assert (
        Action.ESCALATE == decide(_sig(nlu_available=False, intent="", confidence=0.0), TH).action
    )


def test_intent_names_map_back_to_kb_ids():
    """faq_<id> intents map back to kebab-case KB ids; others map to None."""
    assert "iec-apply" == faq_id_of("faq_iec_apply")
    assert faq_id_of("escalate") is None


def test_a_post_in_another_script_goes_to_an_officer_whatever_its_intent():
    """A Tamil post is never answered from the FAQs nor silenced as abuse: an officer
    reads it, in the department it names; a follow-up under an open ticket stays one."""
    for intent in ("faq_iec_apply", "abuse", "greet"):
        d = decide(_sig(lang="ta", intent=intent, confidence=0.99, depts=("dgft",)), TH)
        assert (Action.ESCALATE, "dgft") == (d.action, d.dept), intent
        assert "Tamil" in d.reason
    follow = decide(_sig(lang="ta", has_open_ticket=True), TH)
    assert Action.FOLLOWUP == follow.action
    by_hand = decide(_sig(lang="bn", reply_allowed=False, mentions_account=False), TH)
    assert by_hand.manual_reply


def test_a_body_named_in_passing_refers_nothing():
    """A body's name without the refer intent or a grievance (praise of a product that
    mentions a train journey) is no referral; a grievance naming only that body is."""
    passing = decide(_sig(intent="greet", confidence=0.4, bodies=("railways",)), TH)
    assert Action.TRIAGE == passing.action
    complaint = decide(
        _sig(intent="escalate", confidence=0.3, bodies=("railways",), complaint=True), TH
    )
    assert (Action.REFER, "railways") == (complaint.action, complaint.body_id)


def test_a_grievance_is_not_silenced_as_abuse_nor_greeted():
    """Abuse with a complaint cue is a ticket unless it is plain spam; sarcastic thanks
    with a complaint cue ("thanks for ignoring all my tweets") is a ticket, not a greeting."""
    angry = decide(_sig(intent="abuse", confidence=0.9, complaint=True), TH)
    assert Action.ESCALATE == angry.action
    spam = decide(_sig(intent="abuse", confidence=0.9, complaint=True, spam=True), TH)
    assert Action.IGNORE == spam.action
    sarcasm = decide(_sig(intent="greet", confidence=0.9, complaint=True), TH)
    assert Action.ESCALATE == sarcasm.action


def test_chatter_gets_no_docket_and_no_promise():
    """A post with no grievance and no confident answer (praise, a row of emoji, a bare
    handle) goes to triage; the NLU's grievance intent, confident, is a ticket."""
    for intent, confidence in (("greet", 0.5), ("out_of_scope", 0.4), ("escalate", 0.3), ("", 0.0)):
        assert Action.TRIAGE == decide(_sig(intent=intent, confidence=confidence), TH).action
    assert Action.ESCALATE == decide(_sig(intent="escalate", confidence=0.7), TH).action


def test_a_private_companys_matter_is_referred_only_to_a_verified_route():
    """A complaint about a private company (a delivery, a telecom operator) gets no ticket:
    it is referred to the consumer-grievance body when the KB verified it, else triaged."""
    private = {"intent": "escalate", "confidence": 0.8, "complaint": True, "private": True}
    verified = decide(_sig(**private, consumer_route="consumer-affairs-nch"), TH)
    assert (Action.REFER, "consumer-affairs-nch") == (verified.action, verified.body_id)
    unverified = decide(_sig(**private), TH)
    assert Action.TRIAGE == unverified.action
    ours = decide(_sig(**private, depts=("dgft",)), TH)  # a company and our department
    assert Action.ESCALATE == ours.action


def test_a_problem_with_a_named_service_is_a_grievance():
    """ "My IEC shows the wrong address" has no complaint cue, but a problem word about a
    service it names: a ticket. The same word with nothing named stays in triage."""
    named = decide(_sig(intent="faq_iec_modify", confidence=0.3, problem=True), TH)
    assert Action.ESCALATE == named.action
    bare = decide(_sig(intent="greet", confidence=0.3, problem=True), TH)
    assert Action.TRIAGE == bare.action


def test_a_complaint_naming_nothing_of_ours_goes_to_triage_not_a_promise():
    """ "Laptop repair pending 3 weeks, no reply" complains, confidently, of someone else:
    with no department, FAQ topic or word to the ministry it is triaged. The same complaint
    naming a department, or speaking to the ministry ("your website"), is a ticket."""
    complaint = {"intent": "escalate", "confidence": 0.95, "complaint": True}
    stranger = decide(_sig(**complaint, ministry_words=False), TH)
    assert (Action.TRIAGE, "a complaint naming nothing of this ministry (0.95)") == (
        stranger.action,
        stranger.reason,
    )
    assert (
        Action.ESCALATE
        == decide(_sig(**complaint, ministry_words=False, depts=("dgft",)), TH).action
    )
    assert Action.ESCALATE == decide(_sig(**complaint), TH).action  # it speaks to the ministry
    about_faq = decide(
        _sig(intent="faq_iec_apply", confidence=0.4, complaint=True, ministry_words=False), TH
    )
    assert Action.ESCALATE == about_faq.action  # an FAQ topic is ours


def test_praise_is_no_grievance_and_gets_no_faq_answer_unless_it_asks():
    """ "Got my IEC in 2 days, thank you DGFT!" read as the grievance intent opens no
    ticket; read as an FAQ it gets no answer unless it also asks something. Praise with a
    complaint cue ("thanks for ignoring my tweets") stays a grievance."""
    thanks = decide(_sig(intent="escalate", confidence=0.9, praise=True, question=False), TH)
    assert thanks.action is Action.TRIAGE
    faq = decide(_sig(praise=True, question=False), TH)
    assert faq.action is Action.TRIAGE
    asks = decide(_sig(praise=True, question=True), TH)
    assert (Action.ANSWER_FAQ, "iec-apply") == (asks.action, asks.faq_id)
    sarcasm = decide(_sig(intent="greet", confidence=0.9, praise=True, complaint=True), TH)
    assert sarcasm.action is Action.ESCALATE


def test_a_marathi_post_goes_to_an_officer():
    """Marathi is not a language the desk answers in: an officer reads it, whatever the
    NLU (trained on Hindi) made of it."""
    d = decide(_sig(lang="mr", intent="faq_fddi_what_is", confidence=0.9), TH)
    assert d.action is Action.ESCALATE
    assert "Marathi" in d.reason


def test_a_policy_question_is_a_ticket_not_an_faq_answer():
    """ "Is there any plan to let applicants pay in instalments?" names an FAQ topic, but
    the KB answers what is, not what may be: a ticket, at any intent."""
    d = decide(_sig(policy=True), TH)
    assert d.action is Action.ESCALATE
    d = decide(_sig(intent="out_of_scope", confidence=0.9, policy=True), TH)
    assert d.action is Action.ESCALATE


def test_a_follow_up_or_docket_is_not_silenced_as_abuse_but_insults_are():
    """The abuse intent on "Still bouncing. Any update?" under an open ticket is a
    follow-up; explicit insults silence a post even with a complaint cue and even below
    the abuse threshold."""
    d = decide(_sig(intent="abuse", confidence=0.9, has_open_ticket=True), TH)
    assert d.action is Action.FOLLOWUP
    d = decide(_sig(intent="abuse", confidence=0.6, complaint=True, spam=True), TH)
    assert d.action is Action.IGNORE
    d = decide(_sig(intent="abuse", confidence=0.6, complaint=True), TH)
    assert d.action is Action.ESCALATE


def test_two_questions_get_the_confident_answer_and_the_rest_waits_in_triage():
    """A post asking two things gets the FAQ answer it is confident of, marked for triage
    (an officer answers the rest); one question is answered alone."""
    d = decide(_sig(questions=2, faq_department="dgft"), TH)
    assert (d.action, d.faq_id, d.extra.get(MORE), d.dept) == (
        Action.ANSWER_FAQ, "iec-apply", "1", "dgft",
    )  # fmt: skip
    assert decide(_sig(questions=1), TH).extra == {}
