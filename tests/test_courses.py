"""Course catalogue: CSV checks, import idempotence and change detection, matching, quiet hours."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app.courses import Catalogue, ReminderPlan
from bot.core.courses.csvfile import CourseFileError, read_courses
from bot.core.courses.matching import CourseView, Filters, eligible_types, find
from bot.core.rules.timing import QuietHours, not_at_night
from bot.storage.db import Database
from bot.storage.models import CourseRow, OutboxRow
from tests.conftest import sample_courses
from tests.support.people import person

SAMPLE = Path(__file__).resolve().parents[1] / "bot/content/packs/stuttgart/courses.sample.csv"
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
HEADER = (
    "provider;code;type;level;start;end;weekdays;time_from;time_to;address;district;lat;lon;"
    "target_group;childcare;free_places;registration;status"
)
GOOD = "P;C1;general;A1;2027-01-04;2027-06-30;Mo-Fr;09:00;12:00;Weg 1;Mitte;48.7;9.1;;nein;3;Tel;"


def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def test_the_sample_file_is_valid() -> None:
    courses = read_courses(sample_text())
    assert len(courses) == 7
    assert {c.type for c in courses} >= {
        "general",
        "youth",
        "women",
        "literacy",
        "mama_lernt_deutsch",
    }
    women = next(c for c in courses if c.code == "FK-2026-12")
    assert women.weekdays == (0, 1, 3) and women.childcare and women.free_places == 4


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (GOOD.replace("P;C1", ";C1"), "provider", "is empty"),
        (GOOD.replace("general", "cooking"), "type", "unknown type"),
        (GOOD.replace("2027-01-04", "4 Jan"), "start", "not a date"),
        (GOOD.replace("2027-06-30", "2026-06-30"), "end", "before start"),
        (GOOD.replace("Mo-Fr", "Mo,Xx"), "weekdays", "unknown weekday"),
        (GOOD.replace("09:00", "9 Uhr"), "time_from", "not a time"),
        (GOOD.replace("12:00", "08:00"), "time_to", "not after"),
        (GOOD.replace("48.7;9.1", "48.7;"), "lon", "both lat and lon"),
        (GOOD.replace("48.7;9.1", "148.7;9.1"), "lat", "out of range"),
        (GOOD.replace(";nein;", ";vielleicht;"), "childcare", "ja or nein"),
        (GOOD.replace(";3;", ";drei;"), "free_places", "whole number"),
        (GOOD + "vielleicht", "status", "active or cancelled"),
        (GOOD + ";extra", "-", "more values than columns"),
    ],
)
def test_each_kind_of_bad_row_is_reported_with_line_and_column(
    row: str, column: str, message: str
) -> None:
    with pytest.raises(CourseFileError) as info:
        read_courses(f"{HEADER}\n{GOOD.replace('C1', 'C0')}\n{row}\n")
    errors = info.value.errors
    assert any(e.line == 3 and e.column == column and message in e.message for e in errors), errors


def test_file_level_problems() -> None:
    with pytest.raises(CourseFileError, match="empty"):
        read_courses("")
    with pytest.raises(CourseFileError) as info:
        read_courses("provider;code;colour\nP;C;red\n")
    columns = {(e.line, e.column) for e in info.value.errors}
    assert (1, "type") in columns and (1, "colour") in columns
    with pytest.raises(CourseFileError, match="same provider and code as line 2"):
        read_courses(f"{HEADER}\n{GOOD}\n{GOOD}\n")
    # A stray carriage return inside a field (found by the fuzz run) is a file error, not a crash.
    with pytest.raises(CourseFileError, match="not readable as CSV"):
        read_courses(HEADER + "\n" + GOOD.replace("C1", "C\r1") + "\n")
    # Comma-separated, German dates and weekday lists are fine too.
    comma = (
        HEADER.replace(";", ",") + "\n" + GOOD.replace(";", ",").replace("2027-01-04", "04.01.2027")
    )
    assert read_courses(comma)[0].starts_on == date(2027, 1, 4)


@pytest.fixture()
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


async def run_import(db: Database, text: str, now: datetime = NOW) -> str:
    catalogue = Catalogue(ReminderPlan())
    async with db.transaction() as session:
        return str(
            await catalogue.import_courses(session, read_courses(text), source="t.csv", now=now)
        )


async def outbox(db: Database) -> list[OutboxRow]:
    async with db.sessions() as session:
        return list((await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars())


async def test_import_is_idempotent(db: Database) -> None:
    assert (await run_import(db, sample_text())).startswith("7 added")
    assert (await run_import(db, sample_text())).startswith(
        "0 added, 0 updated (0 changed, 0 cancelled), 7 unchanged"
    )
    assert await outbox(db) == []


async def test_a_bad_row_imports_nothing(db: Database) -> None:
    broken = (
        sample_text() + "X;Y;nonsense;A1;2027-01-01;2027-02-01;Mo;09:00;10:00;A;B;;;;nein;;R;\n"
    )
    with pytest.raises(CourseFileError):
        read_courses(broken)
    async with db.sessions() as session:
        assert (await session.execute(select(CourseRow))).first() is None


async def follow(db: Database, user: int, code: str) -> int:
    await person(db, user)
    catalogue = Catalogue(ReminderPlan())
    async with db.transaction() as session:
        row = (await session.execute(select(CourseRow).where(CourseRow.code == code))).scalar_one()
        assert await catalogue.follow(
            session, user_id=user, course_id=row.id, language="uk", now=NOW
        )
        return row.id


async def test_changes_notify_followers_and_move_their_reminders(db: Database) -> None:
    await run_import(db, sample_text())
    course_id = await follow(db, 77, "IK-2026-12")
    before = [r for r in await outbox(db) if r.user_id == 77]
    # 7 days and 1 day before the start on 1 Dec 2026 at 08:30 local.
    assert sorted(r.payload["days"] for r in before if r.kind == "course_start") == [1, 7]
    assert min(r.due_at.replace(tzinfo=UTC) for r in before) == datetime(
        2026, 11, 24, 7, 30, tzinfo=UTC
    )
    # Free places only: updated quietly.
    report = await run_import(db, sample_text().replace(";6;Telefon", ";5;Telefon"))
    assert "1 updated (0 changed" in report and "0 messages" in report
    # The start moves: the follower is told, the old reminders dropped, new ones planned.
    moved = sample_text().replace("2026-12-01;2027-06-30", "2026-12-08;2027-07-07")
    assert "1 changed" in await run_import(db, moved)
    rows = [r for r in await outbox(db) if r.user_id == 77]
    assert [r.payload["event"] for r in rows if r.kind == "course"] == ["changed"]
    live = sorted(
        r.due_at.replace(tzinfo=UTC)
        for r in rows
        if r.state == "pending" and r.kind == "course_start"
    )
    assert live == [
        datetime(2026, 12, 1, 7, 30, tzinfo=UTC),
        datetime(2026, 12, 7, 7, 30, tzinfo=UTC),
    ]
    assert {
        r.state
        for r in rows
        if r.kind == "course_start"
        and r.due_at.replace(tzinfo=UTC) < datetime(2026, 12, 1, tzinfo=UTC)
    } == {"dropped"}
    assert course_id


async def test_cancelled_or_missing_courses_notify_followers(db: Database) -> None:
    await run_import(db, sample_text())
    await follow(db, 78, "FK-2026-12")
    await follow(db, 79, "EK-2027-01")
    lines = sample_text().splitlines()
    cancelled = [line + "cancelled" if "FK-2026-12" in line else line for line in lines]
    without = [line for line in cancelled if "EK-2027-01" not in line]
    report = await run_import(db, "\n".join(without) + "\n")
    assert "2 cancelled" in report
    events = {(r.user_id, r.payload["event"]) for r in await outbox(db) if r.kind == "course"}
    assert events == {(78, "cancelled"), (79, "cancelled")}
    assert {r.state for r in await outbox(db) if r.kind == "course_start"} == {"dropped"}


async def test_new_matching_courses_are_announced(db: Database) -> None:
    await run_import(db, sample_text())
    catalogue = Catalogue(ReminderPlan())
    async with db.transaction() as session:
        wish = {**Filters(district="Bad Cannstatt", childcare=True).to_json(), "age": "27_plus"}
        await catalogue.follow_matches(session, user_id=80, filters=wish, language="ar", now=NOW)
    await person(db, 80)
    new = sample_text() + (
        "Beispiel-Bildungswerk Cannstatt (SAMPLE);FK-2027-03;women;A2;2027-03-01;2027-09-30;Mo-Mi;"
        "09:00;12:00;Marktstraße 5, 70372 Stuttgart;Bad Cannstatt;48.805;9.214;Frauen;ja;6;"
        "E-Mail;\n"
        "Beispiel-Volkshochschule (SAMPLE);GK-2027-03;general;A1;2027-03-01;2027-09-30;Mo-Fr;"
        "09:00;12:00;Fritz-Elsas-Straße 46;Stuttgart-West;;;;nein;6;vor Ort;\n"
    )
    assert "1 messages queued" in await run_import(db, new)
    (row,) = [r for r in await outbox(db) if r.payload.get("event") == "new"]
    assert row.user_id == 80 and row.payload["lang"] == "ar"


async def test_courses_that_ended_are_archived_not_deleted(db: Database) -> None:
    await run_import(db, sample_text())
    later = datetime(2027, 7, 1, 10, 0, tzinfo=UTC)
    assert "2 archived" in await run_import(db, sample_text(), now=later)
    async with db.sessions() as session:
        rows = {r.code: r.status for r in (await session.execute(select(CourseRow))).scalars()}
    assert rows["IK-2026-12"] == "archived" and len(rows) == 7


def views() -> tuple[CourseView, ...]:
    return sample_courses()


TODAY = date(2026, 11, 21)
NEAR_CANNSTATT = (48.806, 9.215)


@pytest.mark.parametrize(
    ("age", "filters", "codes"),
    [
        (
            "under_27",
            Filters(),
            [
                "IK-2026-12",
                "ALPHA-2026-12",
                "FK-2026-12",
                "JIK-2027-01",
                "MLD-Ost-2027",
                "EK-2027-01",
                "INT-2027-02",
            ],
        ),
        (
            "27_plus",
            Filters(),
            [
                "IK-2026-12",
                "ALPHA-2026-12",
                "FK-2026-12",
                "MLD-Ost-2027",
                "EK-2027-01",
                "INT-2027-02",
            ],
        ),
        ("27_plus", Filters(district="bad cannstatt"), ["FK-2026-12", "EK-2027-01"]),
        ("27_plus", Filters(childcare=True), ["FK-2026-12", "MLD-Ost-2027", "EK-2027-01"]),
        ("27_plus", Filters(time_of_day="evening"), ["ALPHA-2026-12"]),
        ("27_plus", Filters(time_of_day="afternoon"), ["INT-2027-02"]),
        ("under_27", Filters(within_weeks=3), ["IK-2026-12", "ALPHA-2026-12", "FK-2026-12"]),
        (
            "27_plus",
            Filters(near=NEAR_CANNSTATT),
            ["FK-2026-12", "EK-2027-01", "MLD-Ost-2027", "IK-2026-12", "ALPHA-2026-12"],
        ),
        (
            "under_27",
            Filters(near=NEAR_CANNSTATT, childcare=True, time_of_day="morning"),
            ["FK-2026-12", "EK-2027-01", "MLD-Ost-2027"],
        ),
    ],
)
def test_matching(age: str, filters: Filters, codes: list[str]) -> None:
    found = find(views(), filters, eligible_types(age), TODAY)
    assert [c.code for c in found] == codes


@pytest.mark.parametrize(
    ("local_due", "event", "expected"),
    [
        ((2026, 11, 30, 14, 0), None, (2026, 11, 30, 14, 0)),  # daytime: unchanged
        ((2026, 11, 30, 22, 30), None, (2026, 12, 1, 8, 0)),  # night: next morning
        ((2026, 12, 1, 6, 0), None, (2026, 12, 1, 8, 0)),  # early morning: 08:00
        (
            (2026, 11, 30, 22, 30),
            (2026, 12, 1, 7, 30),
            (2026, 11, 30, 22, 30),
        ),  # event before 08:00
        ((2026, 12, 1, 7, 0), (2026, 12, 1, 9, 0), (2026, 12, 1, 8, 0)),
    ],
)
def test_quiet_hours(
    local_due: tuple[int, ...], event: tuple[int, ...] | None, expected: tuple[int, ...]
) -> None:
    quiet = QuietHours.parse("21:00-08:00")
    due = datetime(*local_due, tzinfo=BERLIN)
    event_at = datetime(*event, tzinfo=BERLIN) if event else None
    assert not_at_night(due, quiet, BERLIN, event_at) == datetime(*expected, tzinfo=BERLIN)
    assert (
        quiet.contains(time(23, 0))
        and quiet.contains(time(7, 59))
        and not quiet.contains(time(8, 0))
    )
    assert not QuietHours.parse("00:00-00:00").contains(time(3, 0))
    assert timedelta(0) == timedelta(0)
