"""FAQ gaps: the escalated questions of the last days, grouped by topic across languages.

Pure logic, no Redis (``bot.web.pages.gaps`` reads the posts and renders the clusters).

This is not storm grouping. A storm is one incident, so its gates demand a shared problem,
a shared department and a close time. A gap is one *topic* many people ask about, at any
time and in any words, so none of those gates apply, and neither does the department (one
topic can reach several). What is kept from the gist (``bot.tickets.gist``) is its
script-blind spelling: every word becomes the consonant skeleton of its transliteration.
Before that, the glossary (``bot.tickets.glossary``) reads Hindi trade terms and common
abbreviations as English words, so "उत्पत्ति प्रमाण पत्र", "CoO" and "certificate of
origin" meet. The features of a post are:

- its skeleton words, less the words every question and complaint has in the three
  languages (``_COMMON``: "how", "kaise", "कृपया", "portal", "small"...), weighted by how
  rare they are among the posts being grouped (inverse document frequency), and only
  those another post shares;
- a little of the words' character 3-grams, for misspellings ("registraton").

Posts are grouped by average-link agglomerative clustering on the cosine of those
vectors: the two closest groups merge while their mean pairwise similarity reaches the
threshold. A group needs at least two words that half its posts share (one shared word is
a coincidence), and it keeps only the posts that use one of its anchor words (a word most
of its posts use; ``_anchored``). What is left is shown if it has ``min_size`` posts from
at least two authors. ``benchmarks/gaps.py`` measures it on five labelled corpora.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.kb.validate import normalise
from bot.nlu.skeleton import skeleton
from bot.pii import mask
from bot.tickets.gist import cosine, grams
from bot.tickets.glossary import in_english

# Words every question and complaint has, in the three languages the desk reads (their
# skeletons are what is dropped, so every spelling of one goes). Topic words stay.
_COMMON = """
a an the is are was were be been am do does did i me my we our you your he she it they
them this that these those there here what which who whom whose how why when where can
could would should will shall may might must need needs want to of in on at for from by
with about into as or and but if not no yes any some all also only just so very too more
much many please pls plz sir madam mam hello hi thanks thank help get got getting know
tell told say said ask asking asked find found anything something nothing clear one two
day days week weeks month since still yet already again now today even like want wants
है हैं था थी थे हो होता होती होते हुआ हुई कर करना करें करे करते करता करती करके किया
की का के को से में पर और या तो भी ही न नहीं ना क्या कैसे कहां कहाँ कब कौन किस किसी
कोई कुछ मैं मुझे मेरा मेरी मेरे हम हमें हमारा आप आपका आपकी यह ये वह वो इस उस इसके
उसके लिए तक बाद पहले अभी जी सर कृपया बताएं बताइए बताओ जानकारी मदद चाहिए चाहता चाहती
hai hain tha thi the ho hota hoti hote hua hui kar karna karein kare karte karta karti
karke kiya ki ka ke ko se me mein mai main pe par aur ya to bhi hi na nahi nahin kya
kaise kese kahan kab kaun kis kisi koi kuch mujhe mera meri mere hum hame humara aap
aapka apka yeh ye woh wo is us iske uske liye tak baad pehle abhi ji bhai yaar bro
bataye batao bataiye jankari madad chahiye chahta chahti raha rahi rahe gaya gayi
bahut bahot mil mila mili milta milega agar wala wale wali hoga hogi sakte sakta sakti
kripya dhanyavad shukriya bilkul sab kab tak kyun kyon abhi tak bas
बहुत मिल मिला मिली मिलता मिलेगा अगर वाला वाले वाली होगा होगी सकते सकता सकती धन्यवाद
सब क्यों बस रहा रही रहे गया गई
lagta lagte lage lagega lagegi kitna kitne kitni din dino saal mahina mahine hafta hafte
dekh dekha dekho dekhna kaam baat log logon wapas phir fir jaldi sahi galat pata samajh
samjh samajhna aata aati jata jaati jaana jana dena dete diya liya lena bola bol bolte
puch pooch poochh pucha sakta hu hun hoon tha thi kiya karo karu karun bhejo bheja
लगता लगते लगेगा कितना कितने कितनी दिन साल महीने हफ्ते देख देखा काम बात लोग वापस फिर
जल्दी सही गलत पता समझ आता जाता देना दिया लिया लेना बोला पूछ पूछा हूं हूँ
sirf bas rakh rakha rakhi rakhe judi jude juda of off apply applied faq faqs
सिर्फ़ सिर्फ रख रखा जुड़ी जुड़े ऑफ
small big large new old first last same other own chhota chota chhoti choti bada badi
naya nayi purana pehla pichla छोटा छोटी बड़ा बड़ी नया नई पुराना पहला पिछला
answers answered different basically anybody everyone nobody someone anyone every
time times year years hour hours minute minutes thing things way ways lot lots
online portal website site link page process information info details official answer
reply response update status check good great nice thanks kindly regarding related
ministry mantralay मंत्रालय
"""
_MIN_TERMS = 2  # a topic is more than one shared word
_ANCHOR_SHARE = 0.6  # an anchor word is in this share of a cluster's posts...
_ANCHOR_MIN = 3  # ...and in at least this many
_GRAM_WEIGHT = 0.25  # a little of the words' 3-grams: misspellings still meet
MIN_WORD = 2  # skeleton letters: "gm" (GeM) counts, "k" (ka, ki, ke) does not


@dataclass(frozen=True)
class GapPost:
    """One escalated or triaged post, as the gaps page groups it."""

    post_id: str
    author: str
    text: str
    lang: str
    depts: tuple[str, ...] = ()  # the departments it was routed to or named


@dataclass(frozen=True)
class Cluster:
    """Posts on one topic."""

    posts: tuple[GapPost, ...]
    terms: tuple[str, ...]  # the skeleton words most shared by its posts (why it is one)

    @property
    def size(self) -> int:
        """How many posts."""
        return len(self.posts)

    @property
    def langs(self) -> Counter[str]:
        """Posts per language."""
        return Counter(p.lang for p in self.posts)

    @property
    def depts(self) -> Counter[str]:
        """Posts per department involved."""
        return Counter(d for p in self.posts for d in p.depts)

    @property
    def authors(self) -> int:
        """Distinct authors (one author repeating a question is one voice)."""
        return len({p.author for p in self.posts})


_STOP = frozenset(w for word in _COMMON.split() for w in skeleton(word))


def _words(text: str) -> list[str]:
    return [w for w in skeleton(in_english(text)) if len(w) >= MIN_WORD and w not in _STOP]


Vector = dict[str, float]


def _vectors(posts: Sequence[GapPost]) -> list[Vector]:
    """Each post's weighted features (``idf`` over these posts)."""
    words = [set(_words(p.text)) for p in posts]
    df = Counter(w for ws in words for w in ws)
    n = len(posts)
    out = []
    for ws in words:
        vec: Vector = {}
        for w in sorted(ws):
            if df[w] > 1:  # a word no other post has cannot join two posts
                vec[f"w:{w}"] = math.log((n + 1) / df[w])
        for w in ws:
            padded = f"<{w}>"
            for i in range(len(padded) - 2):
                gram = f"g:{padded[i : i + 3]}"
                vec[gram] = vec.get(gram, 0.0) + _GRAM_WEIGHT
        out.append(vec)
    return out


def _average_link(sims: dict[tuple[int, int], float], n: int, threshold: float) -> list[list[int]]:
    """Average-link clustering from the pairwise similarities above zero."""
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    near: dict[int, dict[int, float]] = {i: {} for i in range(n)}
    for (i, j), s in sims.items():
        near[i][j] = near[j][i] = s
    heap = [(-s, i, j) for (i, j), s in sims.items() if s >= threshold]
    heapq.heapify(heap)
    while heap:
        neg, i, j = heapq.heappop(heap)
        if i not in members or j not in members or near[i].get(j) != -neg:
            continue  # one side already merged, or the pair's similarity changed since
        size_i, size_j = len(members[i]), len(members[j])
        merged = {
            k: (size_i * near[i].get(k, 0.0) + size_j * near[j].get(k, 0.0)) / (size_i + size_j)
            for k in (near[i].keys() | near[j].keys()) - {i, j}
        }
        members[i] += members.pop(j)
        for k in near.pop(j):
            near[k].pop(j, None)
        near[i] = {k: s for k, s in merged.items() if s > 0}
        for k, s in near[i].items():
            near[k][i] = s
            if s >= threshold:
                heapq.heappush(heap, (-s, min(i, k), max(i, k)))
    return list(members.values())


def _terms(vectors: Sequence[Vector], top: int = 4) -> tuple[str, ...]:
    """The words at least half the posts share, most shared first."""
    shared: Counter[str] = Counter()
    for vec in vectors:
        shared.update(k for k in vec if k.startswith("w:"))
    half = max(2, math.ceil(len(vectors) / 2))
    return tuple(k[2:] for k, n in shared.most_common(top) if n >= half)


def cluster(
    posts: Sequence[GapPost], *, threshold: float, min_size: int, min_authors: int = 2
) -> list[Cluster]:
    """The topics among ``posts`` with at least ``min_size`` posts, largest first."""
    vectors = _vectors(posts)
    sims: dict[tuple[int, int], float] = {}
    for i in range(len(posts)):
        for j in range(i + 1, len(posts)):
            if (s := cosine(vectors[i], vectors[j])) > 0:
                sims[i, j] = s
    kept = []
    for group in _average_link(sims, len(posts), threshold):
        # A topic is more than one shared word: at least two terms, each in half its posts.
        if len(_terms([vectors[i] for i in group])) < _MIN_TERMS:
            continue
        members = _anchored(group, vectors)
        found = Cluster(tuple(posts[i] for i in members), _terms([vectors[i] for i in members]))
        enough = found.size >= min_size and found.authors >= min_authors
        if enough and len(found.terms) >= _MIN_TERMS:  # still a topic once anchored
            kept.append(found)
    return sorted(kept, key=lambda c: (-c.size, c.posts[0].post_id))


def _anchored(group: Sequence[int], vectors: Sequence[Vector]) -> list[int]:
    """The posts of ``group`` that use one of its anchor words, in order.

    An anchor is a word most of the group's posts use (``_ANCHOR_SHARE``, and at least
    ``_ANCHOR_MIN`` posts). Average link can keep a post that is only a little like each
    of the others (one shares "bank", the next "mahila"), or chain three unrelated posts
    through two such words: a post with no anchor word leaves, and a group with no anchor
    is no topic at all.
    """
    share: Counter[str] = Counter()
    for i in group:
        share.update(k for k in vectors[i] if k.startswith("w:"))
    need = max(_ANCHOR_MIN, math.ceil(_ANCHOR_SHARE * len(group)))
    anchors = {k for k, n in share.items() if n >= need}
    return sorted(i for i in group if anchors & vectors[i].keys())


def purity(clusters: Sequence[Cluster], topic: dict[str, str | None]) -> float:
    """The share of clustered posts whose cluster's most common topic is theirs.

    ``topic`` maps a post id to its labelled topic (None: on no gap topic, which is never
    a cluster's right topic).
    """
    total = sum(c.size for c in clusters)
    if not total:
        return 0.0
    right = 0
    for c in clusters:
        labels = Counter(topic.get(p.post_id) for p in c.posts)
        labels.pop(None, None)
        right += max(labels.values(), default=0)
    return right / total


_HANDLES_AND_LINKS = re.compile(r"https?://\S+|[@#][\w\u0900-\u097F]+")
EXAMPLE_LANGS = ("en", "hi", "hinglish")
_NEAR_DUPLICATE = 0.8  # 3-gram cosine above which two posts are one question asked twice


def draft_examples(posts: Iterable[GapPost]) -> dict[str, list[str]]:
    """Training examples for a new FAQ entry from a cluster's posts, by language.

    Personal data is masked (``bot.pii.mask``: a phone, PAN or e-mail becomes a
    placeholder), handles, hashtags and links are dropped (examples carry none), and a
    post repeated nearly word for word (an author asking twice) is kept once.
    """
    out: dict[str, list[str]] = {lang: [] for lang in EXAMPLE_LANGS}
    kept: list[Counter[str]] = []
    for post in posts:
        text = " ".join(_HANDLES_AND_LINKS.sub(" ", mask(post.text)).split())
        if not normalise(text):
            continue
        shape = grams(text)
        if any(cosine(shape, other) >= _NEAR_DUPLICATE for other in kept):
            continue
        kept.append(shape)
        out[post.lang if post.lang in out else "en"].append(text)
    return out
