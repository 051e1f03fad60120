"""Booking through the core on SQLite and PostgreSQL: confirmation, .ics, reminders in the
outbox, cancel, reschedule, one booking per point, and 50 people racing for the last seat."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from bot.app.conversation import Answer, Wegweiser
from bot.core.events import ChoiceIn, CommandIn
from bot.i18n.bidi import strip_controls
from bot.storage.db import Database
from bot.storage.models import BookingRow, CaseRow, OutboxRow, SlotRow
from tests.conftest import FIXED_NOW, settings_for
from tests.support.people import tg

GROUP = -1001000


@pytest.fixture()
async def core(db_url: str) -> AsyncIterator[Wegweiser]:
    settings = settings_for(db_url, COUNSELLOR_CHAT_ID=str(GROUP))
    app = Wegweiser(settings, Database(db_url), clock=lambda: FIXED_NOW)
    await app.load_content()
    yield app
    await app.db.dispose()


async def press(app: Wegweiser, user: int, key: str) -> Answer:
    current = await app.current(tg(user))
    return await app.handle(tg(user), ChoiceIn(key, current.version))


def option(answer: Answer, prefix: str, index: int = 0) -> str:
    keys = [k for r in answer.replies for k, _l in r.options if k.startswith(prefix)]
    return keys[index]


async def to_times(app: Wegweiser, user: int, lang: str = "tr") -> Answer:
    await app.handle(tg(user), CommandIn("start"))
    for key in (lang, "agree", "new_arrival", "no", "27_plus", "book", "mbe"):
        answer = await press(app, user, key)
    return await press(app, user, option(answer, "d"))


async def book_first(app: Wegweiser, user: int, lang: str = "tr") -> tuple[Answer, str]:
    times = await to_times(app, user, lang)
    slot = option(times, "s")
    return await press(app, user, slot), slot


async def test_booking_confirms_with_calendar_reminders_and_a_case(core: Wegweiser) -> None:
    booked, _slot = await book_first(core, 301, "tr")
    assert booked.step == "booked"
    confirmation = next(r for r in booked.replies if r.attachment is not None)
    name, data = confirmation.attachment  # type: ignore[misc]
    assert name.endswith(".ics")
    event = next(c for c in Calendar.from_ical(data).walk() if c.name == "VEVENT")
    async with core.db.sessions() as session:
        booking = (await session.execute(select(BookingRow))).scalar_one()
        assert event.decoded("dtstart") == booking.starts_at.replace(
            tzinfo=event.decoded("dtstart").tzinfo
        )
        assert booking.status == "active" and booking.language == "tr"
        rows = (await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars().all()
    reminders = [r for r in rows if r.kind == "reminder"]
    assert [r.payload["lead_hours"] for r in reminders] == [24, 2]
    starts = booking.starts_at.replace(tzinfo=None)
    assert [r.due_at.replace(tzinfo=None) for r in reminders] == [
        starts - timedelta(hours=24),
        starts - timedelta(hours=2),
    ]
    case_rows = [r for r in rows if r.kind == "case"]
    assert len(case_rows) == 1 and case_rows[0].address == str(GROUP)
    assert case_rows[0].payload["profile"] == {
        "status": "new_arrival",
        "benefits": "no",
        "age": "27_plus",
        "lang": "tr",
    }
    # The confirmation says the time in Turkish and, for the desk, in German.
    assert "Migrationsberatung für erwachsene Zugewanderte, MBE" in confirmation.body
    assert "November 2026" in confirmation.body  # German desk line ("Montag, 23. November 2026")


async def test_the_calendar_file_is_stamped_now_and_free_of_direction_marks(
    core: Wegweiser,
) -> None:
    booked, _slot = await book_first(core, 305, "ar")
    confirmation = next(r for r in booked.replies if r.attachment is not None)
    _name, data = confirmation.attachment  # type: ignore[misc]
    event = next(c for c in Calendar.from_ical(data).walk() if c.name == "VEVENT")
    assert event.decoded("dtstamp") == FIXED_NOW  # when the file was made, not the visit
    assert event.decoded("dtstart") > FIXED_NOW
    fields = [str(event.get(k)) for k in ("summary", "location", "description")]
    assert any("\u0600" <= ch <= "\u06ff" for ch in fields[0])  # the Arabic title
    assert not [f for f in fields if strip_controls(f) != f]


async def test_cancel_frees_the_seat_and_drops_reminders(core: Wegweiser) -> None:
    await book_first(core, 302)
    after = await press(core, 302, "cancel")
    assert after.step == "appointments"
    async with core.db.sessions() as session:
        booking = (await session.execute(select(BookingRow))).scalar_one()
        assert booking.status == "cancelled"
        slot = (await session.execute(select(SlotRow))).scalar_one()
        assert slot.taken == 0
        states = {r.kind: r.state for r in (await session.execute(select(OutboxRow))).scalars()}
    assert states["reminder"] == "dropped"
    assert (await core.current(tg(302))).step == "appointments"


async def test_reschedule_moves_the_booking_in_one_step(core: Wegweiser) -> None:
    _booked, first_slot = await book_first(core, 303)
    days = await press(core, 303, "reschedule")
    times = await press(core, 303, option(days, "d", 1))
    new_slot = option(times, "s")
    moved = await press(core, 303, new_slot)
    assert moved.step == "booked"
    async with core.db.sessions() as session:
        statuses = sorted(b.status for b in (await session.execute(select(BookingRow))).scalars())
        taken = {
            s.starts_at.strftime("%Y%m%d%H%M"): s.taken
            for s in (await session.execute(select(SlotRow))).scalars()
        }
    assert statuses == ["active", "cancelled"]
    assert taken[first_slot[1:]] == 0 and taken[new_slot[1:]] == 1


async def test_one_active_booking_per_person_and_point(core: Wegweiser) -> None:
    await book_first(core, 304)
    again = await press(core, 304, "menu")
    again = await press(core, 304, "book")
    assert again.step == "appointments"  # shows the existing appointment instead
    more = await press(core, 304, "book")
    assert more.step == "book_point"
    refused = await press(core, 304, "mbe")
    assert refused.step == "appointments"
    async with core.db.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(BookingRow))
    assert count == 1


@pytest.mark.long
async def test_fifty_people_race_for_the_last_seat(core: Wegweiser) -> None:
    # One seat of two is taken; 50 people pick the same time and press at the same moment.
    _booked, slot = await book_first(core, 400)
    racers = list(range(500, 550))
    for user in racers:
        times = await to_times(core, user)
        assert slot in [k for r in times.replies for k, _ in r.options]
    versions = {user: (await core.current(tg(user))).version for user in racers}
    results = await asyncio.gather(
        *(core.handle(tg(user), ChoiceIn(slot, versions[user])) for user in racers)
    )
    steps = [r.step for r in results]
    assert steps.count("booked") == 1
    assert steps.count("book_alt") == 49
    # The losers are offered the nearest free times, and none of them is the full slot.
    loser = next(r for r in results if r.step == "book_alt")
    offered = [k for reply in loser.replies for k, _ in reply.options if k.startswith("s")]
    assert 1 <= len(offered) <= 3 and slot not in offered
    async with core.db.sessions() as session:
        row = (await session.execute(select(SlotRow).where(SlotRow.taken > 0))).scalar_one()
        active = await session.scalar(
            select(func.count()).select_from(BookingRow).where(BookingRow.status == "active")
        )
    assert (row.taken, row.capacity, active) == (2, 2, 2)


async def test_erasing_a_user_frees_seats_and_keeps_only_anonymous_counts(core: Wegweiser) -> None:
    await book_first(core, 305)
    await core.handle(tg(305), CommandIn("delete"))
    await press(core, 305, "erase")
    async with core.db.sessions() as session:
        booking = (await session.execute(select(BookingRow))).scalar_one()
        assert booking.user_id is None and booking.status == "cancelled"
        assert (await session.execute(select(SlotRow))).scalar_one().taken == 0
        cases = (await session.execute(select(CaseRow))).scalars().all()
        assert all(c.user_id is None for c in cases)
        pending = await session.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.address == "305", OutboxRow.state == "pending")
        )
        assert pending == 0
