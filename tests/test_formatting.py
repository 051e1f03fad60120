"""Locale-correct punctuation, dates and money (Babel/CLDR) in all eight languages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from bot.content.model import Content
from bot.core.messages import Day, DayNames, Money, Msg, Weekdays, When
from bot.flows.guidance import fact_args, route_reply
from bot.i18n.bidi import strip_controls
from bot.i18n.catalogs import LANGUAGES, Catalogs
from bot.i18n.render import Renderer, date_and_time, day_label, end_sentences, join_list, money

# Thursday 3 December 2026, 09:30 in Stuttgart.
MOMENT = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def renderer(catalogs: Catalogs) -> Renderer:
    return Renderer(catalogs)


def _plain(renderer: Renderer, arg: object, lang: str) -> str:
    return strip_controls(renderer.text(arg, lang))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------- lists


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("de", "Mo., Mi. und Fr."),
        ("en", "Mon, Wed, and Fri"),
        ("ru", "пн, ср и пт"),
        ("uk", "пн, ср і пт"),
        ("ro", "lun., mie. și vin."),
        ("tr", "Pazartesi, Çarşamba ve Cuma"),
        ("ar", "الاثنين والأربعاء والجمعة"),
    ],
)
def test_day_lists_are_joined_as_the_locale_joins_lists(
    renderer: Renderer, lang: str, expected: str
) -> None:
    assert _plain(renderer, DayNames((0, 2, 4)), lang) == expected


@pytest.mark.parametrize("lang", ["ar", "fa", "prs", "ps"])
def test_right_to_left_lists_and_dates_have_no_latin_comma(renderer: Renderer, lang: str) -> None:
    for arg in (DayNames((0, 2, 4)), When(MOMENT), MOMENT):
        assert "," not in _plain(renderer, arg, lang), arg
    assert "،" in _plain(renderer, DayNames((0, 2, 4)), "fa")
    assert "،" in _plain(renderer, When(MOMENT), lang)


def test_join_list_helper() -> None:
    assert join_list([], "de") == ""
    assert join_list(["A"], "de") == "A"
    assert join_list(["A", "B"], "de") == "A und B"
    assert join_list(["A", "B", "C"], "fa") == "A،\u200f B، و C"
    assert join_list(["A", "B"], "en", "or") == "A or B"
    # A style Babel lacks for a locale falls back to the standard one.
    assert join_list(["A", "B", "C"], "de", "unit") == "A, B und C"


# ------------------------------------------------------------------------------- dates

# How an appointment (When), a course day (Day) and a time-stamp render, per language.
WHEN = {
    "de": "Donnerstag, 3. Dezember 2026, 09:30",
    "en": "Thursday, December 3, 2026, 9:30\u202fAM",
    "ar": "الخميس، 3 ديسمبر 2026، 9:30 ص",
    "fa": "پنجشنبه 3 دسامبر 2026، ساعت 9:30",
    "ru": "четверг, 3 декабря 2026\u202fг., 09:30",
    "uk": "четвер, 3 грудня 2026\u202fр., 09:30",
    "tr": "3 Aralık 2026 Perşembe 09:30",
    "ro": "joi, 3 decembrie 2026, 09:30",
    "de-x-es": "Donnerstag, 3. Dezember 2026, 09:30",
    "prs": "پنجشنبه 3 دسمبر 2026، ساعت 9:30",
    "ps": "پنج شنبه 3، دسمبر، 2026 9:30",
    "ku": "pêncşem, 3ê berfanbara 2026an 09:30",
    "ti": "ሓሙስ፣ 3 ታሕሳስ 2026 9:30 ቅ.ቀ.",
    "so": "Khamiis, Diseembar 3, 2026 9:30\u202fGH",
    "sq": "e enjte, 3 dhjetor 2026, 9:30\u202fp.d.",
    "bs": "četvrtak, 3. decembar 2026., 09:30",
    "bg": "четвъртък, 3 декември 2026\u202fг., 9:30",
    "pl": "czwartek, 3 grudnia 2026 09:30",
    "fr": "jeudi 3 décembre 2026, 09:30",
}
DAY = {
    "de": "Do., 3. Dez.",
    "en": "Thu, Dec 3",
    "ar": "الخميس، 3 ديسمبر",
    "fa": "پنجشنبه 3 دسامبر",
    "ru": "чт, 3 дек.",
    "uk": "чт, 3 груд.",
    "tr": "3 Aralık Perşembe",
    "ro": "joi, 3 dec.",
    "de-x-es": "Do., 3. Dez.",
    "prs": "پنجشنبه 3 دسمبر",
    "ps": "پنج شنبه، 3 دسمبر",
    "ku": "3 brf, pşm",
    "ti": "ታሕሳስ 3, ሓሙስ",
    "so": "Khamiis, Diseembar 3",
    "sq": "enj, 3 dhj",
    "bs": "čet, 3. dec",
    "bg": "чт, 3.12.",
    "pl": "czw., 3 gru",
    "fr": "jeu. 3 déc.",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_appointment_and_course_dates_per_language(renderer: Renderer, lang: str) -> None:
    assert _plain(renderer, When(MOMENT), lang) == WHEN[lang]
    assert _plain(renderer, Day(MOMENT.date()), lang) == DAY[lang]


def test_turkish_dates_use_full_month_and_weekday_names(renderer: Renderer) -> None:
    assert day_label(date(2026, 12, 3), "tr") == "3 Aralık Perşembe"  # not "3 Ara Per"
    assert _plain(renderer, Weekdays(0, 4), "tr") == "Pazartesi–Cuma"  # not "Pzt–Cum"
    assert _plain(renderer, MOMENT, "tr") == "3 Aralık 2026 09:30"  # not "3 Ara 2026 09:30:00"
    assert day_label(date(2026, 12, 3), "de") == "Do., 3. Dez."  # others keep short names


def test_date_and_time_uses_the_locales_own_glue() -> None:
    local = datetime(2026, 12, 3, 9, 30)
    assert date_and_time(local, "de") == "Donnerstag, 3. Dezember 2026, 09:30"
    assert date_and_time(local, "de", "long") == "3. Dezember 2026, 09:30"
    assert date_and_time(local, "fa", "long") == "3 دسامبر 2026، ساعت 9:30"


@pytest.mark.parametrize("lang", ["ru", "uk"])
def test_a_date_ending_a_sentence_gets_one_period(renderer: Renderer, lang: str) -> None:
    # No catalog entry: the English template ends with a period right after the date.
    text = renderer.text(Msg("Valid from {date}.", {"date": date(2026, 7, 1)}), lang)
    assert text.endswith(("г.", "р.")) and ".." not in text, text
    # A day with an abbreviated month ("Dez.") at the end of a sentence, too.
    de = renderer.text(Msg("Your course starts on {day}.", {"day": Day(MOMENT.date())}), "de")
    assert de == "Your course starts on Do., 3. Dez."


def test_end_sentences_keeps_other_periods() -> None:
    values = {"a": "1 июля 2026 г.", "b": "9:30", "c": "Dez."}
    template = "{a}. {b}. {c}... {{a}}."
    assert end_sentences(template, values.__getitem__) == "{a} {b}. {c}... {{a}}."


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("today", [date(2026, 6, 1), date(2026, 8, 1)])
def test_no_route_text_has_a_double_period(
    renderer: Renderer, content: Content, lang: str, today: date
) -> None:
    facts = fact_args(content)
    for route in content.routes.values():
        body = strip_controls(renderer.reply(route_reply(content, route, facts, today), lang).body)
        assert ".." not in body.replace("...", ""), (route.key, body)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_planned_date_is_not_rendered_as_future_once_passed(
    renderer: Renderer, content: Content, lang: str
) -> None:
    facts = fact_args(content)
    for route in content.routes.values():
        for note in route.notes:
            if note.until is None or note.after is None:
                continue
            due = facts[note.until]
            assert isinstance(due, date)
            eve = due - timedelta(days=1)
            before = renderer.reply(route_reply(content, route, facts, eve), lang)
            after = renderer.reply(route_reply(content, route, facts, due), lang)
            planned = renderer.message(Msg(note.text, facts), lang)
            was = renderer.message(Msg(note.after, facts), lang)
            assert planned in before.body and was not in before.body
            assert planned not in after.body and was in after.body


# ------------------------------------------------------------------------------- money


@pytest.mark.parametrize(
    ("lang", "cents", "whole"),
    [
        ("de", "2,29\xa0€", "458\xa0€"),
        ("en", "€2.29", "€458"),
        ("ru", "2,29\xa0€", "1\xa0603\xa0€"),
        ("tr", "€2,29", "€1.603"),
        ("uk", "2,29\xa0EUR", "458\xa0EUR"),
    ],
)
def test_money_follows_cldr_and_whole_amounts_have_no_cents(
    renderer: Renderer, lang: str, cents: str, whole: str
) -> None:
    assert renderer.value(Money(Decimal("2.29")), lang) == cents
    amount = Decimal("1603") if lang in ("ru", "tr") else Decimal("458")
    assert renderer.value(Money(amount), lang) == whole
    assert money(Decimal("2.5"), lang).count("5") == 1 and "50" in money(Decimal("2.5"), lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_money_facts_render_with_the_locales_currency_format(
    renderer: Renderer, content: Content, lang: str
) -> None:
    for key, value in fact_args(content).items():
        if isinstance(value, Money):
            shown = strip_controls(renderer.value(value, lang))
            assert "€" in shown or "EUR" in shown
            assert shown == strip_controls(money(value.amount, lang)), key
