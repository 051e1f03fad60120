"""Finding the FAQ entry for a question.

Every example question is a vector of character 3- and 4-grams of its normalised text and of
its Latin skeleton (so "как записаться" meets "kak zapisatsya"), weighted by how few entries
use a gram (IDF). A question scores against each entry by its best example, preferring the
user's language, then German and English, then the rest, blended with the entry's whole
vocabulary. Keywords are matched word by word with rapidfuzz, so a misspelt
"Einstufngstest" still counts.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from bot.core.faq.normalize import normalize, skeleton

# Tuned on tests/faq_eval (`python -m bot faq eval`). A wrong confident answer is worse than
# "I don't know": CONFIDENT needs a clear lead (MARGIN) over the next entry.
CONFIDENT = 0.50
MARGIN = 0.08
SUGGEST = 0.15
KEYWORD = 0.30
KEYWORD_SIMILARITY = 90.0
LANGUAGE_WEIGHT = {"own": 1.0, "bridge": 0.97, "other": 0.94}
BRIDGE_LANGUAGES = ("de", "en")
GRAMS = (3, 4)

Vector = dict[str, float]


@dataclass(frozen=True)
class Decision:
    """What to do with a question: answer one entry, offer a few, or say "don't know".

    Attributes:
        kind: ``answer``, ``suggest`` or ``none``.
        slugs: The entries, best first (one for ``answer``, up to three for ``suggest``).
        score: The best score (0-1).
    """

    kind: str
    slugs: tuple[str, ...]
    score: float


def _grams(text: str) -> Counter[str]:
    out: Counter[str] = Counter()
    for word in text.split():
        padded = f" {word} "
        for size in GRAMS:
            out.update(padded[i : i + size] for i in range(len(padded) - size + 1))
    return out


def _features(text: str) -> Counter[str]:
    norm = normalize(text)
    return _grams(norm) + _grams(skeleton(norm))


def _cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b.get(gram, 0.0) for gram, weight in a.items())


class FaqIndex:
    """Example questions and keywords of every entry in every language, ready to match."""

    def __init__(self, items: Iterable[tuple[str, str, str, bool]]) -> None:
        """Build from (slug, language, text, is_keyword) tuples."""
        self._titles: dict[tuple[str, str], str] = {}
        examples: list[tuple[str, str, Counter[str]]] = []
        keywords: list[tuple[str, str, str]] = []
        for slug, lang, text, keyword in items:
            norm = normalize(text)
            if not norm:
                continue
            if keyword:
                keywords.append((slug, lang, norm))
                continue
            self._titles.setdefault((slug, lang), text.strip())
            examples.append((slug, lang, _features(text)))
        users: defaultdict[str, set[str]] = defaultdict(set)
        for slug, _lang, features in examples:
            for gram in features:
                users[gram].add(slug)
        entries = len({slug for slug, _lang, _f in examples}) or 1
        self._idf = {
            gram: math.log((entries + 1) / (len(slugs) + 0.5)) for gram, slugs in users.items()
        }
        self._examples = [(slug, lang) for slug, lang, _f in examples]
        # Inverted index: gram -> [(example number, weight)], so a question only meets the
        # examples it shares grams with.
        self._postings: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
        for number, (_slug, _lang, features) in enumerate(examples):
            for gram, weight in self._vector(features).items():
                self._postings[gram].append((number, weight))
        whole: defaultdict[str, Counter[str]] = defaultdict(Counter)
        for slug, _lang, features in examples:
            whole[slug].update(features)
        self._entries = {slug: self._vector(f) for slug, f in whole.items()}
        self._keywords = keywords
        self.slugs = frozenset(self._entries)

    def _vector(self, features: Counter[str]) -> Vector:
        vector = {g: n * self._idf[g] for g, n in features.items() if self._idf.get(g, 0.0) > 0}
        length = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return {g: w / length for g, w in vector.items()}

    def title(self, slug: str, lang: str) -> str | None:
        """A short label for an entry: its first example question in ``lang`` (or German,
        or English)."""
        for candidate in (lang, "de", "en"):
            if (slug, candidate) in self._titles:
                return self._titles[(slug, candidate)][:60]
        return None

    def _weight(self, text_lang: str, lang: str) -> float:
        if text_lang == lang:
            return LANGUAGE_WEIGHT["own"]
        return LANGUAGE_WEIGHT["bridge" if text_lang in BRIDGE_LANGUAGES else "other"]

    def rank(self, question: str, lang: str) -> list[tuple[str, float]]:
        """Entries with their score for this question (0-1), best first."""
        norm = normalize(question)
        if len(set(norm.replace(" ", ""))) < 3:
            return []  # "ok", "??", "xxxxxxxx": nothing to match
        query = self._vector(_features(question))
        if not query:
            return []
        dots: defaultdict[int, float] = defaultdict(float)
        for gram, weight in query.items():
            for number, other in self._postings.get(gram, ()):
                dots[number] += weight * other
        best: dict[str, float] = {}
        for number, dot in dots.items():
            slug, text_lang = self._examples[number]
            score = dot * self._weight(text_lang, lang)
            if score > best.get(slug, 0.0):
                best[slug] = score
        scores = {
            slug: (best.get(slug, 0.0) + _cosine(query, v)) / 2 for slug, v in self._entries.items()
        }
        words = [w for w in norm.split() if len(w) >= 4]
        for slug, text_lang, keyword in self._keywords:
            if self._keyword_in(keyword, norm, words):
                hit = KEYWORD * self._weight(text_lang, lang)
                scores[slug] = max(scores.get(slug, 0.0), hit) + 0.05
        ranked = [(slug, score) for slug, score in scores.items() if score > 0.0]
        return sorted(ranked, key=lambda item: -item[1])

    @staticmethod
    def _keyword_in(keyword: str, norm: str, words: list[str]) -> bool:
        if f" {keyword} " in f" {norm} ":
            return True
        if " " in keyword or len(keyword) < 6:
            return False
        return any(fuzz.ratio(keyword, word) >= KEYWORD_SIMILARITY for word in words)

    def decide(
        self, question: str, lang: str, ranked: list[tuple[str, float]] | None = None
    ) -> Decision:
        """Answer, suggest or admit not knowing (``ranked``: a ranking already made)."""
        ranked = self.rank(question, lang) if ranked is None else ranked
        if not ranked:
            return Decision("none", (), 0.0)
        top_slug, top = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        if top >= CONFIDENT and top - second >= MARGIN:
            return Decision("answer", (top_slug,), top)
        close = tuple(slug for slug, score in ranked[:3] if score >= SUGGEST)
        if close:
            return Decision("suggest", close, top)
        return Decision("none", (), top)


@lru_cache(maxsize=4)
def _built(items: tuple[tuple[str, str, str, bool], ...]) -> FaqIndex:
    return FaqIndex(items)


def index_of(items: Iterable[tuple[str, str, str, bool]]) -> FaqIndex:
    """The index of these examples; an unchanged FAQ (a reload, another bot in the same
    process) reuses the index already built, which takes a second or two."""
    return _built(tuple(items))
