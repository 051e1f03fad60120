"""Slots, bookings, closures and capacity overrides in the database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.rules.schedule import BookingView
from bot.storage.models import BookingRow, BookingStatus, ClosureRow, PointSettingRow, SlotRow
from bot.storage.users import as_utc, upsert

ACTIVE: BookingStatus = "active"


async def taken_seats(
    session: AsyncSession, points: Iterable[str], first: datetime, last: datetime
) -> dict[str, dict[datetime, int]]:
    """Seats taken per point and slot start between ``first`` and ``last``."""
    rows = await session.execute(
        select(SlotRow.point, SlotRow.starts_at, SlotRow.taken).where(
            SlotRow.point.in_(list(points)),
            SlotRow.starts_at >= first,
            SlotRow.starts_at <= last,
            SlotRow.taken > 0,
        )
    )
    out: dict[str, dict[datetime, int]] = defaultdict(dict)
    for point, start, taken in rows:
        out[point][as_utc(start)] = taken
    return out


async def closed_days(session: AsyncSession, first: date, last: date) -> dict[str, set[date]]:
    """Days admins closed, per point."""
    rows = await session.execute(
        select(ClosureRow.point, ClosureRow.day).where(
            ClosureRow.day >= first, ClosureRow.day <= last
        )
    )
    out: dict[str, set[date]] = defaultdict(set)
    for point, day in rows:
        out[point].add(day)
    return out


async def capacity_overrides(session: AsyncSession) -> dict[str, int]:
    """Capacities admins set, per point."""
    rows = await session.execute(select(PointSettingRow.point, PointSettingRow.capacity))
    return {point: capacity for point, capacity in rows}


async def active_bookings(session: AsyncSession, user_id: int) -> tuple[BookingView, ...]:
    """The user's active appointments, soonest first."""
    rows = await session.execute(
        select(BookingRow)
        .where(BookingRow.user_id == user_id, BookingRow.status == ACTIVE)
        .order_by(BookingRow.starts_at)
    )
    return tuple(
        BookingView(
            b.id, b.point, as_utc(b.starts_at), as_utc(b.ends_at), b.confirmed_at is not None
        )
        for b in rows.scalars()
    )


async def take_seat(session: AsyncSession, point: str, start: datetime, capacity: int) -> bool:
    """Take one seat if one is left. The conditional UPDATE is atomic in the database."""
    await session.execute(
        upsert(session, SlotRow.__table__)
        .values(point=point, starts_at=start, capacity=capacity, taken=0)
        .on_conflict_do_nothing()
    )
    result = await session.execute(
        update(SlotRow)
        .where(SlotRow.point == point, SlotRow.starts_at == start, SlotRow.taken < SlotRow.capacity)
        .values(taken=SlotRow.taken + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def free_seat(session: AsyncSession, point: str, start: datetime) -> None:
    """Give a seat back."""
    await session.execute(
        update(SlotRow)
        .where(SlotRow.point == point, SlotRow.starts_at == start, SlotRow.taken > 0)
        .values(taken=SlotRow.taken - 1)
        .execution_options(synchronize_session=False)
    )


async def has_active(session: AsyncSession, user_id: int, point: str) -> bool:
    """Whether the user already has an active booking at ``point``."""
    found = await session.scalar(
        select(BookingRow.id).where(
            BookingRow.user_id == user_id, BookingRow.point == point, BookingRow.status == ACTIVE
        )
    )
    return found is not None


async def add_booking(
    session: AsyncSession,
    *,
    user_id: int,
    point: str,
    start: datetime,
    end: datetime,
    language: str,
    now: datetime,
) -> BookingRow:
    """Insert an active booking (its seat must have been taken)."""
    row = BookingRow(
        user_id=user_id,
        point=point,
        starts_at=start,
        ends_at=end,
        status=ACTIVE,
        language=language,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def get_booking(session: AsyncSession, booking_id: int) -> BookingRow | None:
    """A booking by id."""
    return await session.get(BookingRow, booking_id)


async def end_booking(
    session: AsyncSession, booking: BookingRow, status: BookingStatus, now: datetime
) -> None:
    """Cancel (freeing the seat) or close a booking as attended or no-show."""
    if booking.status != ACTIVE:
        return
    booking.status, booking.updated_at = status, now
    if status == "cancelled":
        await free_seat(session, booking.point, as_utc(booking.starts_at))


async def set_capacity(
    session: AsyncSession, point: str, capacity: int, by: int | None, now: datetime
) -> None:
    """Override a point's capacity; future slot rows follow (never below seats taken)."""
    await session.execute(
        upsert(session, PointSettingRow.__table__)
        .values(point=point, capacity=capacity, updated_by=by)
        .on_conflict_do_update(
            index_elements=["point"], set_={"capacity": capacity, "updated_by": by}
        )
    )
    rows = (
        await session.execute(
            select(SlotRow).where(SlotRow.point == point, SlotRow.starts_at > now)
        )
    ).scalars()
    for slot in rows:
        slot.capacity = max(capacity, slot.taken)


async def close_day(
    session: AsyncSession, point: str, day: date, reason: str, by: int | None
) -> None:
    """Close a point on a day (existing bookings stay; counsellors handle them)."""
    await session.execute(
        upsert(session, ClosureRow.__table__)
        .values(point=point, day=day, reason=reason, created_by=by)
        .on_conflict_do_update(index_elements=["point", "day"], set_={"reason": reason})
    )


async def reopen_day(session: AsyncSession, point: str, day: date) -> None:
    """Remove an admin's closure."""
    await session.execute(
        delete(ClosureRow).where(ClosureRow.point == point, ClosureRow.day == day)
    )
