"""The labelled question set (320 questions, 8 languages) against the shipped FAQ content."""

from __future__ import annotations

from pathlib import Path

from bot.content.parse import CONTENT_ROOT
from bot.core.faq.evaluate import evaluate, read_set
from bot.core.faq.index import FaqIndex
from bot.storage.faq import read_files

PACK = CONTENT_ROOT / "stuttgart"

EVAL = Path(__file__).parent / "faq_eval"


def shipped_index() -> FaqIndex:
    _entries, languages = read_files(PACK)
    items = []
    for lang, data in languages.items():
        for slug, item in data.items():
            items += [(slug, lang, q, False) for q in item.get("questions", [])]
            items += [(slug, lang, k, True) for k in item.get("keywords", [])]
    return FaqIndex(items)


def test_the_labelled_set_is_large_and_valid() -> None:
    rows = read_set(sorted(EVAL.glob("*.csv")))
    entries, _languages = read_files(PACK)
    slugs = {str(e["slug"]) for e in entries}
    assert len(rows) >= 300
    assert {lang for lang, _q, _e in rows} == {"de", "en", "tr", "ar", "uk", "ru", "fa", "ro"}
    assert all(expected in slugs | {"none"} for _l, _q, expected in rows)


def test_accuracy_targets_hold() -> None:
    report = evaluate(shipped_index(), read_set(sorted(EVAL.glob("*.csv"))))
    assert report.top1_rate >= 0.90, "\n".join(report.lines() + report.mistakes)
    assert report.confident_wrong_rate <= 0.03, "\n".join(report.lines() + report.mistakes)
    assert report.dont_know_rate <= 0.10
    for lang, total in report.by_language.items():
        assert report.correct_by_language[lang] / total >= 0.8, lang


def test_every_entry_has_answers_and_examples_in_every_language() -> None:
    entries, languages = read_files(PACK)
    slugs = {str(e["slug"]) for e in entries}
    assert len(slugs) == 35
    for lang in ("de", "en", "tr", "ar", "uk", "ru", "fa", "ro"):
        assert set(languages[lang]) == slugs, lang
        for slug, item in languages[lang].items():
            assert len(item["questions"]) >= 5, (lang, slug)
            if lang not in ("de", "en"):
                assert str(item["answer"]).strip(), (lang, slug)
