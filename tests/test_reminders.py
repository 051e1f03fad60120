"""Reminders that are never lost or mistimed, with an injected clock.

Each test below failed on the code before it was written (issue "Reminders that are never
lost or mistimed"):
1. a change of times or place that keeps the start date silently cancelled both reminders;
2. messages that fell due while the bot was down went out in quiet hours;
3. a late reminder stated the day count fixed when it was planned;
4. the dispatcher took rows it could not send (to be put back) and kept four requests in
   flight, so it reached only a part of Telegram's limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app.courses import Catalogue, ReminderPlan
from bot.content.model import Content
from bot.core.courses.csvfile import read_courses
from bot.core.messages import Term
from bot.core.rules.timing import QuietHours
from bot.core.serial import arg_to_json
from bot.delivery.compose import Composer
from bot.delivery.dispatcher import Dispatcher, Limits
from bot.delivery.ports import ChannelPort
from bot.i18n.catalogs import Catalogs
from bot.i18n.render import Renderer
from bot.storage.db import Database
from bot.storage.models import CourseRow, OutboxRow
from bot.storage.outbox import SendWindow, enqueue
from tests.support.channels import RecordingTransport
from tests.support.clock import Clock
from tests.support.people import person
from tests.test_courses import NOW, sample_text

BERLIN = ZoneInfo("Europe/Berlin")
WINDOW = SendWindow(QuietHours.parse("21:00-08:00"), BERLIN)
FOLLOWER = 77
USER = 42
# IK-2026-12 in the sample plan starts on Tuesday 1 Dec 2026 at 08:30 local.
COURSE = "IK-2026-12"
ROW = "2026-12-01;2027-06-30;Mo-Fr;08:30;12:45;Königstraße 10, 70173 Stuttgart;Stuttgart-Mitte"


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)


@pytest.fixture()
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


async def import_plan(db: Database, text: str, now: datetime = NOW) -> str:
    async with db.transaction() as session:
        report = await Catalogue(ReminderPlan()).import_courses(
            session, read_courses(text), source="plan.csv", now=now
        )
    return str(report)


async def follow(db: Database, user: int = FOLLOWER, follow: bool = True) -> int:
    await person(db, user)
    catalogue = Catalogue(ReminderPlan())
    async with db.transaction() as session:
        row = (
            await session.execute(select(CourseRow).where(CourseRow.code == COURSE))
        ).scalar_one()
        if follow:
            await catalogue.follow(session, user_id=user, course_id=row.id, language="en", now=NOW)
        else:
            await catalogue.unfollow(session, user_id=user, course_id=row.id)
        return row.id


async def rows(db: Database) -> list[OutboxRow]:
    async with db.sessions() as session:
        return list((await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars())


async def pending_reminders(db: Database) -> list[datetime]:
    return sorted(
        r.due_at.astimezone(BERLIN) if r.due_at.tzinfo else r.due_at.replace(tzinfo=UTC)
        for r in await rows(db)
        if r.kind == "course_start" and r.state == "pending" and r.user_id == FOLLOWER
    )


# 1. A change that keeps the start date keeps (and re-plans) the reminders.


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("08:30;12:45", [local(2026, 11, 24, 9, 0), local(2026, 11, 30, 9, 0)]),  # 09:00 now
        ("address", [local(2026, 11, 24, 8, 30), local(2026, 11, 30, 8, 30)]),
        ("weekdays", [local(2026, 11, 24, 8, 30), local(2026, 11, 30, 8, 30)]),
        ("end", [local(2026, 11, 24, 8, 30), local(2026, 11, 30, 8, 30)]),
        ("district", [local(2026, 11, 24, 8, 30), local(2026, 11, 30, 8, 30)]),
    ],
)
async def test_a_change_that_keeps_the_start_date_keeps_both_reminders(
    db: Database, change: str, expected: list[datetime]
) -> None:
    await import_plan(db, sample_text())
    await follow(db)
    assert len(await pending_reminders(db)) == 2
    changed_row = {
        "08:30;12:45": ROW.replace("08:30;12:45", "09:00;12:45"),
        "address": ROW.replace("Königstraße 10", "Königstraße 12"),
        "weekdays": ROW.replace("Mo-Fr", "Mo-Do"),
        "end": ROW.replace("2027-06-30", "2027-07-14"),
        "district": ROW.replace("Stuttgart-Mitte", "Stuttgart-Nord"),
    }[change]
    plan = sample_text().replace(ROW, changed_row)
    assert plan != sample_text()
    assert "1 changed" in await import_plan(db, plan)
    assert await pending_reminders(db) == expected
    told = [r for r in await rows(db) if r.kind == "course" and r.payload["event"] == "changed"]
    assert len(told) == 1
    # The same plan delivered again plans nothing new.
    count = len(await rows(db))
    assert "0 updated" in await import_plan(db, plan)
    assert len(await rows(db)) == count
    assert await pending_reminders(db) == expected


async def test_following_again_after_stopping_plans_the_reminders_again(db: Database) -> None:
    await import_plan(db, sample_text())
    await follow(db)
    await follow(db, follow=False)
    assert await pending_reminders(db) == []
    await follow(db)
    assert await pending_reminders(db) == [local(2026, 11, 24, 8, 30), local(2026, 11, 30, 8, 30)]


async def test_a_course_offered_again_after_a_cancellation_reminds_again(db: Database) -> None:
    await import_plan(db, sample_text())
    await follow(db)
    cancelled = sample_text().replace(ROW + ";Erwachsene", ROW + ";Erwachsene")
    lines = [line + "cancelled" if COURSE in line else line for line in cancelled.splitlines()]
    assert "1 cancelled" in await import_plan(db, "\n".join(lines) + "\n")
    assert await pending_reminders(db) == []
    await import_plan(db, sample_text())
    assert await pending_reminders(db) == [local(2026, 11, 24, 8, 30), local(2026, 11, 30, 8, 30)]


# 2. Quiet hours are applied when a message would go, not when it was planned.


def dispatcher(
    db: Database, clock: Clock, transport: RecordingTransport, content: Content
) -> Dispatcher:
    port = ChannelPort("telegram", transport, per_second=1000, per_chat_interval=0.0)
    composer = Composer(db, Renderer(Catalogs()), lambda: content, {"telegram": port}, clock=clock)
    limits = Limits(per_second=1000, private_interval=0.0, group_per_minute=1000)
    return Dispatcher(db, composer, clock, limits, window=WINDOW)


async def test_a_message_that_fell_due_before_the_night_waits_for_the_morning(
    db: Database, content: Content
) -> None:
    # A change imported at 20:00 is due at once; the bot is down until 23:00.
    evening = local(2026, 11, 25, 20, 0)
    await import_plan(db, sample_text(), now=evening)
    await follow(db)
    await import_plan(db, sample_text().replace(ROW, ROW.replace("08:30", "09:00")), now=evening)
    clock, transport = Clock(local(2026, 11, 25, 23, 0)), RecordingTransport()
    sender = dispatcher(db, clock, transport, content)
    await sender.run_once()
    assert transport.sent == []
    (change,) = [r for r in await rows(db) if r.kind == "course"]
    assert change.state == "pending"
    assert change.next_attempt_at.replace(tzinfo=UTC) == local(2026, 11, 26, 8, 0)
    clock.now = local(2026, 11, 26, 7, 59)
    await sender.run_once()
    assert transport.sent == []
    clock.now = local(2026, 11, 26, 8, 0)
    await sender.run_once()
    assert len(transport.sent) == 1 and "has changed" in transport.sent[0][1]


async def test_a_message_about_something_before_the_morning_goes_at_night(
    db: Database, content: Content
) -> None:
    night = local(2026, 11, 30, 23, 0)
    async with db.transaction() as session:
        await enqueue(
            session,
            channel="telegram",
            address="5",
            user_id=None,
            kind="to_user",
            payload={"msg": arg_to_json(Term("soon")), "lang": "en"},
            key="soon",
            due_at=night,
            now=night,
            quiet=True,
            event_at=local(2026, 12, 1, 7, 0),  # before the quiet hours end at 08:00
        )
        await enqueue(
            session,
            channel="telegram",
            address="6",
            user_id=None,
            kind="to_user",
            payload={"msg": arg_to_json(Term("later")), "lang": "en"},
            key="later",
            due_at=night,
            now=night,
            quiet=True,
            event_at=local(2026, 12, 1, 9, 0),
        )
    clock, transport = Clock(night), RecordingTransport()
    await dispatcher(db, clock, transport, content).run_once()
    assert transport.sent == [("5", "soon")]


async def test_an_appointment_reminder_due_at_night_comes_in_the_morning(
    db: Database, content: Content
) -> None:
    from bot.app.appointments import Appointments
    from bot.flows.base import Book

    # A Monday 09:00 visit: its 2 h reminder would be due at 07:00, in the quiet hours.
    booked_at = local(2026, 11, 27, 10, 0)
    visit = local(2026, 11, 30, 9, 0)
    await person(db, USER)
    async with db.transaction() as session:
        result, booking = await Appointments("Europe/Berlin").book(
            session,
            content,
            user_id=USER,
            effect=Book("mbe", visit),
            language="en",
            now=booked_at,
        )
    assert booking is not None, result
    clock, transport = Clock(local(2026, 11, 30, 7, 0)), RecordingTransport()
    sender = dispatcher(db, clock, transport, content)
    await sender.run_once()
    assert [t for c, t in transport.sent if c == str(USER)] == []
    clock.now = local(2026, 11, 30, 8, 0)
    await sender.run_once()
    (reminder,) = [t for c, t in transport.sent if c == str(USER)]
    assert "today at 9:00\u202fAM" in reminder


# 3. Texts are worked out when they are sent.


async def test_a_late_reminder_states_the_real_day_count(db: Database, content: Content) -> None:
    await import_plan(db, sample_text())
    await follow(db)
    # The 7-day reminder was due on 24 Nov; the bot comes back on Sunday 29 Nov.
    clock, transport = Clock(local(2026, 11, 29, 10, 0)), RecordingTransport()
    sender = dispatcher(db, clock, transport, content)
    await sender.run_once()
    (late,) = [t for c, t in transport.sent if c == str(FOLLOWER)]
    assert "starts in 2 days, on Tue, Dec 1, at 8:30\u202fAM" in late
    assert "7 days" not in late
    clock.now = local(2026, 11, 30, 8, 30)
    await sender.run_once()
    assert "starts tomorrow at 8:30\u202fAM" in transport.sent[-1][1]
    assert len(transport.sent) == 2


async def test_a_reminder_whose_event_has_passed_is_dropped_not_sent(
    db: Database, content: Content
) -> None:
    await import_plan(db, sample_text())
    await follow(db)
    clock, transport = Clock(local(2026, 12, 1, 9, 0)), RecordingTransport()  # the course has begun
    await dispatcher(db, clock, transport, content).run_once()
    assert transport.sent == []
    starts = [r for r in await rows(db) if r.kind == "course_start"]
    assert {r.state for r in starts} == {"dropped"}
    # The later of the two is due as well, so the earlier one gives way; the later has expired.
    assert sorted(r.last_error or "" for r in starts) == ["expired", "superseded"]


async def test_a_moved_visit_gets_new_reminders_and_the_old_ones_are_dropped(
    db: Database, content: Content
) -> None:
    from bot.app.appointments import Appointments
    from bot.flows.base import Book

    appointments = Appointments("Europe/Berlin")
    booked_at = local(2026, 11, 23, 10, 0)
    first, moved = local(2026, 11, 26, 9, 0), local(2026, 11, 30, 10, 0)
    await person(db, 43)
    async with db.transaction() as session:
        _r, old = await appointments.book(
            session, content, user_id=43, effect=Book("mbe", first), language="en", now=booked_at
        )
    assert old is not None
    async with db.transaction() as session:
        _r, new = await appointments.book(
            session,
            content,
            user_id=43,
            effect=Book("mbe", moved, replaces=old.id),
            language="en",
            now=booked_at,
        )
    assert new is not None
    reminders = [r for r in await rows(db) if r.kind == "reminder"]
    live = sorted(
        (r.payload["booking_id"], r.payload["lead_hours"])
        for r in reminders
        if r.state == "pending"
    )
    assert live == [(new.id, 2), (new.id, 24)]
    assert {r.state for r in reminders if r.payload["booking_id"] == old.id} == {"dropped"}


# 4. The dispatcher claims only what may go now and keeps enough requests in flight.


async def test_rows_for_a_chat_that_must_wait_are_not_claimed(db: Database) -> None:
    clock = Clock(NOW)
    sent: list[str] = []

    async def send(row: OutboxRow) -> None:
        sent.append(row.idempotency_key)

    async with db.transaction() as session:
        for i in range(3):
            await enqueue(
                session,
                channel="telegram",
                address="5",
                user_id=None,
                kind="to_user",
                payload={},
                key=f"same{i}",
                due_at=NOW,
                now=NOW,
            )
        for i in range(5):
            await enqueue(
                session,
                channel="telegram",
                address=str(10 + i),
                user_id=None,
                kind="to_user",
                payload={},
                key=f"o{i}",
                due_at=NOW,
                now=NOW,
            )
    seconds = lambda: (clock.now - NOW).total_seconds()  # noqa: E731
    sender = Dispatcher(db, send, clock, Limits(per_second=30, now=seconds))
    await sender.run_once()
    assert sorted(sent) == ["o0", "o1", "o2", "o3", "o4", "same0"]
    waiting = {r.idempotency_key: r for r in await rows(db) if r.state == "pending"}
    assert set(waiting) == {"same1", "same2"}
    assert {r.attempts for r in waiting.values()} == {0}  # never taken, never put back
    assert sender.stats.deferred == 0
    clock.now = NOW + timedelta(seconds=1.1)
    await sender.run_once()
    assert sent[-1] == "same1"


async def test_the_running_dispatcher_keeps_enough_requests_in_flight(db: Database) -> None:
    clock = Clock(NOW)
    release = asyncio.Event()
    in_flight = peak = 0

    async def slow(row: OutboxRow) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await release.wait()
        in_flight -= 1

    async with db.transaction() as session:
        for i in range(60):
            await enqueue(
                session,
                channel="telegram",
                address=str(100 + i),
                user_id=None,
                kind="to_user",
                payload={},
                key=f"m{i}",
                due_at=NOW,
                now=NOW,
            )
    sender = Dispatcher(db, slow, clock, Limits(per_second=100), concurrency=40)
    stopping = asyncio.Event()
    loop = asyncio.create_task(sender.serve(stopping))
    for _ in range(200):
        if peak >= 40:
            break
        await asyncio.sleep(0.01)
    assert peak == 40  # 40 slow requests at once, not 4
    release.set()
    for _ in range(500):
        if sender.stats.sent == 60:
            break
        await asyncio.sleep(0.01)
    stopping.set()
    await loop
    assert sender.stats.sent == 60
    assert {r.state for r in await rows(db)} == {"sent"}
