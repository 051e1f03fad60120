"""Transcripts: what a channel shows its reader again (the web chat after a reload)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.address import Address
from bot.storage.models import TranscriptRow


@dataclass(frozen=True)
class Entry:
    """One message of a transcript (without its file's bytes)."""

    id: int
    at: datetime
    author: str
    payload: dict[str, Any]
    file_name: str | None


@dataclass(frozen=True)
class NewEntry:
    """A message to add: who wrote it, what it shows, and an optional file."""

    author: str
    payload: dict[str, Any]
    file: tuple[str, bytes] | None = None


async def add(
    session: AsyncSession, reader: Address, entries: Iterable[NewEntry], now: datetime
) -> list[int]:
    """Append ``entries`` to the reader's transcript; returns their ids in order."""
    ids = []
    for entry in entries:
        name, data = entry.file if entry.file is not None else (None, None)
        new_id = await session.scalar(
            insert(TranscriptRow)
            .values(
                channel=reader.channel,
                external_id=reader.id,
                at=now,
                author=entry.author,
                payload=entry.payload,
                file_name=name,
                file_data=data,
            )
            .returning(TranscriptRow.id)
        )
        assert new_id is not None
        ids.append(new_id)
    return ids


async def since(
    session: AsyncSession, reader: Address, after: int = 0, limit: int = 200
) -> list[Entry]:
    """The reader's messages after id ``after``, oldest first, at most the last ``limit``."""
    columns = (
        TranscriptRow.id,
        TranscriptRow.at,
        TranscriptRow.author,
        TranscriptRow.payload,
        TranscriptRow.file_name,
    )
    newest = (
        select(*columns)
        .where(
            TranscriptRow.channel == reader.channel,
            TranscriptRow.external_id == reader.id,
            TranscriptRow.id > after,
        )
        .order_by(TranscriptRow.id.desc())
        .limit(limit)
    )
    rows = (await session.execute(newest)).all()
    return [Entry(r.id, r.at, r.author, r.payload, r.file_name) for r in reversed(rows)]


async def file_of(
    session: AsyncSession, reader: Address, entry_id: int
) -> tuple[str, bytes] | None:
    """The file attached to one of the reader's messages (never another reader's)."""
    row = (
        await session.execute(
            select(TranscriptRow.file_name, TranscriptRow.file_data).where(
                TranscriptRow.id == entry_id,
                TranscriptRow.channel == reader.channel,
                TranscriptRow.external_id == reader.id,
            )
        )
    ).one_or_none()
    if row is None or row.file_name is None or row.file_data is None:
        return None
    return row.file_name, row.file_data


async def count(session: AsyncSession, reader: Address) -> int:
    """How many messages the reader's transcript holds."""
    found = await session.scalar(
        select(func.count())
        .select_from(TranscriptRow)
        .where(TranscriptRow.channel == reader.channel, TranscriptRow.external_id == reader.id)
    )
    return int(found or 0)


async def erase(session: AsyncSession, readers: Sequence[Address]) -> None:
    """Delete the transcripts of ``readers``."""
    if not readers:
        return
    pairs = [(r.channel, r.id) for r in readers]
    await session.execute(
        delete(TranscriptRow)
        .where(tuple_(TranscriptRow.channel, TranscriptRow.external_id).in_(pairs))
        .execution_options(synchronize_session=False)
    )
