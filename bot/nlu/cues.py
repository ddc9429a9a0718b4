"""Complaint cues: words that turn a question about an FAQ topic into a grievance.

A portal that is down is a grievance too ("is the DGFT site down for everyone?" wants an
officer, not the helpdesk FAQ); "band" alone is not ("kis sector me FDI band hai?" asks
which sectors are closed), so only a site or portal that is "band" counts.

"How do I modify my IEC?" wants the how-to answer; "my IEC modification has been pending
for weeks" wants an officer, though both are about the same topic and the classifier
sees mostly the same words. A citizen who complains and gets a how-to answer has been
failed twice, so the pipeline escalates an FAQ intent when the post carries one of these
cues (``bot.decision``). The list is small, tested, and in all three languages;
``seva nlu eval`` measures its effect on escalation recall and on FAQ precision.
"""

from __future__ import annotations

import re
from typing import TypedDict

_EN = r"""
pending|stuck|delay(?:ed|s)?|not\s+(?:yet\s+)?(?:received|issued|credited|released|refunded|responding|replied|resolved|approved|working
|declared|published|announced|generated|processed|opening|loading|connecting)
|(?:doesn'?t|does\s+not|didn'?t|did\s+not|won'?t|isn'?t)\s+(?:respond|reply|answer|work|open|load)\w*
|no\s+(?:reply|response|one\s+(?:answers|replies|responds)|action)|no\s+(?:\w+\s+)?(?:decision|receipt|letter|acknowledge?ment|communication)|nobody|ignored?|ignoring|rejected|refused|cancell?ed\s+without
|unfair|injustice|harass\w*|bribe\w*|corrupt\w*|extortion|rude|useless\s+officials?|complain\w*|grievance|escalate
|refund|charged\s+twice|paid\s+twice|lost\s+my|still\s+waiting|waiting\s+since|for\s+(?:\d+|two|three|four|five|six|several)\s+(?:days|weeks|months|years)
|since\s+(?:january|february|march|april|may|june|july|august|september|october|november|december|last)
|why\s+(?:is|does|did|has)\s+the\s+government|withdraw|roll\s*back|demand|unacceptable|disappointed|hurting|killing|destroy\w*
|vanished|disappeared|still\s+no|already\s+(?:submitted|paid|applied)|keep\s+asking
|(?:applied|filed|submitted|paid|sent|wrote|emailed|complained|registered)\s+(?:\w+\s+){0,4}?(?:a|one|two|\d+)\s+(?:weeks?|months?|years?)\s+ago
|(?:file|documents?|application|papers)\s+(?:was\s+|were\s+|got\s+|has\s+been\s+)?lost|blank\s+(?:page|table|screen)
|terrible|worst|pathetic|cheated|fraud\s+by
|never\s+(?:been\s+)?(?:issued|received|came|credited|generated|delivered|arrived|processed)
|(?:debited|deducted)\s+(?:twice|but)|(?:money|amount|fee|payment)\s+(?:was\s+|got\s+)?(?:debited|deducted)
|(?:portal|site|website|server)\s+(?:is\s+)?(?:down|crashed|not\s+(?:opening|loading))|(?:down|crashed)\s+(?:since|again|for)
"""
_HI = r"""
लंबित|अटक\w*|लटका|देरी|विलंब|जवाब\s*नहीं|उत्तर\s*नहीं|कोई\s*कार्रवाई\s*नहीं|खारिज|अस्वीकार|ठुकरा\w*|अन्याय|अनुचित|रिश्वत|भ्रष्टाचार
|वसूली|परेशान|शिकायत|रिफंड|वापस\s*नहीं|दो\s*बार(?![\u0900-\u097F])|इंतजार|इंतज़ार|नहीं\s*मिल\w*|नहीं\s*आ\w*|बंद\s*कर\s*दिया|तबाह|बर्बाद|नुकसान|क्यों\s*नहीं
|खराब|बदतर|सुनता\s*नहीं|सुनवाई\s*नहीं|धोखा|पहले\s*ही\s*(?:दे|जमा)
|नहीं\s*खुल|नहीं\s*चल\s*रह|चल\s*नहीं\s*रह|गुम\s*हो|बंद\s*होने\s*वाल\w*|कुछ\s*कर[ेो](?![\u0900-\u097F])|(?:कहा|बोला)\s*था|खो\s*ग[ईया]|डाउन\s*है|पैस[ाे]\s*कट|\d+\s*(?:दिन|हफ्ते|हफ़्ते|महीने|साल)\s*(?:से|हो\s*गए)|कट\s*ग[एई]|अब\s*तक\s*(?:[\u0900-\u097F]+\s*){0,3}नहीं|(?:साइट|पोर्टल|वेबसाइट|सर्वर)\s*(?:[\u0900-\u097F]+\s*){0,2}बंद
"""
_HINGLISH = r"""
pending|atka|atki|atke|latka|deri|jawab\s+nahi|reply\s+nahi|koi\s+action\s+nahi|reject|anyay|galat|rishwat|corruption|vasooli
|pareshan|shikayat|complaint|refund|wapas\s+nahi|do\s+baar|intezaar|intezar|nahi\s+mil\w*|nahi\s+aay\w*|band\s+kar\s+di\w*
|barbaad|tabah|nuksaan|nuksan|kyu\s+nahi|mazaak|bekaar|jhanjhat|kharab|sunta\s+nahi|dhokha|pehle\s+hi\s+de
|down\s+hai|(?:site|portal|website|server)\s+(?:\w+\s+){0,2}band|khul\s+nahi|nahi\s+khul\w*|chal\s+nahi\s+raha
|paisa\s+kat|kat\s+gay[ai]?|baar\s+kata|ab\s+tak\s+(?:\w+\s+){0,3}nahi
|\d+\s+(?:din|dino|hafte|hafton|mahine|mahino|saal)\s+(?:se|ho\s+gaye)|gum\s+ho\s+gay\w*|kho\s+gay\w*
|(?:bola|kaha)\s+tha|band\s+ho(?:ne)?\s+wal\w*|kuch\s+kar[eo]\b
"""
# Hindi cues must start a word: "लंबित" (pending) is inside "निलंबित" (suspended).
_NOT_AFTER_DEVANAGARI = r"(?<![\u0900-\u097F])"
_CUES = re.compile(
    "|".join(
        (
            rf"\b(?:{''.join(_EN.split())})",  # a word's start: "spending" is not "pending"
            f"{_NOT_AFTER_DEVANAGARI}(?:{''.join(_HI.split())})",
            rf"\b(?:{''.join(_HINGLISH.split())})",  # "tatkal" is not "atka"
        )
    ),
    re.IGNORECASE,
)


def _found(pattern: re.Pattern[str], text: str) -> list[str]:
    """Every match of one of the cue patterns below, as written in ``text``."""
    return [m.group(0) for m in pattern.finditer(text)]


def complaint_cues(text: str) -> list[str]:
    """Return the complaint cues found in ``text`` (empty for a plain question)."""
    return _found(_CUES, text)


# Explicit spam and abuse: what silences a post even when it also complains
# (``bot.decision``): spam, or insults aimed at people ("clowns", "चोर").
_SPAM = re.compile(
    r"crypto|giveaway|\bfree\s+(?:followers|money|recharge|usdt|bitcoin)|click\s+(?:the|this|my)\s+link"
    r"|earn\s+(?:rs\.?\s*)?\d+|whatsapp\s+me|dm\s+for\s+(?:promo|paid)|follow\s+back|\bbetting\b"
    r"|\b(?:clowns?|idiots?|morons?|jokers|thieves|chor|chors|gadhe|kamine|nalayak)\b|🤡"
    r"|(?<![\u0900-\u097F])(?:चोर|गधे|कमीने|नालायक|जोकर)(?![\u0900-\u097F])",
    re.IGNORECASE,
)


def spam_cues(text: str) -> list[str]:
    """Return the explicit spam and abuse markers found in ``text``."""
    return _found(_SPAM, text)


# A follow-up that asks where its ticket stands (``bot.pipeline.effects``: a status reply).
_STATUS = re.compile(
    r"any\s+(?:update|news|progress)|\bstatus\b|\bupdate\s*\?|what\s+happened|how\s+long|when\s+will"
    r"|still\s+waiting|kab\s+tak|koi\s+update|kya\s+hua|(?<![\u0900-\u097F])(?:कोई\s*अपडेट|स्थिति|कब\s*तक|क्या\s*हुआ)",
    re.IGNORECASE,
)


def status_cues(text: str) -> list[str]:
    """Return the words of ``text`` that ask for a ticket's status ("any update?")."""
    return _found(_STATUS, text)


# A private company's product or service: not the ministry's to settle (``bot.decision``
# refers it to the consumer-grievance route when the KB holds that verified, else triage).
_PRIVATE = re.compile(
    r"\b(?:amazon|flipkart|myntra|meesho|snapdeal|ajio|nykaa|swiggy|zomato|blinkit|zepto|bigbasket"
    r"|ola|uber|rapido|airtel|jio|vodafone|paytm|phonepe|google\s*pay|hdfc|icici|kotak|axis\s+bank"
    r"|indusind|bajaj\s+finance|samsung|oneplus|xiaomi|redmi|realme|vivo|oppo|lenovo|hp|dell)\b"
    r"|customer\s+(?:care|service|support)|my\s+order|the\s+seller|courier|warranty|defective"
    r"|delivery\s+(?:boy|partner|agent)|not\s+delivered|wrong\s+(?:item|product)"
    r"|\b(?:my|the|our)\s+bank\b|bank\s+branch|branch\s+manager",
    re.IGNORECASE,
)


def private_cues(text: str) -> list[str]:
    """Return the words of ``text`` that name a private company's product or service."""
    return _found(_PRIVATE, text)


# Words that make a complaint this ministry's even when it names no department or service:
# it speaks to the desk or the ministry ("your website", "aapka", "मंत्रालय", "ignoring my
# tweets"), or about trade (export, tariff, FTA, FDI). A complaint with none of these and
# no department, body or FAQ topic is most likely about someone else (a repair shop, a
# bank, a courier): it goes to triage rather than to a ticket and a public promise.
_MINISTRY = re.compile(
    r"\b(?:you|your|yours|aap|aapka|aapki|aapke|apka|apki|apke|ministry|ministry's|minister"
    r"|govt|government|sarkar|sarkari|officers?|official|department|ignor\w*|export\w*|import\w*"
    r"|trade|tariffs?|duty|duties|fta|fdi|policy|policies|portal)\b"
    r"|(?<![\u0900-\u097F])(?:आप|मंत्रालय|मंत्री|सरकार|अधिकारी|अफसर|विभाग|निर्यात|आयात|व्यापार|नीति|पोर्टल)",
    re.IGNORECASE,
)


def ministry_cues(text: str) -> list[str]:
    """Return the words of ``text`` that address the ministry or name its domain."""
    return _found(_MINISTRY, text)


# A plain problem word: a grievance only about a service the post names (``bot.decision``),
# since "wrong" alone is also chatter ("you guys are never wrong").
_PROBLEM = re.compile(
    r"\b(?:wrong|incorrect|error|mistake|problem|issue|failed|failing|unable|can'?t|cannot"
    r"|galat|dikkat|samasya|pareshani)\b|(?<![\u0900-\u097F])(?:गलत|ग़लत|त्रुटि|समस्या|दिक्कत|परेशानी)",
    re.IGNORECASE,
)


def problem_cues(text: str) -> list[str]:
    """Return the plain problem words of ``text``."""
    return _found(_PROBLEM, text)


# Praise or thanks ("Got my IEC in 2 days, thank you DGFT!"): not a grievance, whatever the
# intent, unless it also complains or turns ("great fair, but the refund never came").
_PRAISE = re.compile(
    r"\b(?:thank\s*(?:s|you|u)|thx|appreciate\w*|kudos|well\s+done|good\s+job|great\s+(?:job|work|initiative|session|speech)"
    r"|impressed|proud|brilliant|excellent|stunning|world[\s-]class|hats\s+off|shukriya|dhanyavaa?d"
    r"|badhiya|zabardast|shaandaar|shandaar)\b"
    r"|(?<![\u0900-\u097F])(?:धन्यवाद|शुक्रिया|आभार|बधाई|शानदार|बढ़िया|गर्व)",
    re.IGNORECASE,
)
_CONTRAST = re.compile(
    r"\b(?:but|however|yet|though|except|lekin|magar|par|bas)\b|only\s+(?:problem|issue|complaint)|"
    r"(?<![\u0900-\u097F])(?:लेकिन|मगर|पर|परंतु|बस)(?![\u0900-\u097F])",
    re.IGNORECASE,
)


def praise_cues(text: str) -> list[str]:
    """Return the praise or thanks of ``text``, if it does not turn with a "but"."""
    return [] if _CONTRAST.search(text) else _found(_PRAISE, text)


# A question: a question mark or a question word (an FAQ answer is for a post that asks).
_QUESTION = re.compile(
    r"[?\uFF1F]|\b(?:how|what|when|where|which|who|why|whom|can\s+i|kya|kaise|kese|kab|kahan|kaha|kaun|kitna|kitni|kyu|kyun)\b"
    r"|(?<![\u0900-\u097F])(?:क्या|कैसे|कब|कहाँ|कहां|कौन|कितना|कितनी|क्यों)(?![\u0900-\u097F])",
    re.IGNORECASE,
)


def question_cues(text: str) -> list[str]:
    """Return what makes ``text`` a question."""
    return _found(_QUESTION, text)


_ASKED = re.compile(r"[^?\uFF1F]*[?\uFF1F]+")
_ASKED_MIN_WORDS = 2  # "??" after one word ("IEC??") is one question, not two


def question_count(text: str) -> int:
    """How many questions ``text`` asks.

    Its question marks (one per run: "??" is one), or its distinct question words ("what
    is the fee, and where do I check..."), whichever is more.
    """
    marks = sum(1 for m in _ASKED.findall(text) if len(m.split()) >= _ASKED_MIN_WORDS)
    words = {w.lower() for w in _found(_QUESTION, text) if w not in "?\uff1f"}
    return max(marks, len(words))


# A question about policy: a plan, a proposal, a change of a rule. No FAQ entry answers it
# (the KB holds what is, not what may be): an officer does, with a ticket.
_POLICY = re.compile(
    r"\bany\s+(?:plan|plans|proposal|move)\s+to\b|is\s+there\s+(?:a|any)\s+(?:plan|proposal)"
    r"|\b(?:will|would)\s+the\s+(?:government|ministry|govt)\b"
    r"|\bwill\s+(?:the\s+)?\w+\s+(?:open|start|launch|set\s+up|introduce|extend|reduce|increase|relax|scrap)\b|going\s+to\s+be\s+(?:relaxed|changed|extended|reduced|increased|scrapped)"
    r"|(?:consider|considering)\s+(?:a\s+)?(?:change|relaxing|extending|reducing|increasing)"
    r"|koi\s+(?:plan|proposal|prastav)|(?:vichar|vichaar)\s+(?:ho|kar)|sarkar\s+(?:kab|kya)\s+\w+\s+(?:karegi|degi)"
    r"|(?<![\u0900-\u097F])(?:प्रस्ताव|विचार\s*(?:हो|कर)|योजना\s*बना)",
    re.IGNORECASE,
)


def policy_cues(text: str) -> list[str]:
    """Return the words of ``text`` that ask about a plan, proposal or change of policy."""
    return _found(_POLICY, text)


class TextCues(TypedDict):
    """The decision's signals read from a post's text alone (``bot.decision.Signals``)."""

    spam: bool
    problem: bool
    praise: bool
    policy: bool
    question: bool
    questions: int


def text_cues(text: str) -> TextCues:
    """Every cue of ``text`` the decision reads, for the daemon and the NLU evaluation alike."""
    return TextCues(
        spam=bool(spam_cues(text)),
        problem=bool(problem_cues(text)),
        praise=bool(praise_cues(text)),
        policy=bool(policy_cues(text)),
        question=bool(question_cues(text)),
        questions=question_count(text),
    )
