"""Appointment slots derived from opening hours, capacity and closures, in local time.

Slots are computed in the point's local time zone and stored in UTC, so a 09:00 slot stays at
09:00 on the wall clock across the daylight-saving changes of March and October.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from bot.content.model import Booking

BOOKING_DAYS = 14
LEAD_TIME = timedelta(hours=1)


@dataclass(frozen=True)
class Slot:
    """One bookable time at a point; ``start`` and ``end`` are aware UTC datetimes."""

    point: str
    start: datetime
    end: datetime
    capacity: int


@dataclass(frozen=True)
class FreeSlot:
    """A slot with seats left."""

    point: str
    start: datetime
    end: datetime
    free: int


@lru_cache(maxsize=64)
def _public_holidays(year: int, country: str, region: str | None) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=region, years=[year]).keys())


def is_public_holiday(day: date, where: tuple[str, str | None] | None) -> bool:
    """Whether ``day`` is a public holiday in ``where`` (country, region); never if ``None``."""
    return where is not None and day in _public_holidays(day.year, *where)


def is_closed(day: date, booking: Booking, extra_closures: Iterable[date] = ()) -> bool:
    """Whether the point takes no appointments on ``day``."""
    if is_public_holiday(day, booking.holidays) or day in set(extra_closures):
        return True
    return any(c.first <= day <= c.last for c in booking.closures)


def generate_slots(
    point: str,
    booking: Booking,
    *,
    first_day: date,
    days: int = BOOKING_DAYS,
    tz: ZoneInfo,
    extra_closures: Iterable[date] = (),
    capacity: int | None = None,
) -> list[Slot]:
    """All slots from ``first_day`` for ``days`` days, in time order.

    Args:
        point: The counselling point's key.
        booking: Its booking rules (hours, slot length, capacity, closures).
        first_day: The first local day.
        days: How many days.
        tz: The local time zone of the opening hours.
        extra_closures: Days closed by admins in addition to the content's closures.
        capacity: An admin's capacity override.
    """
    seats = booking.capacity if capacity is None else capacity
    closed = set(extra_closures)
    length = timedelta(minutes=booking.slot_minutes)
    slots: list[Slot] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if seats <= 0 or is_closed(day, booking, closed):
            continue
        for window in booking.hours:
            if day.weekday() not in window.weekdays:
                continue
            start = datetime.combine(day, window.opens, tzinfo=tz)
            close = datetime.combine(day, window.closes, tzinfo=tz)
            while start + length <= close:
                end = start + length
                slots.append(Slot(point, start.astimezone(UTC), end.astimezone(UTC), seats))
                start = end
    slots.sort(key=lambda s: s.start)
    return slots


def free_slots(
    slots: Iterable[Slot], taken: Mapping[datetime, int], now: datetime, lead: timedelta = LEAD_TIME
) -> list[FreeSlot]:
    """The slots that start after ``now + lead`` and still have seats, given seats ``taken``."""
    out = []
    for slot in slots:
        free = slot.capacity - taken.get(slot.start, 0)
        if free > 0 and slot.start >= now + lead:
            out.append(FreeSlot(slot.point, slot.start, slot.end, free))
    return out


def nearest(free: Iterable[FreeSlot], target: datetime, count: int = 3) -> list[FreeSlot]:
    """The ``count`` free slots closest in time to ``target``, in time order."""
    closest = sorted(free, key=lambda s: abs((s.start - target).total_seconds()))[:count]
    return sorted(closest, key=lambda s: s.start)


@dataclass(frozen=True)
class BookingView:
    """One of the user's active appointments."""

    id: int
    point: str
    start: datetime
    end: datetime
    confirmed: bool = False
