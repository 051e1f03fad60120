"""Catalogs complete and consistent; per-locale formatting; right-to-left rendering."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from gettext import c2py
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.content.parse import CONTENT_ROOT
from bot.core.messages import Lines, Money, Msg, Named, Term, counted
from bot.i18n.bidi import FSI, LRI, PDI, RLM, isolate_latin, strip_controls
from bot.i18n.catalogs import (
    LANGUAGES,
    PACK_DOMAIN,
    SOURCE_LANGUAGE,
    Catalogs,
    cldr_locale,
    pack_locales,
    po_path,
    suggest_language,
)
from bot.i18n.extract import build_pack_template, build_template
from bot.i18n.render import Renderer

TRANSLATED = [lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE]
PLACEHOLDER = re.compile(r"\{(\w*)\}")


# The code's catalogs and the content pack's own.
PACK = CONTENT_ROOT / "stuttgart"
DOMAINS = ("code", "pack")


def _path(lang: str, which: str = "code") -> Path:
    if which == "pack":
        return po_path(lang, pack_locales(PACK), PACK_DOMAIN)
    return po_path(lang)


def _catalog(lang: str, which: str = "code"):  # type: ignore[no-untyped-def]
    with _path(lang, which).open("rb") as fh:
        return read_po(fh, locale=cldr_locale(lang), abort_invalid=True)


@pytest.fixture(scope="module")
def templates():  # type: ignore[no-untyped-def]
    return {"code": build_template(), "pack": build_pack_template(PACK)}


@pytest.mark.parametrize("which", DOMAINS)
@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalog_has_every_message_translated(lang: str, which: str, templates) -> None:  # type: ignore[no-untyped-def]
    template = templates[which]
    catalog = _catalog(lang, which)
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    have = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}
    missing = sorted(wanted - set(have))
    assert not missing, f"{lang}: not in catalog (run `make i18n`): {missing[:5]}"
    untranslated = [
        k
        for k in wanted
        if not all(have[k].string if isinstance(have[k].string, tuple) else (have[k].string,))
    ]
    assert not untranslated, f"{lang}: untranslated: {untranslated[:5]}"
    outdated = [k for k in wanted if have[k].fuzzy]
    assert not outdated, f"{lang}: outdated (fuzzy): {outdated[:5]}"


@pytest.mark.parametrize("which", DOMAINS)
@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_source_text_copied_as_translation(lang: str, which: str) -> None:
    for message in _catalog(lang, which):
        if not message.id or isinstance(message.id, tuple):
            continue
        words = re.sub(r"\{\w*\}|[\W\d_]", "", message.id)
        if len(words) > 12:
            assert message.string != message.id, f"{lang}: copied: {message.id[:60]}"


@pytest.mark.parametrize("which", DOMAINS)
@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_are_identical(lang: str, which: str) -> None:
    for message in _catalog(lang, which):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            want = set(PLACEHOLDER.findall(message.id[0])) | set(PLACEHOLDER.findall(message.id[1]))
            for form in message.string:
                # A plural form may spell the number as a word ("one"), dropping {n}.
                assert set(PLACEHOLDER.findall(form)) <= want, f"{lang}: {message.id[0]}"
        else:
            got = set(PLACEHOLDER.findall(message.string))
            assert got == set(PLACEHOLDER.findall(message.id)), f"{lang}: {message.id[:60]}"


@pytest.mark.parametrize("which", DOMAINS)
@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalog_compiles_with_cldr_plural_forms(lang: str, which: str) -> None:
    catalog = _catalog(lang, which)
    write_mo(io.BytesIO(), catalog)  # raises on a broken catalog
    cldr = get_plural(cldr_locale(lang))
    # The same rule may be written differently by another Babel release: compare what the
    # two rules answer, not how they are spelled.
    assert catalog.num_plurals == cldr.num_plurals
    ours, theirs = c2py(catalog.plural_expr), c2py(cldr.plural_expr)
    assert [ours(n) for n in range(1001)] == [theirs(n) for n in range(1001)], lang
    for message in catalog:
        if isinstance(message.id, tuple) and message.id[0]:
            assert len(message.string) == catalog.num_plurals, f"{lang}: {message.id[0]}"


@pytest.mark.parametrize("which", DOMAINS)
@pytest.mark.parametrize("lang", TRANSLATED)
def test_machine_translations_are_marked_for_review(lang: str, which: str) -> None:
    catalog = _catalog(lang, which)
    flagged = [m for m in catalog if m.id and "unreviewed" in m.flags]
    # Marked entries are shown (they are not fuzzy) but admins see them in `bot i18n status`.
    assert all(not m.fuzzy for m in flagged)


def test_plural_forms_follow_the_language(catalogs: Catalogs) -> None:
    renderer = Renderer(catalogs)
    one = "A general integration course has {n} teaching unit."
    many = "A general integration course has {n} teaching units."
    uk = [renderer.message(counted(one, many, n), "uk") for n in (1, 3, 5)]
    assert len(set(uk)) == 3, uk  # Ukrainian: one, few, many
    assert renderer.message(counted(one, many, 1), "en").endswith("unit.")
    assert renderer.message(counted(one, many, 700), "en").endswith("units.")


def test_dates_money_and_numbers_follow_the_locale(catalogs: Catalogs) -> None:
    renderer = Renderer(catalogs)
    day = date(2026, 2, 9)
    assert renderer.value(day, "de") == "9. Februar 2026"
    assert renderer.value(day, "en") == "February 9, 2026"
    assert "лютого" in renderer.value(day, "uk")
    assert renderer.value(Money(Decimal("2.29")), "de") == "2,29\xa0€"
    assert renderer.value(1603, "de") == "1.603"
    assert renderer.value(1603, "en") == "1,603"


def test_named_shows_official_term_in_german_and_both_elsewhere(catalogs: Catalogs) -> None:
    renderer = Renderer(catalogs)
    named = Named("foreigners authority", "Ausländerbehörde Stuttgart")
    assert renderer.value(named, "de") == "Ausländerbehörde Stuttgart"
    assert renderer.value(named, "en") == "foreigners authority (Ausländerbehörde Stuttgart)"
    tr = renderer.value(named, "tr")
    assert "Ausländerbehörde Stuttgart" in tr and "foreigners authority" not in tr


@pytest.mark.parametrize("lang", ["ar", "fa", "prs", "ps"])
def test_rtl_lines_start_right_to_left_and_values_are_isolated(
    lang: str, catalogs: Catalogs
) -> None:
    renderer = Renderer(catalogs)
    text = renderer.text(
        Lines(
            (
                Msg("Legal basis: {basis}", {"basis": Term("§ 44 (4) AufenthG")}),
                Msg("Information as of {date}.", {"date": date(2026, 2, 10)}),
                Msg("your residence permit (Aufenthaltstitel)"),
            ),
            bullet=True,
        ),
        lang,
    )
    for line in text.split("\n"):
        assert line.startswith(RLM), repr(line)
    assert f"{FSI}§ 44 (4) AufenthG{PDI}" in text
    # The German term a translator kept in brackets is a left-to-right island.
    assert f"{LRI}Aufenthaltstitel{PDI}" in text
    assert "AufenthG" in strip_controls(text)


def test_isolate_latin_keeps_placeholders_and_commands_whole() -> None:
    assert isolate_latin("مرحبا {name} Jobcenter") == f"مرحبا {{name}} {LRI}Jobcenter{PDI}"
    assert isolate_latin("أرسلوا /start الآن") == f"أرسلوا {LRI}/start{PDI} الآن"


def test_ltr_languages_get_no_direction_marks(catalogs: Catalogs) -> None:
    renderer = Renderer(catalogs)
    text = renderer.text(Msg("Legal basis: {basis}", {"basis": Term("§ 44 AufenthG")}), "de")
    assert text == strip_controls(text)


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        ("uk", "uk"),
        ("ru", "ru"),
        ("en-US", "en"),
        ("de-AT", "de"),
        ("fa-IR", "fa"),
        ("ar", "ar"),
        ("pt-br", None),
        (None, None),
        ("", None),
    ],
)
def test_language_suggested_from_client(client: str | None, expected: str | None) -> None:
    assert suggest_language(client) == expected
