"""FAQ: normalisation and transliteration, status and outdated translations, PO/CSV transfer,
and typed questions in the flows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.app.faq_transfer import TransferError, export, import_file
from bot.core.events import ChoiceIn, TextIn
from bot.core.faq.index import Decision, FaqIndex, script_of, shorten
from bot.core.faq.normalize import consonants, normalize, skeleton
from bot.core.faq.snapshot import FaqSnapshot
from bot.core.messages import Lines, Msg, Prose
from bot.flows.base import Ctx, Unanswered
from bot.flows.engine import handle
from bot.storage import faq as store
from bot.storage.db import Database
from tests.journey import walk

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Как записаться на курс?", "kak zapisatsya na kurs"),
        ("Скільки коштує курс", "skilky koshtuie kurs"),
        ("Wie viel kostet der Integrationskurs?", "wie viel kostet der integrationskurs"),
        ("Cât costă cursul?", "cat costa cursul"),
        ("Çocuk bakımı var mı", "cocuk bakimi var mi"),
    ],
)
def test_same_skeleton_for_scripts_accents_and_transliteration(a: str, b: str) -> None:
    assert skeleton(normalize(a)) == skeleton(normalize(b))


def test_arabic_and_persian_letter_variants_and_arabizi() -> None:
    assert normalize("كيف أسجل في الدورة؟") == normalize("کیف اسجل فی الدوره")
    assert consonants(skeleton(normalize("كم سعر"))) == consonants(skeleton(normalize("kam se3r")))
    assert normalize("Straße!!  ") == "strasse"


INDEX = FaqIndex(
    [
        ("course-cost", "de", "Was kostet der Integrationskurs?", False),
        ("course-cost", "ru", "Сколько стоит интеграционный курс?", False),
        ("course-cost", "de", "Kosten", True),
        ("placement-test", "de", "Was ist der Einstufungstest?", False),
        ("placement-test", "de", "Einstufungstest", True),
        ("childcare", "de", "Gibt es Kinderbetreuung während des Kurses?", False),
    ]
)


def test_decisions() -> None:
    assert INDEX.decide("skolko stoit integracionnyj kurs", "ru").slugs[0] == "course-cost"
    assert INDEX.decide("wann ist der einstufungstest", "de").kind in ("answer", "suggest")
    assert INDEX.decide("qwrtzp blorf vmxk", "de").kind == "none"
    from tests.test_faq_eval import shipped_index

    shipped = shipped_index()
    assert shipped.decide("skolko stoit integracionnyj kurs", "ru").slugs[0] == "course-cost"
    assert shipped.decide("wo kann ich eine SIM-Karte kaufen", "de").kind != "answer"
    # Russian typed by a German-language user (was answered with who-decides-eligibility).
    where = shipped.decide("где находится Ausländerbehörde адрес", "de")
    assert where.kind == "answer" and where.slugs == ("where-auslaenderbehoerde",)
    assert INDEX.rank("", "de") == []


def test_labels_are_cut_at_a_word_boundary_with_an_ellipsis() -> None:
    long = (
        "Ich bin seit drei Jahren in Deutschland, darf ich trotzdem noch einen Integrationskurs "
        "machen?"
    )
    index = FaqIndex([("late", "de", long, False), ("short", "de", "Was kostet der Kurs?", False)])
    label = index.title("late", "de")
    assert label == "Ich bin seit drei Jahren in…"
    assert len(label) <= 32 and long.startswith(label[:-1])
    assert index.title("short", "ru") == "Was kostet der Kurs?"  # German when no Russian
    assert index.title("nothing", "de") is None
    assert shorten("a" * 80) == "a" * 31 + "…"  # one very long word: cut inside it
    assert (
        shorten("Kurs (Integrationskurs) und noch etwas mehr Text", 30)
        == "Kurs (Integrationskurs) und…"
    )
    assert shorten("  Was   kostet\n der Kurs? ") == "Was kostet der Kurs?"


def test_a_question_in_another_script_than_the_users_language_still_matches() -> None:
    assert script_of("где находится Ausländerbehörde адрес") == "cyrillic"
    assert script_of("انا واخد Bürgergeld") == "arabic"
    assert script_of("kak zapisatsya") == "latin"
    index = FaqIndex(
        [
            ("course-cost", "de", "Was kostet der Integrationskurs?", False),
            ("course-cost", "ru", "Сколько стоит курс?", False),
            ("childcare", "de", "Gibt es Kinderbetreuung während des Kurses?", False),
            ("childcare", "ru", "Есть ли присмотр за детьми во время курса?", False),
        ]
    )
    decision = index.decide("сколько стоит курс", "de")
    assert decision.kind == "answer" and decision.slugs == ("course-cost",)
    # The Russian examples count as the user's own language here, not as a foreign one.
    question = "сколько стоит курс"
    assert index.rank(question, "de")[0][1] >= index.rank(question, "ru")[0][1]


def snapshot(**answers: str) -> FaqSnapshot:
    sources = {
        "course-cost": "Der Kurs kostet 2,29 € pro Unterrichtseinheit.",
        "placement-test": "Vor dem Kurs machen Sie einen Test.",
        "childcare": "Fragen Sie den Kursträger.",
    }
    return FaqSnapshot(
        INDEX,
        {
            (slug, "ru"): store.Answer(slug, "ru", text, slug == "placement-test", True)
            for slug, text in answers.items()
        },
        sources,
    )


def test_a_typed_question_is_answered_then_the_step_continues(ctx: Ctx) -> None:
    faq_ctx = replace(ctx, faq=snapshot(**{"course-cost": "Курс стоит 2,29 € за урок."}))
    at_status = walk(faq_ctx, "ru", "agree")
    out = handle(at_status.state, TextIn("сколько стоит курс интеграционный"), faq_ctx)
    assert out.state == at_status.state
    body = out.replies[0].body
    assert isinstance(body, Lines) and body.items == (Prose("Курс стоит 2,29 € за урок."),)
    assert out.replies[-1].options  # the status question again


def test_a_missing_translation_says_so_and_shows_german(ctx: Ctx) -> None:
    faq_ctx = replace(ctx, faq=snapshot())
    at_status = walk(faq_ctx, "ru", "agree")
    out = handle(at_status.state, TextIn("сколько стоит интеграционный курс"), faq_ctx)
    body = out.replies[0].body
    assert isinstance(body, Lines)
    assert isinstance(body.items[0], Msg) and "not translated" in body.items[0].msgid
    assert body.items[1] == Prose("Der Kurs kostet 2,29 € pro Unterrichtseinheit.")


def test_an_outdated_translation_is_shown_but_marked(ctx: Ctx) -> None:
    faq_ctx = replace(ctx, faq=snapshot(**{"placement-test": "Перед курсом — тест."}))
    at_status = walk(faq_ctx, "ru", "agree")
    out = handle(at_status.state, TextIn("einstufungstest"), faq_ctx)
    if out.replies[0].options:  # offered as a close match: choose it
        out = handle(out.state, ChoiceIn("faq:placement-test", out.state.version), faq_ctx)
    body = out.replies[0].body
    assert isinstance(body, Lines) and body.items[0] == Prose("Перед курсом — тест.")
    assert isinstance(body.items[1], Msg) and "out of date" in body.items[1].msgid


def test_unknown_questions_are_kept_without_identity_and_offer_a_person(ctx: Ctx) -> None:
    faq_ctx = replace(ctx, faq=snapshot(), counselling_available=True)
    at_status = walk(faq_ctx, "de", "agree")
    out = handle(at_status.state, TextIn("qwrtzp blorf vmxk"), faq_ctx)
    assert out.effects == (Unanswered("qwrtzp blorf vmxk"),)
    assert [o.key for o in out.replies[0].options] == ["faq:person"]
    person = handle(out.state, ChoiceIn("faq:person", out.state.version), faq_ctx)
    assert person.effects and type(person.effects[0]).__name__ == "OpenCase"


@pytest.fixture()
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    async with database.transaction() as session:
        for slug, text in (
            ("course-cost", "Der Kurs kostet 2,29 €."),
            ("childcare", "Fragen Sie nach Kinderbetreuung."),
        ):
            await _entry(session, slug, text)
        await store.set_answer(
            session, "course-cost", "uk", "Курс коштує 2,29 €.", NOW, machine=True
        )
    yield database
    await database.dispose()


async def _entry(session, slug: str, text: str) -> None:  # type: ignore[no-untyped-def]
    from bot.storage.models import FaqEntryRow

    session.add(
        FaqEntryRow(
            slug=slug,
            category="costs",
            source="test",
            as_of=NOW.date(),
            confirmed=True,
            source_text=text,
            source_hash=store.text_hash(text),
            updated_at=NOW,
        )
    )
    await session.flush()


async def test_status_and_a_source_change_makes_translations_outdated(db: Database) -> None:
    async with db.sessions() as session:
        matrix = await store.status(session, ("de", "uk", "ar"))
    assert matrix["course-cost"] == {"de": "current", "uk": "machine", "ar": "missing"}
    async with db.transaction() as session:
        outdated = await store.set_answer(
            session, "course-cost", "de", "Der Kurs kostet 2,29 € pro Einheit.", NOW
        )
    assert outdated == ["uk"]
    async with db.sessions() as session:
        assert (await store.status(session, ("uk",)))["course-cost"]["uk"] == "outdated"
        snap = await store.snapshot(session)
    answer = snap.answer("course-cost", "uk")
    assert answer is not None and answer.outdated  # still shown, but marked


async def test_bad_answers_are_refused(db: Database) -> None:
    async with db.transaction() as session:
        for text, problem in (
            ("", "empty"),
            ("x" * 5000, "4096"),
            ("<b>fett</b>", "HTML"),
            ("Preis {price}", "placeholders"),
        ):
            with pytest.raises(store.FaqError, match=problem):
                await store.set_answer(session, "course-cost", "uk", text, NOW)


async def test_po_and_csv_round_trip_and_all_or_nothing_import(
    db: Database, tmp_path: Path
) -> None:
    written = await export(db, tmp_path, "po", ("de", "uk"))
    assert [p.name for p in written] == ["faq-uk.po"]
    with written[0].open("rb") as fh:
        catalog = read_po(fh)
    entry = catalog.get("Der Kurs kostet 2,29 €.", context="course-cost")
    assert entry is not None and entry.string == "Курс коштує 2,29 €." and "machine" in entry.flags
    # A translator fills in childcare and reviews course-cost (no machine flag any more).
    catalog.get(
        "Fragen Sie nach Kinderbetreuung.", context="childcare"
    ).string = "Запитайте про догляд за дітьми."
    entry.flags.discard("machine")
    from babel.messages.pofile import write_po

    with written[0].open("wb") as fh:
        write_po(fh, catalog)
    print(await import_file(db, written[0], NOW))
    async with db.sessions() as session:
        assert (await store.status(session, ("uk",))) == {
            "childcare": {"uk": "current"},
            "course-cost": {"uk": "current"},
        }
    # One bad row: nothing is imported, every problem has its line.
    bad = tmp_path / "faq-bad.csv"
    import csv

    with bad.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["slug", "lang", "source_de", "answer", "machine"])
        writer.writerow(
            ["childcare", "uk", "Fragen Sie nach Kinderbetreuung.", "Нова відповідь", "no"]
        )
        writer.writerow(["nothing", "uk", "x", "y", "no"])
        writer.writerow(["course-cost", "uk", "Der Kurs kostet 2,29 €.", "<i>html</i>", "no"])
    with pytest.raises(TransferError) as info:
        await import_file(db, bad, NOW)
    assert any("line 3" in e and "unknown entry" in e for e in info.value.errors)
    assert any("line 4" in e for e in info.value.errors)
    async with db.sessions() as session:
        snap = await store.snapshot(session)
    assert snap.answer("childcare", "uk").text == "Запитайте про догляд за дітьми."  # type: ignore[union-attr]


class _Unsure:
    """A matcher that is never sure: every question gets "did you mean"."""

    def decide(self, question: str, lang: str) -> Decision:
        return Decision("suggest", ("course-cost", "childcare"), 0.3)

    def title(self, slug: str, lang: str, limit: int | None = 32) -> str:
        return slug


@pytest.mark.parametrize("consent", [True, False])
def test_none_of_these_keeps_the_question_for_the_admins(ctx: Ctx, consent: bool) -> None:
    faq_ctx = replace(ctx, faq=replace(snapshot(), matcher=_Unsure()))
    at_status = walk(faq_ctx, "ru", "agree") if consent else walk(faq_ctx, "ru")
    asked = handle(at_status.state, TextIn("можно ли взять собаку на курс"), faq_ctx)
    assert [o.key for o in asked.replies[-1].options][-1] == "faq:none"
    none = handle(asked.state, ChoiceIn("faq:none", asked.state.version), faq_ctx)
    # With consent the question waited in the state; without, nothing personal was saved.
    expected = (Unanswered("можно ли взять собаку на курс"),) if consent else ()
    assert none.effects == expected
    assert "asked" not in none.state.answers


@pytest.mark.parametrize("lang", ["de-x-es", "prs", "ti"])
async def test_po_files_of_languages_without_their_own_cldr_locale_round_trip(
    db: Database, tmp_path: Path, lang: str
) -> None:
    (written,) = await export(db, tmp_path, "po", (lang,))
    assert written.name == f"faq-{lang}.po"
    with written.open("rb") as fh:
        catalog = read_po(fh)
    catalog.get("Fragen Sie nach Kinderbetreuung.", context="childcare").string = "Text 1."
    from babel.messages.pofile import write_po

    with written.open("wb") as fh:
        write_po(fh, catalog)
    await import_file(db, written, NOW)
    async with db.sessions() as session:
        snap = await store.snapshot(session)
    assert snap.answer("childcare", lang).text == "Text 1."  # type: ignore[union-attr]
    assert snap.answer("childcare", "de").text == "Fragen Sie nach Kinderbetreuung."  # type: ignore[union-attr]
