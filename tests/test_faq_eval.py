"""The labelled question sets (8 languages) against the shipped FAQ content.

set_a.csv and set_b.csv tuned the matcher's thresholds (bot/core/faq/index.py); set_c.csv is
held out: it was written without looking at the matcher and checks the goals of "FAQ at the
first try" (answered at once, confident wrong, top-1). set_d.csv is held out too: written
later by someone who saw only the entries' answers (not the example questions or the other
sets), spread over all entries as newcomers ask, with 35 questions the FAQ does not answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.parse import CONTENT_ROOT
from bot.core.faq.evaluate import Report, evaluate, read_set
from bot.core.faq.index import LanguageIndexes
from bot.i18n.catalogs import LANGUAGES
from bot.storage.faq import read_files

PACK = CONTENT_ROOT / "stuttgart"

EVAL = Path(__file__).parent / "faq_eval"
TUNING = [EVAL / "set_a.csv", EVAL / "set_b.csv"]
HELD_OUT = EVAL / "set_c.csv"
NATURAL = EVAL / "set_d.csv"


def shipped_examples() -> list[tuple[str, str, str, bool]]:
    """(slug, language, text, is_keyword) of the shipped FAQ."""
    _entries, languages = read_files(PACK)
    items = []
    for lang, data in languages.items():
        for slug, item in data.items():
            items += [(slug, lang, q, False) for q in item.get("questions", [])]
            items += [(slug, lang, k, True) for k in item.get("keywords", [])]
    return items


def shipped_index() -> LanguageIndexes:
    return LanguageIndexes(shipped_examples())


@pytest.fixture(scope="module")
def index() -> LanguageIndexes:
    return shipped_index()


def _why(report: Report) -> str:
    return "\n".join(report.lines() + report.mistakes)


def test_the_labelled_set_is_large_and_valid() -> None:
    rows = read_set(sorted(EVAL.glob("*.csv")))
    entries, _languages = read_files(PACK)
    slugs = {str(e["slug"]) for e in entries}
    assert len(rows) >= 300
    assert {lang for lang, _q, _e in rows} == {"de", "en", "tr", "ar", "uk", "ru", "fa", "ro"}
    assert all(expected in slugs | {"none"} for _l, _q, expected in rows)


def test_accuracy_targets_hold_on_the_tuning_sets(index: LanguageIndexes) -> None:
    # The goals of "FAQ at the first try" on the sets the thresholds were tuned on (today 95.0 %
    # top-1, 1.6 % confident wrong, 86.8 % at once).
    report = evaluate(index, read_set(TUNING))
    assert report.top1_rate >= 0.95, _why(report)
    assert report.confident_wrong_rate <= 0.02, _why(report)
    assert report.answered_rate >= 0.85, _why(report)
    assert report.dont_know_rate <= 0.02, _why(report)
    for lang, total in report.by_language.items():
        assert report.correct_by_language[lang] / total >= 0.85, lang


@pytest.mark.skipif(not HELD_OUT.exists(), reason="no held-out set")
def test_the_held_out_set_does_not_fall_below_todays_level(index: LanguageIndexes) -> None:
    # Today's level (docs/benchmarks.md), not the goal. With 19 languages, matched within the
    # reader's languages: 93.2 % top-1, 3.1 % confident wrong (9 of 293), 79.7 % answered at
    # once (8 languages in one index: 94.2 %, 2.7 %, 78.5 %; 19 in one index: 90.4 %, ...).
    # Most misses are right answers offered as "did you mean" between entries that sit close
    # together (where-counselling next to mbe-counselling, childcare next to
    # child-cannot-attend).
    report = evaluate(index, read_set([HELD_OUT]))
    assert report.top1_rate >= 0.93, _why(report)
    assert report.confident_wrong_rate <= 0.031, _why(report)
    assert report.answered_rate >= 0.79, _why(report)


@pytest.mark.skipif(not HELD_OUT.exists(), reason="no held-out set")
@pytest.mark.xfail(strict=True, reason="goals of 'FAQ at the first try' not reached on set_c yet")
def test_first_try_goals_hold_on_the_held_out_set(index: LanguageIndexes) -> None:
    # When this passes (xfail strict reports it), drop the mark: the goals then hold.
    report = evaluate(index, read_set([HELD_OUT]))
    assert report.confident_wrong_rate <= 0.02, _why(report)
    assert report.top1_rate >= 0.95, _why(report)
    assert report.answered_rate >= 0.85, _why(report)


def test_the_natural_set_does_not_fall_below_todays_level(index: LanguageIndexes) -> None:
    # First and only evaluation so far (docs/benchmarks.md): 95.0 % top-1, 2.5 % confident
    # wrong (6 of 240), 87.3 % answered at once. Nothing was tuned on it.
    report = evaluate(index, read_set([NATURAL]))
    assert report.top1_rate >= 0.95, _why(report)
    assert report.confident_wrong_rate <= 0.025, _why(report)
    assert report.answered_rate >= 0.87, _why(report)


@pytest.mark.xfail(strict=True, reason="confident wrong above 2 % on set_d (2.5 %)")
def test_first_try_goals_hold_on_the_natural_set(index: LanguageIndexes) -> None:
    report = evaluate(index, read_set([NATURAL]))
    assert report.top1_rate >= 0.95, _why(report)
    assert report.answered_rate >= 0.85, _why(report)
    assert report.confident_wrong_rate <= 0.02, _why(report)


def test_every_entry_has_answers_and_examples_in_every_language() -> None:
    entries, languages = read_files(PACK)
    slugs = {str(e["slug"]) for e in entries}
    assert len(slugs) >= 35
    for lang in LANGUAGES:
        assert set(languages[lang]) == slugs, lang
        for slug, item in languages[lang].items():
            assert len(item["questions"]) >= 5, (lang, slug)
            if lang not in ("de", "en"):
                assert str(item["answer"]).strip(), (lang, slug)
