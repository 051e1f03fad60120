"""Slots from opening hours, capacity, closures and holidays, correct across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.content.model import Booking, Closure, Provenance, Window
from bot.core.rules.schedule import free_slots, generate_slots, is_public_holiday, nearest

BERLIN = ZoneInfo("Europe/Berlin")
PROV = Provenance("test", date(2026, 1, 1), True)


BW = ("DE", "BW")


def booking(**changes: object) -> Booking:
    base = {
        "slot_minutes": 30,
        "capacity": 2,
        "languages": ("de",),
        "hours": (Window((0, 2), time(9), time(11)), Window((3,), time(14), time(15))),
        "closures": (),
        "provenance": PROV,
        "holidays": BW,
    }
    base.update(changes)
    return Booking(**base)  # type: ignore[arg-type]


def local(slot_start: datetime) -> datetime:
    return slot_start.astimezone(BERLIN)


def test_slots_follow_hours_and_length() -> None:
    # Monday 23 Nov 2026 to Sunday 29 Nov: Mon and Wed 9-11 (4 slots each), Thu 14-15 (2).
    slots = generate_slots("p", booking(), first_day=date(2026, 11, 23), days=7, tz=BERLIN)
    assert len(slots) == 10
    assert [local(s.start).strftime("%a %H:%M") for s in slots[:4]] == [
        "Mon 09:00",
        "Mon 09:30",
        "Mon 10:00",
        "Mon 10:30",
    ]
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)
    assert all(s.capacity == 2 for s in slots)
    assert local(slots[-1].start).strftime("%a %H:%M") == "Thu 14:30"


def test_capacity_override_and_zero_capacity() -> None:
    slots = generate_slots(
        "p", booking(), first_day=date(2026, 11, 23), days=7, tz=BERLIN, capacity=5
    )
    assert {s.capacity for s in slots} == {5}
    assert (
        generate_slots("p", booking(capacity=0), first_day=date(2026, 11, 23), days=7, tz=BERLIN)
        == []
    )


def test_closures_from_content_admins_and_public_holidays() -> None:
    rules = booking(closures=(Closure(date(2026, 11, 25), date(2026, 11, 25), "team day"),))
    slots = generate_slots(
        "p",
        rules,
        first_day=date(2026, 11, 23),
        days=7,
        tz=BERLIN,
        extra_closures={date(2026, 11, 26)},
    )
    assert {local(s.start).date() for s in slots} == {date(2026, 11, 23)}
    # Christmas: 25 and 26 Dec are public holidays in Baden-Württemberg, so is 6 Jan.
    assert is_public_holiday(date(2026, 12, 25), BW) and is_public_holiday(date(2027, 1, 6), BW)
    assert not is_public_holiday(date(2026, 12, 24), BW)
    # Epiphany is a holiday in some German states only: the region comes from the pack.
    assert not is_public_holiday(date(2027, 1, 6), ("DE", "HH"))
    assert not is_public_holiday(date(2026, 12, 25), None)
    week = generate_slots(
        "p",
        booking(hours=(Window(tuple(range(7)), time(9), time(10)),)),
        first_day=date(2026, 12, 21),
        days=7,
        tz=BERLIN,
    )
    assert date(2026, 12, 25) not in {local(s.start).date() for s in week}
    assert date(2026, 12, 24) in {local(s.start).date() for s in week}


def test_march_dst_change_keeps_local_opening_times() -> None:
    # Clocks go forward on Sunday 29 Mar 2026: Mon 23 Mar is CET (+1), Mon 30 Mar is CEST (+2).
    slots = generate_slots("p", booking(), first_day=date(2026, 3, 23), days=8, tz=BERLIN)
    mondays = [
        s
        for s in slots
        if local(s.start).weekday() == 0 and local(s.start).hour == 9 and local(s.start).minute == 0
    ]
    assert [s.start.astimezone(UTC).hour for s in mondays] == [8, 7]
    assert all(local(s.start).strftime("%H:%M") == "09:00" for s in mondays)


def test_october_dst_change_keeps_local_opening_times() -> None:
    # Clocks go back on Sunday 25 Oct 2026: Mon 19 Oct is CEST (+2), Mon 26 Oct is CET (+1).
    slots = generate_slots("p", booking(), first_day=date(2026, 10, 19), days=8, tz=BERLIN)
    first_of_day = {}
    for s in slots:
        first_of_day.setdefault(local(s.start).date(), s)
    assert first_of_day[date(2026, 10, 19)].start.hour == 7
    assert first_of_day[date(2026, 10, 26)].start.hour == 8
    assert len([s for s in slots if local(s.start).date() == date(2026, 10, 26)]) == 4


def test_free_slots_respect_taken_seats_and_lead_time() -> None:
    slots = generate_slots("p", booking(), first_day=date(2026, 11, 23), days=1, tz=BERLIN)
    now = slots[0].start - timedelta(minutes=90)
    taken = {slots[1].start: 2, slots[2].start: 1}
    free = free_slots(slots, taken, now)
    assert [f.start for f in free] == [slots[0].start, slots[2].start, slots[3].start]
    assert [f.free for f in free] == [2, 1, 2]
    later = free_slots(slots, {}, slots[0].start - timedelta(minutes=30))
    assert slots[0].start not in [f.start for f in later]  # within the 1-hour lead time


def test_nearest_alternatives() -> None:
    slots = generate_slots("p", booking(), first_day=date(2026, 11, 23), days=7, tz=BERLIN)
    free = free_slots(slots, {}, slots[0].start - timedelta(days=1))
    target = slots[5].start
    picked = nearest([f for f in free if f.start != target], target, 3)
    assert len(picked) == 3 and picked == sorted(picked, key=lambda f: f.start)
    # Wed 09:30 was taken: Wed 09:00 and 10:00 (30 min away), then Wed 10:30 (60 min).
    assert [p.start for p in picked] == [slots[4].start, slots[6].start, slots[7].start]
