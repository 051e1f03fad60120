"""Finding the FAQ entry for a question.

Every example question is a vector of character 3- and 4-grams of its normalised text and of
its Latin skeleton (so "как записаться" meets "kak zapisatsya"), weighted by how few entries
use a gram (IDF). A question scores against each entry by its best two examples, preferring
the user's language (or the languages of the script it is typed in), then German and English,
then the rest, blended with the entry's whole vocabulary. The best examples are compared again
as strings (rapidfuzz ratio), and the best entries again with the grams that tell them apart.
Keywords are matched word by word with rapidfuzz, so a misspelt "Einstufngstest" still counts.

Speed: everything that does not depend on the question is computed when the index is built.
An inverted index (gram -> examples) means a question only meets the examples it shares grams
with; grams that many entries use (more than 45 %, e.g. " de", "en ") count in a vector's
length but have no postings: they add almost nothing to a dot product and would make up most
of the work. Dot products add up in a flat list; language weights are one C-level
multiplication, and the best two examples of each entry are taken slice by slice. Keywords are
looked up as phrases in a dict and, for misspellings, with one ``rapidfuzz.process.extract`` per
word instead of one comparison per keyword.
"""

from __future__ import annotations

import heapq
import math
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from operator import itemgetter, mul

from rapidfuzz import fuzz, process

from bot.core.faq.normalize import normalize, skeleton

# Tuned on tests/faq_eval/set_a.csv and set_b.csv (`python -m bot faq eval`); the held-out
# set_c.csv checks them. A wrong confident answer is worse than a "did you mean": CONFIDENT
# needs a clear lead (MARGIN) over the next entry. Most wrong confident answers in the tuning
# sets are off-topic questions with a domain word ("is deutschlandticket valid in stuttgart").
# There, CONFIDENT 0.30 with MARGIN 0.06 / 0.08 / 0.10 / 0.12 answers 89.3 / 87.9 / 86.8 / 84.2 %
# at once with 2.2 / 1.9 / 1.6 / 0.9 % confidently wrong; CONFIDENT 0.38 drops to 77 % at once.
CONFIDENT = 0.30
MARGIN = 0.10
SUGGEST = 0.15
# An entry's score: BLEND of its best examples (the best, with SECOND_EXAMPLE of the runner-up
# mixed in, so one lucky example counts less) and the rest of its whole vocabulary.
BLEND = 0.8
SECOND_EXAMPLE = 0.3
# The CANDIDATES examples with the highest dot products are scored again as strings: RERANK of
# their score is rapidfuzz's ratio (edit distance) between the Latin skeletons, which tells
# word order and whole words apart where grams of neighbouring entries look alike. Two unrelated
# strings still have a ratio of 0.2-0.4, so the ratio counts from FLOOR up (gibberish stays
# near 0 and gets "don't know", not "did you mean").
RERANK = 0.6
CANDIDATES = 40
FLOOR = 0.3
# The LOCAL_ENTRIES best entries are scored again with the question's grams weighted by how few
# of these entries use them (an IDF among the neighbours: "wo" or "where" tells
# where-counselling from mbe-counselling, which share "beratung"); LOCAL of the score is
# that second look. Checked by 5-fold cross-validation over the FAQ's own example questions.
LOCAL = 0.3
LOCAL_ENTRIES = 3
SUGGESTIONS = 3
KEYWORD = 0.30
KEYWORD_BONUS = 0.05
KEYWORD_SIMILARITY = 90.0
LANGUAGE_WEIGHT = {"own": 1.0, "bridge": 0.97, "other": 0.94}
# Simple German's examples are German: a bridge for everyone, like German and English.
BRIDGE_LANGUAGES = ("de", "de-x-es", "en")
# Who writes one of these writes like the other: their examples count as the user's own.
SIBLINGS = {"de": ("de-x-es",), "de-x-es": ("de",), "fa": ("prs",), "prs": ("fa",)}
# Languages written in a script other than Latin: a question typed in that script is treated as
# written in one of them, whatever language the user chose (a German-language user who types
# Russian still meets the Russian examples first).
SCRIPT_LANGUAGES = {
    "cyrillic": ("ru", "uk", "bg"),
    "arabic": ("ar", "fa", "prs", "ps"),
    "ethiopic": ("ti",),
}
GRAMS = (3, 4)
# Grams used by more than this share of the entries have no postings.
POSTING_SHARE = 0.45
# A long message (a whole story) keeps only its QUERY_GRAMS heaviest grams: the light ones have
# the longest postings and change no ranking in the labelled sets; this bounds the p99.
QUERY_GRAMS = 120
TITLE_LENGTH = 32  # a button label: at most 32 characters on a phone

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


def _features(norm: str) -> Counter[str]:
    """Grams of normalised text and of its skeleton."""
    return _grams(norm) + _grams(skeleton(norm))


@lru_cache(maxsize=32768)
def _example(norm: str) -> tuple[Counter[str], str]:
    """An example question's grams and skeleton: the same in every language set's index, so
    computed once (read only)."""
    return _features(norm), skeleton(norm)


def script_of(text: str) -> str:
    """``cyrillic``, ``arabic`` or ``ethiopic`` when at least a third of the letters of ``text``
    are in that script (German words such as "Bürgergeld" often sit in a Russian or Arabic
    question), else ``latin``."""
    counts = {"cyrillic": 0, "arabic": 0, "ethiopic": 0}
    letters = 0
    for ch in text:
        if not ch.isalpha():
            continue
        letters += 1
        if "\u0400" <= ch <= "\u052f":
            counts["cyrillic"] += 1
        elif "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" or ch >= "\ufb50":
            counts["arabic"] += 1
        elif "\u1200" <= ch <= "\u139f" or "\u2d80" <= ch <= "\u2ddf":
            counts["ethiopic"] += 1
    script = max(counts, key=lambda name: counts[name])
    return script if letters and counts[script] * 3 >= letters else "latin"


def shorten(text: str, limit: int = TITLE_LENGTH) -> str:
    """``text`` in at most ``limit`` characters, cut at a word boundary and ended with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:  # a very long word: cut inside it rather than keep two words
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—/(") + "…"


class FaqIndex:
    """Example questions and keywords of every entry in every language, ready to match."""

    def __init__(self, items: Iterable[tuple[str, str, str, bool]]) -> None:
        """Build from (slug, language, text, is_keyword) tuples."""
        self._titles: dict[tuple[str, str], str] = {}
        examples: list[tuple[str, str, Counter[str], str]] = []
        keywords: list[tuple[str, str, str]] = []
        for slug, lang, text, keyword in items:
            norm = normalize(text)
            if not norm:
                continue
            if keyword:
                keywords.append((slug, lang, norm))
                continue
            self._titles.setdefault((slug, lang), text.strip())
            features, skel = _example(norm)
            examples.append((slug, lang, features, skel))
        examples.sort(key=lambda example: (example[0], example[1]))
        users: defaultdict[str, set[str]] = defaultdict(set)
        for slug, _lang, features, _s in examples:
            for gram in features:
                users[gram].add(slug)
        entries = len({slug for slug, _lang, _f, _s in examples}) or 1
        self._idf = {
            gram: math.log((entries + 1) / (len(slugs) + 0.5)) for gram, slugs in users.items()
        }
        most = max(1.0, POSTING_SHARE * entries)
        posted = {gram for gram, slugs in users.items() if len(slugs) <= most}
        slug_list = sorted(
            {slug for slug, _lang, _f, _s in examples} | {s for s, _l, _k in keywords}
        )
        self._slug_list = tuple(slug_list)
        slug_number = {slug: n for n, slug in enumerate(slug_list)}
        self._languages = tuple(sorted({lang for _x, lang, _f, _s in examples}))
        lang_number = {lang: n for n, lang in enumerate(self._languages)}
        self._example_count = len(examples)
        self._example_text = [skel for _a, _b, _c, skel in examples]
        self._example_lang = [lang_number[lang] for _s, lang, _f, _t in examples]
        self._example_slug = [slug_number[slug] for slug, _l, _f, _s in examples]
        self._factor_cache: dict[tuple[float, ...], list[float]] = {}
        # Examples are numbered by entry: (entry, first, end) of each.
        ranges: list[tuple[int, int, int]] = []
        for number, (slug, _lang, _f, _s) in enumerate(examples):
            if ranges and ranges[-1][0] == slug_number[slug]:
                ranges[-1] = (ranges[-1][0], ranges[-1][1], number + 1)
            else:
                ranges.append((slug_number[slug], number, number + 1))
        self._entry_ranges = tuple(ranges)
        # Inverted indexes: gram -> ((example number, weight), ...) and gram -> ((entry number,
        # weight), ...) for the entry's whole vocabulary.
        postings: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
        for number, (_slug, _lang, features, _s) in enumerate(examples):
            for gram, weight in self._vector(features).items():
                if gram in posted:
                    postings[gram].append((number, weight))
        self._postings = {gram: tuple(p) for gram, p in postings.items()}
        whole: defaultdict[str, Counter[str]] = defaultdict(Counter)
        for slug, _lang, features, _s in examples:
            whole[slug].update(features)
        entry_postings: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
        for slug, features in whole.items():
            for gram, weight in self._vector(features).items():
                if gram in posted:
                    entry_postings[gram].append((slug_number[slug], weight))
        self._entry_postings = {gram: tuple(p) for gram, p in entry_postings.items()}
        self._gram_entries = {
            gram: frozenset(entry for entry, _w in p) for gram, p in entry_postings.items()
        }
        # Keywords: exact phrases by their text; single long words also by similarity.
        self._phrases: defaultdict[str, list[int]] = defaultdict(list)
        fuzzy: defaultdict[str, list[int]] = defaultdict(list)
        for number, (_slug, _lang, phrase) in enumerate(keywords):
            self._phrases[phrase].append(number)
            if " " not in phrase and len(phrase) >= 6:
                fuzzy[phrase].append(number)
        self._phrase_words = max((k.count(" ") + 1 for k in self._phrases), default=0)
        self._fuzzy_words = tuple(fuzzy)
        self._fuzzy_numbers = tuple(tuple(fuzzy[word]) for word in self._fuzzy_words)
        self._keyword_slug = [slug_number[slug] for slug, _l, _k in keywords]
        self._keyword_lang = [lang_number.get(lang, -1) for _s, lang, _k in keywords]
        self.slugs = frozenset(whole)

    def _vector(self, features: Counter[str]) -> Vector:
        idf = self._idf
        vector = {g: n * idf[g] for g, n in features.items() if idf.get(g, 0.0) > 0}
        length = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return {g: w / length for g, w in vector.items()}

    def title(self, slug: str, lang: str, limit: int | None = TITLE_LENGTH) -> str | None:
        """A label for an entry: its first example question in ``lang`` (or German, or
        English), cut at a word boundary with "…" to fit a button (``limit``; ``None``: whole)."""
        for candidate in (lang, "de", "en"):
            if (slug, candidate) in self._titles:
                whole = self._titles[(slug, candidate)]
                return whole if limit is None else shorten(whole, limit)
        return None

    def _weights(self, question: str, lang: str) -> list[float]:
        """The weight of each language's examples for this question, by language number."""
        own = {lang, *SIBLINGS.get(lang, ()), *SCRIPT_LANGUAGES.get(script_of(question), ())}
        return [
            LANGUAGE_WEIGHT[
                "own"
                if text_lang in own
                else "bridge"
                if text_lang in BRIDGE_LANGUAGES
                else "other"
            ]
            for text_lang in self._languages
        ]

    def _factors(self, weights: list[float]) -> list[float]:
        """The language weight of every example (a few combinations, each made once)."""
        key = tuple(weights)
        factors = self._factor_cache.get(key)
        if factors is None:
            factors = [weights[text_lang] for text_lang in self._example_lang]
            self._factor_cache[key] = factors
        return factors

    def rank(self, question: str, lang: str) -> list[tuple[str, float]]:
        """Entries with their score for this question (0-1), best first."""
        norm = normalize(question)
        if len(set(norm.replace(" ", ""))) < 3:
            return []  # "ok", "??", "xxxxxxxx": nothing to match
        skel = skeleton(norm)
        query = self._vector(_grams(norm) + _grams(skel))
        if not query:
            return []
        if QUERY_GRAMS and len(query) > QUERY_GRAMS:
            query = dict(heapq.nlargest(QUERY_GRAMS, query.items(), key=itemgetter(1)))
        weights = self._weights(question, lang)
        postings = self._postings
        entry_postings = self._entry_postings
        dots = [0.0] * self._example_count
        whole = [0.0] * len(self._slug_list)
        for gram, weight in query.items():
            for number, other in postings.get(gram, ()):
                dots[number] += weight * other
            for number, other in entry_postings.get(gram, ()):
                whole[number] += weight * other
        if RERANK:
            texts = self._example_text
            # The CANDIDATES-th best dot product, then the examples at or above it, both
            # without a Python step per example.
            cut = max(sorted(dots)[-min(CANDIDATES, len(dots))], 1e-9)
            for number in compress(range(len(dots)), map(cut.__le__, dots)):
                similar = max(0.0, fuzz.ratio(skel, texts[number]) / 100 - FLOOR) / (1 - FLOOR)
                dots[number] = (1 - RERANK) * dots[number] + RERANK * similar
        # Examples are numbered by entry: weighted by language (one multiplication per example,
        # in C), the two best of each entry are found slice by slice.
        factors = self._factors(weights)
        dots = list(map(mul, dots, factors))
        best = [0.0] * len(self._slug_list)
        runner = [0.0] * len(self._slug_list)
        for slug, start, end in self._entry_ranges:
            top = sorted(dots[start:end])[-2:]
            best[slug] = top[-1]
            runner[slug] = top[0] if len(top) > 1 else 0.0
        scores = {
            slug: BLEND * ((1 - SECOND_EXAMPLE) * best[slug] + SECOND_EXAMPLE * runner[slug])
            + (1 - BLEND) * dot
            for slug, dot in enumerate(whole)
            if dot > 0.0
        }
        if LOCAL and len(scores) > 1:
            self._contrast(query, factors, scores)
        for number in self._keywords_in(norm):
            slug = self._keyword_slug[number]
            text_lang = self._keyword_lang[number]
            hit = KEYWORD * (weights[text_lang] if text_lang >= 0 else LANGUAGE_WEIGHT["other"])
            scores[slug] = max(scores.get(slug, 0.0), hit) + KEYWORD_BONUS
        names = self._slug_list
        ranked = [(names[slug], score) for slug, score in scores.items() if score > 0.0]
        ranked.sort(key=lambda item: -item[1])
        return ranked

    def _contrast(self, query: Vector, factors: list[float], scores: dict[int, float]) -> None:
        """Score the closest entries again with the grams that tell them apart (``factors``:
        the language weight of each example; ``scores`` is changed in place)."""
        top = heapq.nlargest(LOCAL_ENTRIES, scores, key=scores.__getitem__)
        tops = set(top)
        size = len(top)
        local: dict[str, float] = {}
        for gram, weight in query.items():
            k = len(tops.intersection(self._gram_entries.get(gram, ())))
            if 0 < k < size:
                local[gram] = weight * math.log((size + 1) / (k + 0.5))
        length = math.sqrt(sum(w * w for w in local.values())) or 1.0
        example_slug = self._example_slug
        sub: dict[int, float] = defaultdict(float)
        for gram, weight in local.items():
            for number, other in self._postings.get(gram, ()):
                if example_slug[number] in tops:
                    sub[number] += weight * other / length
        whole: dict[int, float] = defaultdict(float)
        for gram, weight in local.items():
            for entry, other in self._entry_postings.get(gram, ()):
                if entry in tops:
                    whole[entry] += weight * other / length
        firsts: dict[int, list[float]] = defaultdict(list)
        for number, dot in sub.items():
            firsts[example_slug[number]].append(dot * factors[number])
        for entry in top:
            two = sorted(firsts.get(entry, [0.0]))[-2:]
            second = two[0] if len(two) > 1 else 0.0
            score = (
                BLEND * ((1 - SECOND_EXAMPLE) * two[-1] + SECOND_EXAMPLE * second)
                + (1 - BLEND) * whole[entry]
            )
            scores[entry] = (1 - LOCAL) * scores[entry] + LOCAL * score

    def _keywords_in(self, norm: str) -> list[int]:
        """Numbers of the keywords in the question: as a phrase, or (one long word) spelt a
        little differently."""
        words = norm.split()
        found: set[int] = set()
        phrases = self._phrases
        for start in range(len(words)):
            for end in range(start + 1, min(start + self._phrase_words, len(words)) + 1):
                found.update(phrases.get(" ".join(words[start:end]), ()))
        if self._fuzzy_words:
            for word in {w for w in words if len(w) >= 4}:
                for _match, _score, position in process.extract(
                    word,
                    self._fuzzy_words,
                    scorer=fuzz.ratio,
                    score_cutoff=KEYWORD_SIMILARITY,
                    limit=None,
                ):
                    found.update(self._fuzzy_numbers[position])
        return sorted(found)

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
        close = tuple(slug for slug, score in ranked[:SUGGESTIONS] if score >= SUGGEST)
        if close:
            return Decision("suggest", close, top)
        return Decision("none", (), top)


@lru_cache(maxsize=64)
def _built(items: tuple[tuple[str, str, str, bool], ...]) -> FaqIndex:
    return FaqIndex(items)


@lru_cache(maxsize=64)
def _built_within(
    items: tuple[tuple[str, str, str, bool], ...], languages: frozenset[str]
) -> FaqIndex:
    return FaqIndex(item for item in items if item[1] in languages)


def reader_languages(question: str, lang: str) -> frozenset[str]:
    """The languages whose examples a question is matched against: the reader's own and its
    sibling, German, simple German and English, and those written in the question's script.

    With 19 languages in one index, the examples of languages the reader does not write
    dilute every entry's vector and the rarity of its words: on the held-out set top-1 fell
    from 94 % to 90 %. Matching within the reader's languages keeps the 8-language level.
    """
    return frozenset(
        {lang, *SIBLINGS.get(lang, ()), *BRIDGE_LANGUAGES}
        | set(SCRIPT_LANGUAGES.get(script_of(question), ()))
    )


class LanguageIndexes:
    """The matcher of a whole FAQ: one :class:`FaqIndex` per set of reader languages, each
    built on first use (a second or less; call :meth:`prepare` in a thread)."""

    def __init__(self, items: Iterable[tuple[str, str, str, bool]]) -> None:
        self._items = tuple(items)
        self._indexes: dict[frozenset[str], FaqIndex] = {}
        self._lock = threading.Lock()
        self._titles: dict[tuple[str, str], str] = {}
        for slug, lang, text, keyword in self._items:
            if not keyword and normalize(text):
                self._titles.setdefault((slug, lang), text.strip())

    def ready(self, question: str, lang: str) -> bool:
        """Whether the index for this question is built."""
        return reader_languages(question, lang) in self._indexes

    def prepare(self, question: str, lang: str) -> FaqIndex:
        """The index for this question, built now if needed."""
        key = reader_languages(question, lang)
        found = self._indexes.get(key)
        if found is None:
            with self._lock:
                found = self._indexes.get(key)
                if found is None:
                    found = _built_within(self._items, key)
                    self._indexes[key] = found
        return found

    def rank(self, question: str, lang: str) -> list[tuple[str, float]]:
        """Entries with their score for this question (0-1), best first."""
        return self.prepare(question, lang).rank(question, lang)

    def decide(
        self, question: str, lang: str, ranked: list[tuple[str, float]] | None = None
    ) -> Decision:
        """Answer, suggest or say "I do not know" (see :meth:`FaqIndex.decide`)."""
        return self.prepare(question, lang).decide(question, lang, ranked)

    def title(self, slug: str, lang: str, limit: int | None = TITLE_LENGTH) -> str | None:
        """A label for an entry in ``lang`` (or German, or English); see :meth:`FaqIndex.title`."""
        for candidate in (lang, "de", "en"):
            if (slug, candidate) in self._titles:
                whole = self._titles[(slug, candidate)]
                return whole if limit is None else shorten(whole, limit)
        return None


def index_of(items: Iterable[tuple[str, str, str, bool]]) -> FaqIndex:
    """The index of these examples; an unchanged FAQ (a reload, another bot in the same
    process) reuses the index already built, which takes a second or two."""
    return _built(tuple(items))
