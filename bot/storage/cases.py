"""Cases in the counsellors' group, their group messages, and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import AuditRow, CaseMessageRow, CaseRow

OPEN: Final = "open"
CLOSED: Final = "closed"


async def open_case_of(session: AsyncSession, user_id: int) -> CaseRow | None:
    """The user's open case, if any."""
    return (
        await session.execute(
            select(CaseRow).where(CaseRow.user_id == user_id, CaseRow.status == OPEN).limit(1)
        )
    ).scalar_one_or_none()


async def open_case(
    session: AsyncSession,
    *,
    user_id: int,
    reason: str,
    language: str,
    now: datetime,
    booking_id: int | None = None,
) -> tuple[CaseRow, bool]:
    """The user's open case, or a new one; returns (case, created)."""
    existing = await open_case_of(session, user_id)
    if existing is not None:
        if booking_id is not None:
            existing.booking_id = booking_id
        return existing, False
    case = CaseRow(
        user_id=user_id,
        booking_id=booking_id,
        reason=reason,
        status=OPEN,
        language=language,
        created_at=now,
    )
    session.add(case)
    await session.flush()
    return case, True


async def case_for_group_message(
    session: AsyncSession, chat_id: int, thread_id: int | None, reply_to: int | None
) -> CaseRow | None:
    """The case a counsellors' group message belongs to: by forum topic or by reply."""
    if thread_id is not None:
        found = (
            await session.execute(select(CaseRow).where(CaseRow.thread_id == thread_id).limit(1))
        ).scalar_one_or_none()
        if found is not None:
            return found
    if reply_to is not None:
        link = await session.get(CaseMessageRow, (chat_id, reply_to))
        if link is not None:
            return await session.get(CaseRow, link.case_id)
    return None


async def remember_message(
    session: AsyncSession, chat_id: int, message_id: int, case_id: int
) -> None:
    """Link a message in the group to its case, so replies to it reach the newcomer."""
    if await session.get(CaseMessageRow, (chat_id, message_id)) is None:
        session.add(CaseMessageRow(chat_id=chat_id, message_id=message_id, case_id=case_id))


async def audit(
    session: AsyncSession,
    *,
    actor_id: int,
    role: str,
    action: str,
    now: datetime,
    case_id: int | None = None,
    detail: str | None = None,
) -> None:
    """Record an action (never message contents)."""
    session.add(
        AuditRow(
            at=now, actor_id=actor_id, role=role, action=action, case_id=case_id, detail=detail
        )
    )
