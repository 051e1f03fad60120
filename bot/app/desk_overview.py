"""What the counsellors' desk looks like today, for the console: the day's bookings per point
(no names: case number, language, status), capacity and closures for the next two weeks, and
the open cases with how long they have waited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.content.model import Content
from bot.storage.bookings import capacity_overrides
from bot.storage.db import Database
from bot.storage.models import BookingRow, CaseRow, ClosureRow

DAYS_AHEAD = 14


@dataclass(frozen=True)
class Visit:
    at: datetime  # local time
    case_id: int | None
    language: str
    status: str


@dataclass(frozen=True)
class PointDay:
    key: str
    name: str
    capacity: int
    closed: dict[date, str]  # admins' closures in the next two weeks, with the reason
    visits: tuple[Visit, ...]


@dataclass(frozen=True)
class Waiting:
    case_id: int
    language: str
    reason: str
    since: datetime
    waited: timedelta


class DeskOverview:
    """Read-only views of bookings and cases; changes go through the admin commands."""

    def __init__(
        self, db: Database, clock: Callable[[], datetime], content: Callable[[], Content], tz: str
    ) -> None:
        self.db = db
        self.clock = clock
        self.content = content
        self.tz = ZoneInfo(tz)

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    async def day(self, day: date) -> list[PointDay]:
        content = self.content()
        start = datetime.combine(day, time(0), self.tz)
        first, last = self.today(), self.today() + timedelta(days=DAYS_AHEAD)
        async with self.db.sessions() as session:
            overrides = await capacity_overrides(session)
            closures = (
                await session.execute(
                    select(ClosureRow).where(ClosureRow.day >= first, ClosureRow.day <= last)
                )
            ).scalars()
            closed: dict[str, dict[date, str]] = {}
            for row in closures:
                closed.setdefault(row.point, {})[row.day] = row.reason
            bookings = (
                await session.execute(
                    select(BookingRow, CaseRow.id)
                    .outerjoin(CaseRow, CaseRow.booking_id == BookingRow.id)
                    .where(
                        BookingRow.starts_at >= start,
                        BookingRow.starts_at < start + timedelta(days=1),
                    )
                    .order_by(BookingRow.starts_at, BookingRow.id)
                )
            ).all()
        points = []
        for key, point in content.points.items():
            if point.booking is None:
                continue
            visits = tuple(
                Visit(b.starts_at.astimezone(self.tz), case_id, b.language, b.status)
                for b, case_id in bookings
                if b.point == key
            )
            points.append(
                PointDay(
                    key=key,
                    name=point.name_de,
                    capacity=overrides.get(key, point.booking.capacity),
                    closed=closed.get(key, {}),
                    visits=visits,
                )
            )
        return points

    async def waiting(self) -> list[Waiting]:
        now = self.clock()
        async with self.db.sessions() as session:
            rows = (
                await session.execute(
                    select(CaseRow).where(CaseRow.status == "open").order_by(CaseRow.created_at)
                )
            ).scalars()
            return [
                Waiting(c.id, c.language, c.reason, c.created_at, now - c.created_at) for c in rows
            ]
