"""`content check`: stale facts and FAQ entries, and texts announcing a planned date that passed.

The check never reads the wall clock: each test moves "today" by hand.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.content.check import (
    DEFAULT_MAX_AGE_DAYS,
    FaqEntry,
    passed_planned_dates,
    read_faq,
    report,
)
from bot.content.model import Content, Provenance
from bot.content.parse import CONTENT_ROOT

PLANNED_DE = (
    "Das gilt auch während des Zulassungsstopps. Geplant ist ab 1. Juli 2026 die „Neue "
    "Grundsicherung“ statt Bürgergeld, das Jobcenter bleibt zuständig. Fragen Sie z. B. eine "
    "Beratungsstelle."
)
PLANNED_EN = (
    "This also works during the admission stop. From 1 July 2026 a new basic income support "
    "(Neue Grundsicherung) is planned instead of Bürgergeld; the Jobcenter stays responsible."
)


def _entry(slug: str, as_of: date, confirmed: bool = True, **answers: str) -> FaqEntry:
    return FaqEntry(slug, Provenance("test source", as_of, confirmed), answers)


@pytest.mark.parametrize("text", [PLANNED_DE, PLANNED_EN, "Planned for July 1, 2026."])
def test_a_planned_date_is_flagged_from_that_day_on(text: str) -> None:
    assert passed_planned_dates(text, date(2026, 6, 30)) == []
    assert len(passed_planned_dates(text, date(2026, 7, 1))) == 1
    assert len(passed_planned_dates(text, date(2027, 3, 1))) == 1


@pytest.mark.parametrize(
    "text",
    [
        "Seit dem 9. Februar 2026 lässt das BAMF niemanden neu zu.",  # a past fact, not a plan
        "Since 9 February 2026 the BAMF admits no one; a new law is planned.",  # no "from" date
        "For people who arrived after 31 March 2025, benefits are planned from {start}.",
        "It was planned from 1 July 2026 and is now in force.",  # already told as history
        "Die Reform war ab 1. Juli 2026 geplant.",
    ],
)
def test_past_dates_that_are_not_plans_are_not_flagged(text: str) -> None:
    assert passed_planned_dates(text, date(2030, 1, 1)) == []


def test_report_flags_faq_answers_whose_planned_date_has_passed(content: Content) -> None:
    faq = [
        _entry("jobcenter", date(2026, 3, 5), answer_de=PLANNED_DE, answer_en=PLANNED_EN),
        _entry("cost", date(2026, 3, 5), answer_de="Der Kurs kostet 2,29 € pro Einheit."),
    ]
    before = report(content, today=date(2026, 6, 30), faq=faq)
    assert not any("faq.jobcenter" in line for line in before)
    after = report(content, today=date(2026, 7, 2), faq=faq)
    flagged = [line for line in after if line.startswith("PLANNED DATE PASSED: faq.")]
    assert len(flagged) == 2, flagged
    assert "faq.jobcenter.answer_de says '1. Juli 2026' is planned" in flagged[0]
    assert "faq.jobcenter.answer_en says '1 July 2026' is planned" in flagged[1]
    assert not any("faq.cost" in line for line in after)


def test_report_flags_stale_faq_entries_by_the_given_age(content: Content) -> None:
    faq = [_entry("old", date(2025, 1, 1)), _entry("new", date(2026, 6, 1))]
    today = date(2026, 7, 1)
    lines = report(content, today=today, faq=faq)
    assert any(line.startswith("STALE (546 days old): faq.old ") for line in lines)
    assert not any("faq.new" in line for line in lines)
    strict = report(content, today=today, max_age_days=20, faq=faq)
    assert any(line.startswith("STALE (30 days old): faq.new ") for line in strict)
    assert strict[-1].endswith(f"(limit 20 days, as of {today})")
    assert DEFAULT_MAX_AGE_DAYS == 365


def test_report_lists_unconfirmed_faq_entries(content: Content) -> None:
    faq = [_entry("unsure", date(2026, 6, 1), confirmed=False)]
    lines = report(content, today=date(2026, 6, 2), faq=faq)
    assert any(line.startswith("TO BE CONFIRMED: faq.unsure ") for line in lines)


def test_moving_the_clock_makes_facts_stale(content: Content) -> None:
    oldest = min(
        prov.as_of
        for prov in [
            *(a.provenance for a in content.authorities.values()),
            *(r.provenance for r in content.routes.values()),
            *(f.provenance for f in content.facts.values()),
        ]
    )
    fresh = report(content, today=oldest, max_age_days=365, faq=[])
    assert not any("STALE" in line for line in fresh)
    later = report(content, today=date(oldest.year + 2, 1, 1), max_age_days=365, faq=[])
    assert any(line.startswith("STALE") for line in later)


def test_the_packs_faq_files_are_read_and_checked(content: Content) -> None:
    faq = read_faq(CONTENT_ROOT / content.city)
    assert faq and all(e.answers.get("answer_de") for e in faq)
    # Without an explicit FAQ, the report reads the pack's own.
    far = report(content, today=date(2040, 1, 1))
    assert len([line for line in far if "STALE" in line and " faq." in line]) == len(faq)
    assert read_faq(CONTENT_ROOT / "no-such-pack") == []
