"""The unit of work: one transaction, its outbox, and what the use cases of one update share."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.outbox import Outbox
from bot.core.address import Address
from bot.storage.db import Database


@dataclass
class UnitOfWork:
    """Everything one update changes goes through here and commits together, or not at all.

    Attributes:
        session: The open transaction (repositories in ``bot.storage`` take it).
        outbox: Messages for later, written in the same transaction.
        now: The moment of this unit of work (the injected clock's).
        lock: Whether rows read to be changed are locked (PostgreSQL).
        queued: Set when a message was written to the outbox (the dispatcher is woken).
    """

    session: AsyncSession
    outbox: Outbox
    now: datetime
    lock: bool
    queued: bool = False


@asynccontextmanager
async def unit_of_work(
    db: Database, clock: Callable[[], datetime], desk: Address | None
) -> AsyncIterator[UnitOfWork]:
    """A new unit of work; commits when the block ends, rolls back on an error."""
    async with db.transaction() as session:
        yield UnitOfWork(session, Outbox(session, desk), clock(), lock=not db.is_sqlite)


@asynccontextmanager
async def reading(
    db: Database, clock: Callable[[], datetime], desk: Address | None
) -> AsyncIterator[UnitOfWork]:
    """A unit of work that only reads (showing a step again): no write lock, nothing to commit."""
    async with db.sessions() as session:
        yield UnitOfWork(session, Outbox(session, desk), clock(), lock=False)
