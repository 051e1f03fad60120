"""Check-ins as use cases: the newcomer's yes or no, planning them when a visit is booked or a
course followed (or a counsellor asks for one, or marks a visit missed), recording answers.

Each check-in is a row in ``checkins`` and one outbox row that falls due at its time (held in
quiet hours). Whether it is still wanted and relevant is decided when it is sent
(``bot/delivery/compose.py``): a stop, a cancelled visit, an unfollowed course or an admin's
switch in between make it drop.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.outbox import Outbox
from bot.content.model import CheckinKind, Content
from bot.core.checkins import REASONS, Answer, Schedule
from bot.delivery.intents import Checkin
from bot.storage import bookings as booking_repo
from bot.storage import checkins as store
from bot.storage.models import BookingRow, CheckinRow, CourseRow, CourseSubscriptionRow

# Answered check-ins are kept this long (the case history shows them), then deleted.
CHECKIN_KEEP_DAYS = 365


class Checkins:
    """Check-ins of one city's schedule, in one time zone."""

    def __init__(self, timezone: str, content: Callable[[], Content]) -> None:
        self.tz = ZoneInfo(timezone)
        self.content = content

    @property
    def schedule(self) -> Schedule:
        return Schedule(self.content().checkins)

    async def _plan(
        self,
        session: AsyncSession,
        user_id: int,
        kind: CheckinKind,
        due: datetime,
        now: datetime,
        *,
        booking_id: int | None = None,
        course_id: int | None = None,
        off: frozenset[str] | None = None,
    ) -> bool:
        """Plan one check-in unless it is planned already or switched off."""
        if off is None:
            off = await store.switched_off(session)
        if due <= now - timedelta(days=1) or kind in off:
            return False
        planned = await store.find(
            session, user_id, kind, booking_id=booking_id, course_id=course_id
        )
        if planned is not None and kind != "counsellor":
            return False
        row = await store.plan(
            session, user_id, kind, due, now, booking_id=booking_id, course_id=course_id
        )
        return await Outbox(session).to_user(
            user_id, Checkin(row.id), key=f"checkin:{row.id}", now=now, due_at=due, quiet=True
        )

    async def visit(
        self, session: AsyncSession, user_id: int, booking: BookingRow, now: datetime
    ) -> bool:
        """A visit was booked: its check-ins, if the user wants them."""
        due_times = self.schedule.after_visit(booking.starts_at, self.tz)
        return await self._plan_wanted(session, user_id, due_times, now, booking_id=booking.id)

    async def course(
        self, session: AsyncSession, user_id: int, course: CourseRow, now: datetime
    ) -> bool:
        """A course is followed: its check-ins, if the user wants them."""
        due_times = self.schedule.for_course(course.starts_on, course.ends_on, self.tz)
        return await self._plan_wanted(session, user_id, due_times, now, course_id=course.id)

    async def _plan_wanted(
        self,
        session: AsyncSession,
        user_id: int,
        due_times: dict[CheckinKind, datetime],
        now: datetime,
        *,
        booking_id: int | None = None,
        course_id: int | None = None,
    ) -> bool:
        """Plan a visit's or a course's check-ins for a user who wants them."""
        if not due_times or await store.wanted(session, user_id) is not True:
            return False
        off = await store.switched_off(session)  # once for all of them
        planned = False
        for kind, due in due_times.items():
            planned |= await self._plan(
                session,
                user_id,
                kind,
                due,
                now,
                booking_id=booking_id,
                course_id=course_id,
                off=off,
            )
        return planned

    async def consent(self, session: AsyncSession, user_id: int, yes: bool, now: datetime) -> bool:
        """The user said yes or no (or stop); a yes plans the check-ins of their active visits
        and followed courses. Returns whether anything was queued."""
        await store.set_wanted(session, user_id, yes, now)
        if not yes:
            return False  # planned ones are dropped when they fall due
        planned = False
        for view in await booking_repo.active_bookings(session, user_id):
            booking = await session.get(BookingRow, view.id)
            if booking is not None:
                planned |= await self.visit(session, user_id, booking, now)
        followed = await session.scalars(
            select(CourseRow)
            .join(CourseSubscriptionRow, CourseSubscriptionRow.course_id == CourseRow.id)
            .where(CourseSubscriptionRow.user_id == user_id)
        )
        for course in list(followed):
            planned |= await self.course(session, user_id, course, now)
        return planned

    async def by_counsellor(
        self, session: AsyncSession, user_id: int, now: datetime
    ) -> datetime | None:
        """A counsellor asked for a check-in; when it will be sent (``None``: not possible,
        the user said no or the kind is off)."""
        if await store.wanted(session, user_id) is False:
            return None
        due = self.schedule.by_counsellor(now, self.tz)
        if due is None or not await self._plan(session, user_id, "counsellor", due, now):
            return None
        return due

    async def noshow(
        self, session: AsyncSession, user_id: int, booking_id: int, now: datetime
    ) -> bool:
        """A counsellor marked the visit missed: one friendly offer of a new appointment."""
        if await store.wanted(session, user_id) is False or self.schedule.rule("noshow") is None:
            return False
        return await self._plan(session, user_id, "noshow", now, now, booking_id=booking_id)

    async def answered(
        self, session: AsyncSession, user_id: int, checkin_id: int, answer: Answer, now: datetime
    ) -> CheckinRow | None:
        """Record an answer (a reason goes with "problems"); ``None`` if the check-in is not
        this user's (a forged or foreign button)."""
        row = await session.get(CheckinRow, checkin_id)
        if row is None or row.user_id != user_id:
            return None
        if answer in REASONS:
            row.reason = answer
            row.answer = row.answer or "problems"
        else:
            row.answer = answer
        row.answered_at = now
        return row

    async def forget_old(self, session: AsyncSession, now: datetime) -> int:
        """Delete answers older than ``CHECKIN_KEEP_DAYS``."""
        return await store.forget_answers(session, now - timedelta(days=CHECKIN_KEEP_DAYS))
