"""Appointments: free slots, booking with capacity enforced by the database, cancelling,
and the reminders that go with a booking (written to the outbox in the same transaction)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.outbox import Outbox
from bot.content.model import Content
from bot.core.events import BookingDone, BookingFailed
from bot.core.rules.schedule import (
    BOOKING_DAYS,
    FreeSlot,
    Slot,
    free_slots,
    generate_slots,
    nearest,
)
from bot.delivery.intents import VisitReminder
from bot.flows.base import Book
from bot.storage import bookings as repo
from bot.storage.models import BookingRow, BookingStatus

REMINDER_LEADS = (timedelta(hours=24), timedelta(hours=2))


def booking_topic(booking_id: int) -> str:
    """The outbox topic of a booking's reminders."""
    return f"booking:{booking_id}"


async def drop_reminders(session: AsyncSession, booking_id: int) -> None:
    """The visit was cancelled, moved or has happened: its pending reminders are dropped."""
    await Outbox(session).drop_topic(booking_topic(booking_id), kinds=(VisitReminder.kind,))


class Appointments:
    """Booking rules over the database, for one time zone."""

    def __init__(self, timezone: str) -> None:
        self.tz = ZoneInfo(timezone)

    async def schedule(
        self, session: AsyncSession, content: Content, now: datetime
    ) -> dict[str, list[Slot]]:
        """All slots of the bookable points for the booking window, closures applied."""
        today = now.astimezone(self.tz).date()
        last = today + timedelta(days=BOOKING_DAYS)
        closed = await repo.closed_days(session, today, last)
        capacity = await repo.capacity_overrides(session)
        return {
            key: generate_slots(
                key,
                point.booking,
                first_day=today,
                tz=self.tz,
                extra_closures=closed.get(key, ()),
                capacity=capacity.get(key),
            )
            for key, point in content.points.items()
            if point.booking is not None
        }

    async def availability(
        self, session: AsyncSession, content: Content, now: datetime
    ) -> dict[str, tuple[FreeSlot, ...]]:
        """Free slots per bookable point."""
        slots = await self.schedule(session, content, now)
        every = [s for point_slots in slots.values() for s in point_slots]
        if not every:
            return {}
        taken = await repo.taken_seats(session, slots, every[0].start, max(s.start for s in every))
        return {key: tuple(free_slots(ss, taken.get(key, {}), now)) for key, ss in slots.items()}

    async def book(
        self,
        session: AsyncSession,
        content: Content,
        *,
        user_id: int,
        effect: Book,
        language: str,
        now: datetime,
    ) -> tuple[BookingDone | BookingFailed, BookingRow | None]:
        """Reserve a seat; on success write the booking and its reminders."""
        if effect.replaces is None and await repo.has_active(session, user_id, effect.point):
            return BookingFailed((), already_booked=True), None
        slots = (await self.schedule(session, content, now)).get(effect.point, [])
        slot = next((s for s in slots if s.start == effect.start), None)
        seated = (
            slot is not None
            and effect.start >= now
            and await repo.take_seat(session, effect.point, effect.start, slot.capacity)
        )
        if not seated or slot is None:
            free = (await self.availability(session, content, now)).get(effect.point, ())
            return BookingFailed(tuple(nearest(free, effect.start))), None
        if effect.replaces is not None:
            old = await repo.get_booking(session, effect.replaces)
            if old is not None and old.user_id == user_id:
                await self.end(session, old, "cancelled", now)
        booking = await repo.add_booking(
            session,
            user_id=user_id,
            point=effect.point,
            start=slot.start,
            end=slot.end,
            language=language,
            now=now,
        )
        for lead in REMINDER_LEADS:
            due = slot.start - lead
            if due > now:
                hours = int(lead.total_seconds() // 3600)
                await Outbox(session).to_user(
                    user_id,
                    VisitReminder(booking.id, hours, slot.start.astimezone(UTC)),
                    key=f"reminder:{booking.id}:{hours}h:{slot.start.astimezone(UTC):%Y%m%dT%H%M}",
                    now=now,
                    due_at=due,
                    topic=booking_topic(booking.id),
                    quiet=True,
                    event_at=slot.start,
                    expires_at=slot.start,
                )
        return BookingDone(booking.id), booking

    async def end(
        self, session: AsyncSession, booking: BookingRow, status: BookingStatus, now: datetime
    ) -> None:
        """Cancel a booking (freeing its seat) or close it; pending reminders are dropped."""
        await repo.end_booking(session, booking, status, now)
        await drop_reminders(session, booking.id)


def profile(answers: Mapping[str, str], language: str) -> dict[str, str]:
    """What a counsellor needs to know about the newcomer (no names, no free text)."""
    return {
        "status": answers.get("status", ""),
        "benefits": answers.get("benefits", ""),
        "age": answers.get("age", ""),
        "lang": language,
    }
