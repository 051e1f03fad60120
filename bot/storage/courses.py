"""Courses in the database: the one mapping from a stored row to the core's course, and
the upcoming courses the course steps list."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.courses.matching import CourseView
from bot.core.courses.model import ACTIVE
from bot.storage.models import CourseRow


def to_view(row: CourseRow) -> CourseView:
    """The flows' view of a stored course."""
    return CourseView(
        id=row.id,
        provider=row.provider,
        code=row.code,
        type=row.type,
        level=row.level,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        weekdays=tuple(int(d) for d in row.weekdays.split(",") if d != ""),
        time_from=row.time_from,
        time_to=row.time_to,
        address=row.address,
        district=row.district,
        latitude=row.latitude,
        longitude=row.longitude,
        childcare=row.childcare,
        free_places=row.free_places,
        registration=row.registration,
        status=row.status,
    )


async def upcoming(session: AsyncSession, today: date, limit: int = 2000) -> tuple[CourseView, ...]:
    """Active courses that have not started yet."""
    rows = await session.execute(
        select(CourseRow)
        .where(CourseRow.status == ACTIVE, CourseRow.starts_on >= today)
        .order_by(CourseRow.starts_on, CourseRow.id)
        .limit(limit)
    )
    return tuple(to_view(r) for r in rows.scalars())
