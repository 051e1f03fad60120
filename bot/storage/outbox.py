"""The outbox table: every message the bot sends later is a row, written with its cause."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.rules.timing import SendWindow
from bot.storage.models import OutboxRow
from bot.storage.users import as_utc, upsert

PENDING: Final = "pending"
SENDING: Final = "sending"
SENT: Final = "sent"
DROPPED: Final = "dropped"
FAILED: Final = "failed"
# Kinds where a later message about the same topic says all an earlier one would: after a
# downtime only the latest reminder of a visit or a course goes out.
SUPERSEDED_BY_LATER = frozenset({"reminder", "course_start"})


async def enqueue(
    session: AsyncSession,
    *,
    channel: str,
    address: str,
    user_id: int | None,
    kind: str,
    payload: Mapping[str, Any],
    key: str,
    due_at: datetime,
    now: datetime,
    topic: str | None = None,
    quiet: bool = False,
    event_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> None:
    """Add a message; a second message with the same idempotency ``key`` is ignored.

    The key names the content to deliver, so the same plan written twice yields one message.
    A message with that key that was dropped (the plan was withdrawn, then made again, e.g. a
    course followed again) is planned anew rather than silently ignored.
    """
    values = {
        "channel": channel,
        "address": address,
        "user_id": user_id,
        "kind": kind,
        "payload": dict(payload),
        "idempotency_key": key,
        "state": PENDING,
        "due_at": due_at,
        "next_attempt_at": due_at,
        "attempts": 0,
        "created_at": now,
        "topic": topic,
        "quiet": quiet,
        "event_at": event_at,
        "expires_at": expires_at,
    }
    table = OutboxRow.__table__
    insert = upsert(session, table).values(**values)
    revived = {name: insert.excluded[name] for name in values if name != "idempotency_key"}
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=["idempotency_key"],
            set_={**revived, "last_error": None, "sent_at": None},
            where=table.c.state == DROPPED,
        )
    )


async def drop(session: AsyncSession, keys: Iterable[str]) -> None:
    """Drop pending messages by key."""
    await session.execute(
        update(OutboxRow)
        .where(OutboxRow.idempotency_key.in_(list(keys)), OutboxRow.state == PENDING)
        .values(state=DROPPED)
        .execution_options(synchronize_session=False)
    )


async def drop_topic(
    session: AsyncSession,
    topic: str,
    *,
    kinds: Collection[str] | None = None,
    keep: Collection[str] = (),
) -> int:
    """Drop the pending messages about ``topic`` (of ``kinds``), except the keys in ``keep``."""
    query = update(OutboxRow).where(OutboxRow.topic == topic, OutboxRow.state == PENDING)
    if kinds is not None:
        query = query.where(OutboxRow.kind.in_(list(kinds)))
    if keep:
        query = query.where(OutboxRow.idempotency_key.not_in(list(keep)))
    result = await session.execute(
        query.values(state=DROPPED).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def drop_address(session: AsyncSession, channel: str, address: str) -> int:
    """Drop everything pending for an address (the user blocked the bot); returns how many."""
    result = await session.execute(
        update(OutboxRow)
        .where(
            OutboxRow.channel == channel,
            OutboxRow.address == address,
            OutboxRow.state == PENDING,
        )
        .values(state=DROPPED, last_error="blocked")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


Destination = tuple[str, str]  # (channel, address)


def destination(row: OutboxRow) -> Destination:
    """Where a row goes, as the key Telegram's per-chat limits are counted by."""
    return (row.channel, row.address)


@dataclass
class Claim:
    """What one claim took, and the destinations that had more due than they may take now."""

    rows: list[OutboxRow]
    waiting: set[Destination]


async def claim_due(
    session: AsyncSession,
    now: datetime,
    limit: int,
    *,
    skip_locked: bool,
    exclude: Collection[Destination] = (),
    may_send: Callable[[Destination], bool] | None = None,
    window: SendWindow | None = None,
    channels: Collection[str] | None = None,
) -> Claim:
    """Take up to ``limit`` due messages for sending, at most one per chat.

    Only rows of ``channels`` (all if ``None``) are read, rows to destinations in ``exclude``
    not at all, and rows of chats that ``may_send``
    refuses now (Telegram's per-chat limit) are left as they are: nothing is taken only to be
    put back. Those chats are reported as ``waiting``, so the caller can exclude them until
    they may receive again. At the same time, rows whose event has passed are dropped, an
    earlier reminder gives way to a later one of the same topic that is due too, and quiet
    rows in quiet hours are moved to the morning: all decided now, when the message would go,
    not when it was planned.

    On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several bot processes claim different rows.
    The query reads the partial index on pending rows, so its cost follows the due rows, not
    all rows ever stored.
    """
    claim = Claim([], set())
    if limit <= 0:
        return claim
    query = (
        select(OutboxRow)
        .where(OutboxRow.state == PENDING, OutboxRow.next_attempt_at <= now)
        .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
        .limit(2 * limit)
    )
    if channels is not None:
        query = query.where(OutboxRow.channel.in_(list(channels)))
    if exclude:
        query = query.where(tuple_(OutboxRow.channel, OutboxRow.address).not_in(list(exclude)))
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    due = list((await session.execute(query)).scalars())
    latest: dict[tuple[str, str], OutboxRow] = {}
    for row in due:
        if row.kind in SUPERSEDED_BY_LATER and row.topic is not None:
            key = (row.topic, row.kind)
            if key not in latest or row.due_at > latest[key].due_at:
                latest[key] = row
    taken: set[Destination] = set()
    for row in due:
        superseded = row.kind in SUPERSEDED_BY_LATER and row.topic is not None
        if superseded and latest[(row.topic or "", row.kind)] is not row:
            row.state, row.last_error = DROPPED, "superseded"
            continue
        if row.expires_at is not None and as_utc(row.expires_at) <= now:
            row.state, row.last_error = DROPPED, "expired"
            continue
        if row.quiet and window is not None:
            event_at = as_utc(row.event_at) if row.event_at is not None else None
            morning = window.hold_until(now, event_at)
            if morning is not None:
                row.next_attempt_at = morning
                continue
        if len(claim.rows) >= limit:
            continue  # asked before may_send, which takes a place in the limits
        to = destination(row)
        if to in taken or (may_send is not None and not may_send(to)):
            claim.waiting.add(to)  # stays pending, untouched
            continue
        taken.add(to)
        row.state = SENDING
        row.attempts += 1
        claim.rows.append(row)
    return claim


async def mark_sent(session: AsyncSession, sent: list[tuple[int, datetime]]) -> None:
    """Mark rows sent, many in one statement."""
    await session.execute(
        update(OutboxRow),
        [{"id": row_id, "state": SENT, "sent_at": at} for row_id, at in sent],
    )


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
    return int(
        await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.state == PENDING)
        )
        or 0
    )


async def health_counts(session: AsyncSession, now: datetime, late: timedelta) -> dict[str, int]:
    """Pending messages, those overdue by more than ``late``, and those that failed for good.

    A quiet message held for the morning is not overdue: its next attempt is still ahead.
    """

    async def count(*where: Any) -> int:
        query = select(func.count()).select_from(OutboxRow).where(*where)
        return int(await session.scalar(query) or 0)

    return {
        "pending": await count(OutboxRow.state == PENDING),
        "overdue": await count(OutboxRow.state == PENDING, OutboxRow.next_attempt_at < now - late),
        "failed": await count(OutboxRow.state == FAILED),
    }
