"""Check-ins as stored: planned ones, answers (codes only), the newcomer's yes or no, and the
kinds an admin switched off."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import CheckinRow, CheckinSwitchRow, User


async def wanted(session: AsyncSession, user_id: int) -> bool | None:
    """Whether the user wants check-ins (``None``: not asked yet)."""
    found: bool | None = await session.scalar(select(User.checkins).where(User.id == user_id))
    return found


async def set_wanted(session: AsyncSession, user_id: int, yes: bool, now: datetime) -> None:
    await session.execute(
        update(User).where(User.id == user_id).values(checkins=yes, checkins_at=now)
    )


async def find(
    session: AsyncSession,
    user_id: int,
    kind: str,
    *,
    booking_id: int | None = None,
    course_id: int | None = None,
) -> CheckinRow | None:
    """The check-in of this kind already planned for this visit or course, if any."""
    query = select(CheckinRow).where(CheckinRow.user_id == user_id, CheckinRow.kind == kind)
    query = query.where(
        CheckinRow.booking_id.is_(None)
        if booking_id is None
        else CheckinRow.booking_id == booking_id,
        CheckinRow.course_id.is_(None) if course_id is None else CheckinRow.course_id == course_id,
    )
    found: CheckinRow | None = await session.scalar(query.limit(1))
    return found


async def plan(
    session: AsyncSession,
    user_id: int,
    kind: str,
    due_at: datetime,
    now: datetime,
    *,
    booking_id: int | None = None,
    course_id: int | None = None,
) -> CheckinRow:
    row = CheckinRow(
        user_id=user_id,
        kind=kind,
        booking_id=booking_id,
        course_id=course_id,
        due_at=due_at,
        planned_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def history(session: AsyncSession, user_id: int) -> list[CheckinRow]:
    """The user's check-ins that were due by now or answered, oldest first."""
    rows = await session.scalars(
        select(CheckinRow).where(CheckinRow.user_id == user_id).order_by(CheckinRow.due_at)
    )
    return list(rows)


async def switched_off(session: AsyncSession) -> frozenset[str]:
    """Kinds an admin switched off."""
    rows = await session.scalars(
        select(CheckinSwitchRow.kind).where(CheckinSwitchRow.enabled.is_(False))
    )
    return frozenset(rows)


async def switch(
    session: AsyncSession, kind: str, enabled: bool, actor_id: int, now: datetime
) -> None:
    await session.execute(delete(CheckinSwitchRow).where(CheckinSwitchRow.kind == kind))
    session.add(CheckinSwitchRow(kind=kind, enabled=enabled, actor_id=actor_id, at=now))


async def forget_answers(session: AsyncSession, before: datetime) -> int:
    """Delete check-ins answered before ``before``; returns how many."""
    result = await session.execute(
        delete(CheckinRow)
        .where(CheckinRow.answered_at.is_not(None), CheckinRow.answered_at < before)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
