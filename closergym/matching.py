"""Match free text to the objection library: "we gotta think it over" is "I need to think about it".

Character 3-5-grams weighted by TF-IDF, compared by cosine similarity against every way the library
says each objection (its title, its opening lines and its aliases). Character n-grams survive typos,
slang and word order better than words do, and the whole index is a few hundred short phrases, so a
plain inverted index in Python answers in about a millisecond.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

from closergym.content import Library, Objection

SURE = 0.45  # at or above: "this is X"
POSSIBLE = 0.28  # at or above: "probably X"; below: not recognised
NGRAM_SIZES = (3, 4, 5)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("’", "'").replace("'", "")
    return " ".join(re.findall(r"[a-z0-9]+", text))


def ngrams(text: str) -> Counter:
    padded = f" {normalise(text)} "
    grams: Counter = Counter()
    for size in NGRAM_SIZES:
        for i in range(len(padded) - size + 1):
            grams[padded[i:i + size]] += 1
    return grams


@dataclass(frozen=True)
class Match:
    slug: str
    score: float

    @property
    def confidence(self) -> str:
        if self.score >= SURE:
            return "high"
        if self.score >= POSSIBLE:
            return "medium"
        return "low"


class ObjectionMatcher:
    """An index over the library's phrasings; `rank(text)` returns matches, best first."""

    def __init__(self, objections: dict[str, Objection]):
        self.owner: list[str] = []
        phrases: list[Counter] = []
        for slug, objection in objections.items():
            for phrase in (objection.title, objection.short, *objection.lines, *objection.aliases):
                self.owner.append(slug)
                phrases.append(ngrams(phrase))
        document_frequency: Counter = Counter()
        for grams in phrases:
            document_frequency.update(grams.keys())
        total = len(phrases) or 1
        self.idf = {gram: math.log((1 + total) / (1 + df)) + 1 for gram, df in document_frequency.items()}
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, grams in enumerate(phrases):
            weights = {gram: count * self.idf[gram] for gram, count in grams.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for gram, weight in weights.items():
                self.postings[gram].append((index, weight / norm))

    def rank(self, text: str, *, limit: int = 3) -> list[Match]:
        grams = ngrams(text)
        weights = {gram: count * self.idf.get(gram, 0.0) for gram, count in grams.items()}
        # Unknown grams still count toward the query's length, so unrelated text scores low.
        unknown_idf = math.log(1 + len(self.owner)) + 1
        norm = math.sqrt(sum((weights[gram] or count * unknown_idf) ** 2 for gram, count in grams.items())) or 1.0
        scores: dict[int, float] = defaultdict(float)
        for gram, weight in weights.items():
            if weight:
                for index, phrase_weight in self.postings.get(gram, ()):
                    scores[index] += weight * phrase_weight
        best: dict[str, float] = {}
        for index, score in scores.items():
            slug = self.owner[index]
            best[slug] = max(best.get(slug, 0.0), score / norm)
        ranked = sorted(best.items(), key=lambda item: -item[1])[:limit]
        return [Match(slug, round(score, 3)) for slug, score in ranked]

    def best(self, text: str) -> Match | None:
        """The library objection `text` most likely is, or None when nothing is close enough."""
        ranked = self.rank(text, limit=1)
        if ranked and ranked[0].score >= POSSIBLE:
            return ranked[0]
        return None


@lru_cache(maxsize=4)
def matcher_for(lib: Library) -> ObjectionMatcher:
    """One index per loaded library (libraries compare by identity)."""
    return ObjectionMatcher(lib.objections)


CLAUSE_BREAK = re.compile(r"[.;!?]+\s*|,\s*|\s+(?:and|but|plus|also|then)\s+", re.IGNORECASE)


def matches_in(matcher: ObjectionMatcher, text: str) -> list[Match]:
    """Every library objection said in `text`, in the order said: "let me sleep on it and talk to my wife"
    is "I need to think about it" and "my partner decides". The whole text's best match comes first when
    nothing else is found; a clause counts when it alone is close enough to one objection."""
    found: dict[str, tuple[int, float]] = {}
    start = 0
    clauses = []
    for cut in CLAUSE_BREAK.finditer(text):
        clauses.append((start, text[start:cut.start()]))
        start = cut.end()
    clauses.append((start, text[start:]))
    for at, clause in clauses:
        if len(normalise(clause).split()) < 2:
            continue
        best = matcher.best(clause)
        if best and (best.slug not in found or best.score > found[best.slug][1]):
            found[best.slug] = (min(at, found.get(best.slug, (at, 0))[0]), best.score)
    whole = matcher.best(text)
    if whole and whole.slug not in found:
        found[whole.slug] = (-1, whole.score)
    return [Match(slug, score) for slug, (_, score) in sorted(found.items(), key=lambda item: item[1][0])]
