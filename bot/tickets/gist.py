"""The gist of a post, and whether a post belongs to a storm: pure logic, no Redis.

A *gist* is what storm grouping compares: the post's concepts (``bot.tickets.concepts``),
the departments and bodies the entity matchers found, and character 3-grams of a
script-blind spelling of its words. The spelling is the consonant skeleton of the
ASCII transliteration (anyascii): "पोर्टल" becomes "portl", then "prtl", which is also the
skeleton of "portal"; "नहीं खुल रहा" and "nahi khul raha" come out nearly the same. So
Hindi and Hinglish posts share grams, and concepts carry the rest across languages.

A *storm* is summarised by a profile: how often each concept occurs among its posts, and
the grams of a few of them. A post joins a storm only if it passes every gate, then
scores high enough:
- it states a specific problem, its headline (``concepts.HEADLINE_ORDER``: "down"
  outranks "pending"), and that is the storm's; so praise, a question, a post in words
  the desk cannot read and a "working again" post never join an outage storm, and no
  storm forms around them (one officer answer reaches every member: a post the desk
  cannot place goes to its own ticket rather than into someone else's case);
- a vague problem ("pending", "unanswered") also needs the storm's kind of thing (its
  generic subjects: a result, a payment, a certificate): two "pending" posts about one
  department are one incident only if they wait for the same thing;
- it names no other ministry's body (ICEGATE, EPFO...) that the storm does not name;
- it shares a *concrete subject* with the storm: a department or body that most of the
  storm's posts name (the knowledge base's names and aliases, found by the entity
  matchers, so "IEC", "RoDTEP" or "DGFT portal" name DGFT, and "Passport Seva" its
  ministry). The concepts' subjects ("site", "app", "money") and problems ("pending",
  "no reply") are generic and never suffice: a post that names nothing concrete (generic
  words only, or only a phone number) never joins a storm, and none joins it;
- 0.6 * cosine of its concepts with the profile's + 0.4 * its best gram cosine with a
  post of the storm reaches the threshold.
The gates make near-misses (same words, another issue) fail for a reason one can read.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.nlu.skeleton import skeleton
from bot.tickets import concepts

MAX_SAMPLES = 12  # posts whose grams a profile keeps (the master and the latest joiners)
_CONCEPT_WEIGHT = 0.6


def grams(text: str) -> Counter[str]:
    """Character 3-grams of each skeleton word, padded so short words count too."""
    out: Counter[str] = Counter()
    for word in skeleton(text):
        padded = f"<{word}>"
        out.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return out


@dataclass(frozen=True)
class Gist:
    """What storm grouping knows about one post."""

    subjects: frozenset[str]
    problems: frozenset[str]
    entities: frozenset[str]  # "dept:dgft", "body:cbic-icegate"
    grams: Counter[str] = field(compare=False)

    @property
    def specific_problems(self) -> frozenset[str]:
        """The problems that say what is wrong (not the vague "there is an issue")."""
        return self.problems - {"generic"}

    @property
    def headline(self) -> str | None:
        """The problem the post is mainly about (``concepts.HEADLINE_ORDER``)."""
        return next((p for p in concepts.HEADLINE_ORDER if p in self.problems), None)

    def features(self) -> Counter[str]:
        """The concept features the profile counts, weighted.

        What is wrong, and with whose service, define an issue; the subject words only
        tell it apart from others, so they weigh half as much.
        """
        out: Counter[str] = Counter({f"s:{s}": 1 for s in self.subjects})
        out.update({f"p:{p}": 2 for p in self.specific_problems})
        out.update({f"e:{e}": 2 for e in self.entities})
        return out


def entity_ids(depts: Iterable[str], bodies: Iterable[str]) -> list[str]:
    """The ``dept:``/``body:`` ids a gist compares, from the entity matchers' findings."""
    return [f"dept:{d}" for d in depts] + [f"body:{b}" for b in bodies]


def gist(text: str, entities: Iterable[str] = ()) -> Gist:
    """The gist of ``text``; ``entities`` are the matchers' ``dept:``/``body:`` ids."""
    folded = concepts.fold(text)
    return Gist(
        subjects=concepts.subjects(folded),
        problems=concepts.problems(folded),
        entities=frozenset(entities),
        grams=grams(text),
    )


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine similarity of two count vectors (0 when either is empty)."""
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) < len(b) else (b, a)
    dot = sum(n * large[k] for k, n in small.items() if k in large)
    norm = math.sqrt(sum(n * n for n in a.values()) * sum(n * n for n in b.values()))
    return dot / norm if norm else 0.0


@dataclass
class Profile:
    """A storm, summarised: concept counts over its posts and a few posts' grams."""

    master: str
    created_at: float
    size: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    samples: list[Counter[str]] = field(default_factory=list)
    headlines: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, g: Gist, master: str, created_at: float) -> Profile:
        """A storm of one post (every post starts as one)."""
        return cls(
            master=master,
            created_at=created_at,
            size=1,
            counts=g.features(),
            samples=[g.grams],
            headlines=Counter([g.headline] if g.headline else []),
        )

    def absorb(self, other: Profile) -> None:
        """Count another storm's posts (one post, or a whole storm) as this storm's."""
        self.size += other.size
        self.counts.update(other.counts)
        self.headlines.update(other.headlines)
        # Keep the master's own post and the latest joiners.
        self.samples = [*self.samples[:1], *self.samples[1:], *other.samples]
        if len(self.samples) > MAX_SAMPLES:
            self.samples = [self.samples[0], *self.samples[-(MAX_SAMPLES - 1) :]]

    @property
    def main_problem(self) -> str | None:
        """The headline problem of most of the storm's posts."""
        return max(self.headlines, key=lambda k: (self.headlines[k], k), default=None)

    def entities(self) -> set[str]:
        """Departments and bodies that most posts naming any name."""
        return self._most("e:")

    def subjects(self) -> set[str]:
        """The generic subjects ("portal", "result") that most posts naming any name."""
        return self._most("s:")

    def _most(self, kind: str) -> set[str]:
        named = {k[2:]: n for k, n in self.counts.items() if k.startswith(kind)}
        if not named:
            return set()
        top = max(named.values())
        return {e for e, n in named.items() if n * 2 >= top}

    def to_json(self) -> dict[str, Any]:
        """For Redis."""
        return {
            "master": self.master,
            "created_at": self.created_at,
            "size": self.size,
            "counts": dict(self.counts),
            "samples": [dict(s) for s in self.samples],
            "headlines": dict(self.headlines),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Profile:
        """From Redis."""
        return cls(
            master=data["master"],
            created_at=float(data["created_at"]),
            size=int(data["size"]),
            counts=Counter(data["counts"]),
            samples=[Counter(s) for s in data["samples"]],
            headlines=Counter(data.get("headlines") or {}),
        )


# Headlines that are one incident told two ways: a payment that failed and took the money,
# and one taken twice, are both "the payment step took my money" (one gateway fault).
_SAME_KIND = {"double_charge": "money_taken", "payment_failed": "money_taken"}


def _kind(problem: str) -> str:
    return _SAME_KIND.get(problem, problem)


def conflict(small: Profile, big: Profile) -> str | None:
    """Why ``small`` and ``big`` are different issues (None if nothing says so).

    Another headline problem, another ministry's body, or other departments. Two posts
    that name nothing concrete have no conflict: they are not known to be one issue either.
    """
    main, mine = big.main_problem, small.main_problem
    if main is not None and mine is not None and _kind(mine) != _kind(main):
        return f"is about {mine}, not {main}"
    ours, theirs = small.entities(), big.entities()
    other_bodies = {e for e in ours if e.startswith("body:")} - theirs
    if other_bodies:
        return f"names {', '.join(sorted(other_bodies))}, which the storm does not"
    if ours and theirs and not (ours & theirs):
        return f"names {', '.join(sorted(ours))}, not {', '.join(sorted(theirs))}"
    return None


# Problems that say something waits, not what broke: two posts about one department that
# are both "pending" are one incident only if they wait for the same kind of thing.
VAGUE_PROBLEMS = frozenset({"pending", "unanswered"})
# Headlines that are no complaint: a "working again" post or a how-to question is no case.
NOT_COMPLAINTS = frozenset({"resolved", "howto"})


def concrete(profile: Profile) -> bool:
    """Whether a post (or a storm) may be in a storm: a concrete subject and a headline.

    The subject is a department or body; the headline, a specific problem.
    """
    return _unplaced(profile, "") is None


def refusal(small: Profile, big: Profile) -> str | None:
    """Why ``small`` (a post, or a storm) cannot join ``big`` (None if it may).

    A conflict (``conflict``), or no concrete subject or no specific problem in either;
    past ``conflict``, two profiles that both name one share it.
    """
    why = conflict(small, big)
    if why is None:
        why = _unplaced(small, "") or _unplaced(big, "the storm ")
    if why is None and small.main_problem in VAGUE_PROBLEMS:
        ours, theirs = small.subjects(), big.subjects()
        if not ours & theirs:
            why = f"is {small.main_problem} about {_listed(ours)}, not {_listed(theirs)}"
    return why


def _unplaced(profile: Profile, who: str) -> str | None:
    """Why a profile can be in no storm at all (None if it can)."""
    if not profile.entities():
        return f"{who}names no department, body or named service (generic words only)"
    if profile.main_problem is None or profile.main_problem in NOT_COMPLAINTS:
        return f"{who}states no specific problem (praise, a question, words the desk cannot read)"
    return None


def _listed(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) or "nothing named"


def score(small: Profile, big: Profile) -> float:
    """How well ``small`` fits ``big`` (0 to 1), ignoring the gates."""
    concept = cosine(small.counts, big.counts)
    text = max((cosine(a, b) for a in small.samples for b in big.samples), default=0.0)
    return _CONCEPT_WEIGHT * concept + (1 - _CONCEPT_WEIGHT) * text


def best_storm(small: Profile, storms: Iterable[Profile], threshold: float) -> Profile | None:
    """The storm ``small`` fits best: past every gate, and at or above the threshold."""
    if not concrete(small):
        return None  # the gate every storm would refuse it at
    best, best_score = None, threshold
    for storm in storms:
        if storm is small or refusal(small, storm) is not None:
            continue
        s = score(small, storm)
        if s >= best_score:
            best, best_score = storm, s
    return best


def merges(storms: list[Profile], threshold: float) -> list[tuple[str, str]]:
    """Which storms fold into a larger one: (smaller master, larger master) pairs, in order.

    Posts are placed in arrival order, so one issue can start two storms before either
    has a stable profile (two early posts worded differently). Once both have grown,
    the smaller one is compared with the larger ones as a whole, through the same gates.
    The profiles are updated as if the merges were done.
    """
    done: list[tuple[str, str]] = []
    alive = sorted(storms, key=lambda p: (p.size, -p.created_at))
    changed = True
    while changed:
        changed = False
        for small in alive:
            bigger = [p for p in alive if p is not small and p.size >= small.size]
            target = best_storm(small, bigger, threshold)
            if target is not None:
                target.absorb(small)
                alive.remove(small)
                done.append((small.master, target.master))
                changed = True
                break
    return done


def cluster(gists: list[Gist], threshold: float) -> list[int]:
    """Group posts in arrival order, then fold storms; return each post's master index.

    This is what one storm sweep does in Redis, without Redis, so tests and the
    benchmark measure the grouping itself.
    """
    storms: list[Profile] = []
    labels = []
    for i, g in enumerate(gists):
        alone = Profile.of(g, master=str(i), created_at=float(i))
        storm = best_storm(alone, storms, threshold)
        if storm is None:
            if concrete(alone):  # a post that names nothing concrete seeds no storm
                storms.append(alone)
            labels.append(i)
        else:
            storm.absorb(alone)
            labels.append(int(storm.master))
    moved = dict(merges(storms, threshold))
    return [_final(label, moved) for label in labels]


def _final(label: int, moved: dict[str, str]) -> int:
    """Where a post's first storm ended up after the merges."""
    master = str(label)
    while master in moved:
        master = moved[master]
    return int(master)


def pair_scores(labels: Sequence[Hashable], truth: Sequence[Hashable]) -> tuple[float, float]:
    """Pairwise precision and recall of a grouping against the true groups."""
    tp = fp = fn = 0
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            same, should = labels[i] == labels[j], truth[i] == truth[j]
            tp += same and should
            fp += same and not should
            fn += should and not same
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall
