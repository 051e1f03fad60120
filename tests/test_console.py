"""The web console over HTTP (no browser): sign-in links, sessions, CSRF and origin checks,
editing and reviewing FAQ answers with history, unanswered questions, audit."""

from __future__ import annotations

import html
import io
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from bot.app.console import ConsoleAccess
from bot.app.conversation import Wegweiser
from bot.channels.console.web import COOKIE, console_routes
from bot.runtime.web import web_app
from bot.storage import faq as faq_store
from bot.storage.db import Database
from bot.storage.models import AuditRow, BookingRow, CourseRow, FaqTextRow
from tests.conftest import FIXED_NOW, settings_for

URL = "https://console.example.org"
# Pages and checks that store nothing new run on SQLite only; what the database must do
# (single-use links, rolled-back previews, overrides, statistics) runs on both.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


class Clock:
    def __init__(self) -> None:
        self.now = FIXED_NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture()
async def core(db_url: str) -> AsyncIterator[tuple[Wegweiser, Clock]]:
    clock = Clock()
    core = Wegweiser(settings_for(db_url, CONSOLE_URL=URL), Database(db_url), clock=clock)
    await core.load_content()
    yield core, clock
    await core.db.dispose()


def client(core: Wegweiser) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=web_app(console_routes(core)))
    return httpx.AsyncClient(transport=transport, base_url=URL, headers={"Origin": URL})


async def signed_in(core: Wegweiser, http: httpx.AsyncClient, role: str = "admin") -> str:
    """Sign in through a link; returns the page's CSRF token."""
    token = await ConsoleAccess(core.db, core.clock).issue_link(42, role)  # type: ignore[arg-type]
    response = await http.post("/console/signin", data={"token": token})
    assert response.status_code == 303
    page = await http.get("/console/")
    assert page.status_code == 200
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


async def test_a_link_signs_in_once_and_sets_a_safe_cookie(core) -> None:  # type: ignore[no-untyped-def]
    bot, _clock = core
    token = await ConsoleAccess(bot.db, bot.clock).issue_link(42, "admin")
    async with client(bot) as http:
        form = await http.get(f"/console/signin?token={token}")  # a link preview fetches this
        assert form.status_code == 200 and token in form.text
        assert form.headers["referrer-policy"] == "same-origin"
        assert "frame-ancestors 'none'" in form.headers["content-security-policy"]
        first = await http.post("/console/signin", data={"token": token})
        assert first.status_code == 303 and first.headers["location"] == "/console/"
        cookie = first.headers["set-cookie"].lower()
        for flag in ("httponly", "secure", "samesite=lax", "path=/console", "max-age=28800"):
            assert flag in cookie
        async with client(bot) as other:
            again = await other.post("/console/signin", data={"token": token})
            assert again.status_code == 401 and COOKIE not in again.headers.get("set-cookie", "")


async def test_a_link_expires_after_ten_minutes_and_a_session_after_eight_hours(core) -> None:  # type: ignore[no-untyped-def]
    bot, clock = core
    token = await ConsoleAccess(bot.db, bot.clock).issue_link(42, "admin")
    clock.now += timedelta(minutes=10, seconds=1)
    async with client(bot) as http:
        assert (await http.post("/console/signin", data={"token": token})).status_code == 401
        await signed_in(bot, http)
        clock.now += timedelta(hours=8, seconds=1)
        assert (await http.get("/console/")).status_code == 401


@SQLITE_ONLY
async def test_without_a_session_every_page_asks_to_sign_in(core) -> None:  # type: ignore[no-untyped-def]
    bot, _clock = core
    async with client(bot) as http:
        for path in ("/console/", "/console/faq/course-cost/ar", "/console/unanswered"):
            response = await http.get(path)
            assert response.status_code == 401 and "/console" in response.text
        forged = await http.post("/console/faq/course-cost/ar", data={"answer": "x", "csrf": "x"})
        assert forged.status_code == 401


@SQLITE_ONLY
async def test_posts_need_the_csrf_token_and_the_consoles_origin(core) -> None:  # type: ignore[no-untyped-def]
    bot, _clock = core
    async with client(bot) as http:
        csrf = await signed_in(bot, http)
        path = "/console/faq/course-cost/ar"
        wrong = await http.post(path, data={"answer": "نص", "csrf": "wrong", "action": "save"})
        assert wrong.status_code == 403
        elsewhere = await http.post(
            path,
            data={"answer": "نص", "csrf": csrf, "action": "save"},
            headers={"Origin": "https://evil.example"},
        )
        assert elsewhere.status_code == 403
    async with bot.db.sessions() as session:
        row = await session.get(FaqTextRow, ("course-cost", "ar"))
        assert row is not None and row.answer != "نص"


async def test_a_saved_answer_is_used_by_the_bot_at_once_with_history_and_audit(core) -> None:  # type: ignore[no-untyped-def]
    bot, _clock = core
    await bot.reload_faq()
    new = "يكلف الدرس 2.29 يورو. اسألوا مركز الاستشارة."
    async with client(bot) as http:
        csrf = await signed_in(bot, http)
        saved = await http.post(
            "/console/faq/course-cost/ar", data={"answer": new, "csrf": csrf, "action": "save"}
        )
        assert saved.status_code == 303
        page = await http.get(saved.headers["location"])
        assert new in page.text and 'dir="rtl"' in page.text
        assert "saved" in page.text  # the history line
    assert bot.faq is not None
    answer = bot.faq.answer("course-cost", "ar")
    assert answer is not None and answer.text == new and not answer.machine
    async with bot.db.sessions() as session:
        actions = (await session.execute(select(AuditRow.action))).scalars().all()
    assert {"console_link", "console_sign_in", "faq_set"} <= set(actions)


@SQLITE_ONLY
async def test_bad_answers_are_refused_with_the_reason_and_the_draft_kept(core) -> None:  # type: ignore[no-untyped-def]
    bot, _clock = core
    async with client(bot) as http:
        csrf = await signed_in(bot, http)
        for bad, reason in (("<b>bold</b>", "HTML"), ("", "empty"), ("x" * 4097, "4096")):
            response = await http.post(
                "/console/faq/course-cost/tr", data={"answer": bad, "csrf": csrf}
            )
            assert response.status_code == 400 and reason in response.text
        assert (await http.get("/console/faq/no-such-entry/tr")).status_code == 404
        assert (await http.get("/console/faq/course-cost/xx")).status_code == 404


async def test_mark_reviewed_keeps_the_text_and_counts_as_reviewed(core) -> None:  # type: ignore[no-untyped-def]
    bot, _clock = core
    async with client(bot) as http:
        csrf = await signed_in(bot, http)
        before = await http.get("/console/")
        assert "0 %" in before.text
        response = await http.post(
            "/console/faq/childcare/uk", data={"csrf": csrf, "action": "review"}
        )
        assert response.status_code == 303
        matrix = await http.get("/console/?state=current")
        assert "childcare" in matrix.text
    async with bot.db.sessions() as session:
        row = await session.get(FaqTextRow, ("childcare", "uk"))
        assert row is not None and not row.machine


@SQLITE_ONLY
async def test_an_unanswered_question_becomes_an_example_the_bot_then_knows(core) -> None:  # type: ignore[no-untyped-def]
    bot, _clock = core
    question = "Kann ich mein Baby in den Kurs mitbringen?"
    await bot.reload_faq()
    assert bot.faq is not None and bot.faq.index.rank(question, "de")[0][0] != "childcare"
    async with bot.db.transaction() as session:
        await faq_store.remember_unanswered(session, "de", question, FIXED_NOW, None)
    async with client(bot) as http:
        csrf = await signed_in(bot, http)
        page = await http.get("/console/unanswered")
        assert question in page.text
        qid = re.search(r'action="/console/unanswered/(\d+)"', page.text)
        assert qid
        done = await http.post(
            f"/console/unanswered/{qid.group(1)}",
            data={"csrf": csrf, "action": "assign", "slug": "childcare"},
        )
        assert done.status_code == 303
        assert question not in (await http.get("/console/unanswered")).text
    assert bot.faq is not None
    assert bot.faq.index.rank(question, "de")[0][0] == "childcare"
    assert bot.faq.index.decide(question, "de").slugs[0] == "childcare"


@SQLITE_ONLY
async def test_sign_out_ends_the_session(core) -> None:  # type: ignore[no-untyped-def]
    bot, _clock = core
    async with client(bot) as http:
        csrf = await signed_in(bot, http)
        assert (await http.post("/console/signout", data={"csrf": csrf})).status_code == 200
        assert (await http.get("/console/")).status_code == 401


@SQLITE_ONLY
async def test_the_console_speaks_german_or_english(core) -> None:  # type: ignore[no-untyped-def]
    bot, _clock = core
    async with client(bot) as http:
        await signed_in(bot, http)
        german = await http.get("/console/", headers={"Accept-Language": "de-DE,de;q=0.9"})
        assert "FAQ-Übersetzungen" in german.text and '<html lang="de">' in german.text
        english = await http.get("/console/", headers={"Accept-Language": "en-GB"})
        assert "FAQ translations" in english.text
        switched = await http.get("/console/ui/en?back=/console/unanswered")
        assert switched.headers["location"] == "/console/unanswered"
        assert "FAQ translations" in (await http.get("/console/")).text
        outside = await http.get("/console/ui/de?back=https://evil.example/")
        assert outside.headers["location"] == "/console/"
        for path in (
            "/console/",
            "/console/unanswered",
            "/console/facts",
            "/console/stats",
            "/console/appointments",
            "/console/courses",
            "/console/faq/childcare/ar",
        ):
            title = re.search(r"<title>(.*?)</title>", (await http.get(path)).text, re.S)
            assert title and "<" not in title.group(1) and len(title.group(1)) < 80, path


SAMPLE_PLAN = (
    Path(__file__).resolve().parents[1] / "bot/content/packs/stuttgart/courses.sample.csv"
).read_text(encoding="utf-8")


async def test_a_course_plan_is_previewed_without_saving_then_applied(core) -> None:  # type: ignore[no-untyped-def]
    bot, _clock = core
    async with client(bot) as http:
        csrf = await signed_in(bot, http)
        files = {"plan": ("provider.csv", SAMPLE_PLAN.encode(), "text/csv")}
        preview = await http.post(
            "/console/courses", data={"csrf": csrf, "action": "preview"}, files=files
        )
        assert preview.status_code == 200 and "provider.csv" in preview.text
        lines = SAMPLE_PLAN.strip().count("\n")
        assert re.search(rf"<td>{lines}</td>", preview.text)  # courses in the file, all new
        async with bot.db.sessions() as session:
            assert not (await session.execute(select(CourseRow))).scalars().all()
        text = re.search(r'<textarea name="text" hidden>(.*?)</textarea>', preview.text, re.S)
        assert text
        applied = await http.post(
            "/console/courses",
            data={"csrf": csrf, "action": "apply", "source": "provider.csv",
                  "text": html.unescape(text.group(1))},
        )  # fmt: skip
        assert applied.status_code == 200
    async with bot.db.sessions() as session:
        assert len((await session.execute(select(CourseRow))).scalars().all()) == lines
        actions = (await session.execute(select(AuditRow.action))).scalars().all()
    assert "courses_import" in actions


@SQLITE_ONLY
async def test_a_bad_course_plan_names_every_problem_and_changes_nothing(core) -> None:  # type: ignore[no-untyped-def]
    bot, _clock = core
    broken = SAMPLE_PLAN.replace(",", ";", 3)
    async with client(bot) as http:
        csrf = await signed_in(bot, http)
        for body, reason in ((broken.encode(), "line"), (b"\xff\xfe\x00bad", "UTF-8")):
            response = await http.post(
                "/console/courses",
                data={"csrf": csrf, "action": "apply"},
                files={"plan": ("x.csv", body, "text/csv")},
            )
            assert response.status_code == 400 and reason in response.text
    async with bot.db.sessions() as session:
        assert not (await session.execute(select(CourseRow))).scalars().all()


@SQLITE_ONLY
async def test_counsellors_cannot_open_admin_pages(core) -> None:  # type: ignore[no-untyped-def]
    bot, _clock = core
    async with client(bot) as http:
        await signed_in(bot, http, role="counsellor")
        assert (await http.get("/console/courses")).status_code == 403
        assert (await http.get("/console/facts")).status_code == 403
        assert (await http.get("/console/")).status_code == 200


async def test_a_fact_is_confirmed_and_the_bot_uses_it_at_once_and_after_a_restart(core) -> None:  # type: ignore[no-untyped-def]
    bot, _clock = core
    path = "point.jmd.address"
    assert not bot.content.points["jmd"].details["address"].provenance.confirmed
    async with client(bot) as http:
        csrf = await signed_in(bot, http)
        listing = await http.get("/console/facts")
        assert listing.text.index("point.jmd.address") < listing.text.index("fact.cost_per_unit")
        form = {
            "csrf": csrf,
            "value": "Hohenheimer Straße 1, 70184 Stuttgart",
            "source": "jmd-stuttgart.de, checked by phone",
            "as_of": "2026-11-20",
            "confirmed": "yes",
        }
        saved = await http.post(f"/console/facts/{path}", data=form)
        assert saved.status_code == 303
        page = await http.get(saved.headers["location"])
        assert "jmd-stuttgart.de, checked by phone" in page.text
        for bad, reason in (({"as_of": "2099-01-01"}, "future"), ({"as_of": "soon"}, "date")):
            refused = await http.post(f"/console/facts/{path}", data={**form, **bad})
            assert refused.status_code == 400 and reason in refused.text
    detail = bot.content.points["jmd"].details["address"]
    assert detail.value.startswith("Hohenheimer") and detail.provenance.confirmed
    await bot.load_content()  # a restart loads the files again: the change stays
    assert bot.content.points["jmd"].details["address"].provenance.confirmed


def test_the_console_catalog_is_complete_in_german() -> None:
    from babel.messages.pofile import read_po

    from bot.i18n.catalogs import po_path
    from bot.i18n.extract import CONSOLE_DOMAIN, build_console_template

    wanted = {m.id for m in build_console_template() if m.id}
    assert len(wanted) > 50  # the extractor still finds the templates' texts
    with po_path("de", domain=CONSOLE_DOMAIN).open("rb") as fh:
        catalog = {m.id: m for m in read_po(fh, locale="de") if m.id}
    assert wanted <= set(catalog), sorted(wanted - set(catalog))[:5]
    for msgid in wanted:
        message = catalog[msgid]
        assert message.string and not message.fuzzy, msgid
        names = re.findall(r"%\((\w+)\)s", str(msgid))
        assert sorted(re.findall(r"%\((\w+)\)s", str(message.string))) == sorted(names), msgid


@SQLITE_ONLY
async def test_the_desk_sees_the_days_bookings_and_admins_close_a_day(core) -> None:  # type: ignore[no-untyped-def]
    from bot.core.events import CommandIn
    from tests.support.people import tg
    from tests.test_privacy import option, press

    bot, _clock = core
    user = 7301999
    await bot.handle(tg(user), CommandIn("start"))
    for key in ("uk", "agree", "new_arrival", "no", "27_plus", "book", "mbe"):
        answer = await press(bot, user, key)
    day_key = option(answer, "d")
    booked = await press(bot, user, option(await press(bot, user, day_key), "s"))
    assert booked.step == "booked"
    async with bot.db.sessions() as session:
        booking = (await session.execute(select(BookingRow))).scalars().one()
    day = booking.starts_at.astimezone(ZoneInfo("Europe/Berlin")).date()
    async with client(bot) as http:
        csrf = await signed_in(bot, http, role="counsellor")
        page = await http.get(f"/console/appointments?day={day.isoformat()}")
        assert page.status_code == 200
        assert "Українська" in page.text and "active" in page.text
        assert str(user) not in page.text  # no one's identity, only case numbers
        refused = await http.post(
            "/console/appointments",
            data={"csrf": csrf, "action": "close", "point": "mbe", "day": day.isoformat()},
        )
        assert refused.status_code == 403
    async with client(bot) as http:
        csrf = await signed_in(bot, http)
        closed = await http.post(
            "/console/appointments",
            data={"csrf": csrf, "action": "close", "point": "mbe", "day": day.isoformat(),
                  "reason": "Teamtag"},
        )  # fmt: skip
        assert closed.status_code == 303
        page = await http.get(f"/console/appointments?day={day.isoformat()}")
        assert "Teamtag" in page.text
        bad = await http.post(
            "/console/appointments",
            data={"csrf": csrf, "action": "capacity", "point": "mbe", "capacity": "500"},
        )
        assert bad.status_code == 400 and "0 to 50" in bad.text


async def test_statistics_count_without_ids_hide_small_numbers_and_survive_delete(core) -> None:  # type: ignore[no-untyped-def]
    from bot.core.events import CommandIn
    from bot.storage.models import StatsEventRow
    from tests.support.people import tg
    from tests.test_privacy import press

    bot, _clock = core
    people = [7302000 + n for n in range(6)]
    for user in people:
        await bot.handle(tg(user), CommandIn("start"))
        for key in ("ar", "agree", "new_arrival", "no", "27_plus"):
            await press(bot, user, key)
    await bot.handle(tg(people[0]), CommandIn("delete"))
    await press(bot, people[0], "yes")  # erased: the counts stay
    assert {c.name for c in StatsEventRow.__table__.columns} == {
        "id",
        "at",
        "kind",
        "lang",
        "detail",
    }
    async with client(bot) as http:
        await signed_in(bot, http)
        page = await http.get("/console/stats")
        assert page.status_code == 200 and "<svg" in page.text
        table = (await http.get("/console/stats.csv")).text.splitlines()
        header = table[0].split(",")
        row = dict(zip(header, table[-1].split(","), strict=True))
        assert row["start"] == "6" and row["consent"] == "6" and row["route"] == "6"
        assert row["booking"] == "<5"  # nobody booked: no cell is ever shown under 5
        assert "new_arrival" in page.text and "العربية" in page.text
    async with client(bot) as http:
        await signed_in(bot, http, role="counsellor")
        assert (await http.get("/console/stats")).status_code == 403


@SQLITE_ONLY
async def test_a_translator_downloads_a_language_and_uploads_it_back(core) -> None:  # type: ignore[no-untyped-def]
    from babel.messages.pofile import read_po, write_po

    bot, _clock = core
    async with client(bot) as http:
        csrf = await signed_in(bot, http, role="counsellor")
        got = await http.get("/console/faq/download?lang=ps&format=po")
        assert got.status_code == 200
        assert 'filename="faq-ps.po"' in got.headers["content-disposition"]
        catalog = read_po(io.BytesIO(got.content))
        entry = next(m for m in catalog if m.context == "childcare")
        entry.string, entry.flags = "نوی ځواب.", set()
        out = io.BytesIO()
        write_po(out, catalog)
        files = {"file": ("faq-ps.po", out.getvalue(), "text/x-gettext-translation")}
        done = await http.post("/console/faq/upload", data={"csrf": csrf}, files=files)
        assert done.status_code == 303
        bad = {"file": ("faq-ps.csv", b"slug,lang\nx,ps\n", "text/csv")}
        refused = await http.post("/console/faq/upload", data={"csrf": csrf}, files=bad)
        assert refused.status_code == 400 and "missing columns" in refused.text
        assert (await http.get("/console/faq/download?lang=xx")).status_code == 404
    assert bot.faq is not None
    answer = bot.faq.answer("childcare", "ps")
    assert answer is not None and answer.text == "نوی ځواب." and not answer.machine


@SQLITE_ONLY
async def test_an_admin_turns_an_unanswered_question_into_a_new_entry(core) -> None:  # type: ignore[no-untyped-def]
    bot, _clock = core
    question = "Darf ich meinen Hund in den Kurs mitbringen?"
    async with bot.db.transaction() as session:
        await faq_store.remember_unanswered(session, "de", question, FIXED_NOW, None)
    form = {
        "action": "new",
        "new_slug": "pets",
        "category": "courses",
        "answer_de": "Fragen Sie Ihren Kursträger. Meist sind Tiere nicht erlaubt.",
    }
    async with client(bot) as http:
        csrf = await signed_in(bot, http, role="counsellor")
        page = await http.get("/console/unanswered")
        qid = re.search(r'action="/console/unanswered/(\d+)"', page.text)
        assert qid and "New entry" not in page.text
        path = f"/console/unanswered/{qid.group(1)}"
        assert (await http.post(path, data={"csrf": csrf, **form})).status_code == 403
    async with client(bot) as http:
        csrf = await signed_in(bot, http)
        taken = await http.post(path, data={"csrf": csrf, **form, "new_slug": "childcare"})
        assert taken.status_code == 400 and "exists already" in taken.text
        assert (await http.post(path, data={"csrf": csrf, **form})).status_code == 303
        matrix = await http.get("/console/?state=missing")
        assert "pets" in matrix.text
    assert bot.faq is not None and bot.faq.index.decide(question, "de").slugs[0] == "pets"


@SQLITE_ONLY
async def test_course_wishes_are_set_against_the_courses_on_offer(core) -> None:  # type: ignore[no-untyped-def]
    from bot.app.course_plans import CoursePlans
    from bot.app.stats import Statistics, Wish, record

    bot, _clock = core
    await CoursePlans(bot.db, bot.clock, bot.catalogue).apply(1, "admin", SAMPLE_PLAN, "s.csv")
    async with bot.db.transaction() as session:
        await record(session, FIXED_NOW, [("wish", "Stuttgart-Mitte/morning/None")] * 6, "ar")
        await record(session, FIXED_NOW, [("wish", "Bad Cannstatt/evening/True")] * 2, "uk")
    wishes = await Statistics(bot.db, bot.clock, "Europe/Berlin").wishes()
    first, second = wishes
    assert first.district == "Stuttgart-Mitte" and first.wishes == 6 and first.offered >= 1
    assert second == Wish("Bad Cannstatt", "evening", "True", None, 0)  # under 5: not shown
    async with client(bot) as http:
        await signed_in(bot, http)
        page = await http.get("/console/stats")
    assert "Bad Cannstatt" in page.text and "&lt; 5" in page.text
