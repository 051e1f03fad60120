"""The outbox table: every message the bot sends later is a row, written with its cause."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import OutboxRow
from bot.storage.repo import upsert

PENDING, SENDING, SENT, DROPPED, FAILED = "pending", "sending", "sent", "dropped", "failed"


async def enqueue(
    session: AsyncSession,
    *,
    chat_id: int,
    kind: str,
    payload: Mapping[str, Any],
    key: str,
    due_at: datetime,
    now: datetime,
) -> None:
    """Add a message; a second message with the same idempotency ``key`` is ignored."""
    await session.execute(
        upsert(session, OutboxRow.__table__)
        .values(
            chat_id=chat_id,
            kind=kind,
            payload=dict(payload),
            idempotency_key=key,
            state=PENDING,
            due_at=due_at,
            next_attempt_at=due_at,
            attempts=0,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
    )


async def drop(session: AsyncSession, keys: Iterable[str]) -> None:
    """Drop pending messages by key (e.g. the reminders of a cancelled appointment)."""
    await session.execute(
        update(OutboxRow)
        .where(OutboxRow.idempotency_key.in_(list(keys)), OutboxRow.state == PENDING)
        .values(state=DROPPED)
        .execution_options(synchronize_session=False)
    )


async def drop_chat(session: AsyncSession, chat_id: int) -> int:
    """Drop everything pending for a chat (the user blocked the bot); returns how many."""
    result = await session.execute(
        update(OutboxRow)
        .where(OutboxRow.chat_id == chat_id, OutboxRow.state == PENDING)
        .values(state=DROPPED, last_error="blocked")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def claim_due(
    session: AsyncSession, now: datetime, limit: int, *, skip_locked: bool
) -> list[OutboxRow]:
    """Take up to ``limit`` due messages for sending.

    On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several bot processes claim different rows.
    The query reads the partial index on pending rows, so its cost follows the due rows, not
    all rows ever stored.
    """
    query = (
        select(OutboxRow)
        .where(OutboxRow.state == PENDING, OutboxRow.next_attempt_at <= now)
        .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
        .limit(limit)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    rows = list((await session.execute(query)).scalars())
    for row in rows:
        row.state = SENDING
        row.attempts += 1
    return rows


async def recover(session: AsyncSession) -> int:
    """After a crash: messages left in ``sending`` were not confirmed as sent; send them again."""
    result = await session.execute(
        update(OutboxRow)
        .where(OutboxRow.state == SENDING)
        .values(state=PENDING)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def pending_count(session: AsyncSession) -> int:
    """How many messages wait."""
    from sqlalchemy import func

    return int(
        await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.state == PENDING)
        )
        or 0
    )


async def health_counts(session: AsyncSession, now: datetime, late: timedelta) -> dict[str, int]:
    """Pending messages, those overdue by more than ``late``, and those that failed for good."""
    from sqlalchemy import func

    async def count(*where: Any) -> int:
        query = select(func.count()).select_from(OutboxRow).where(*where)
        return int(await session.scalar(query) or 0)

    return {
        "pending": await count(OutboxRow.state == PENDING),
        "overdue": await count(OutboxRow.state == PENDING, OutboxRow.due_at < now - late),
        "failed": await count(OutboxRow.state == FAILED),
    }
