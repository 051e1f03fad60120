"""A channel's transcript: what the reader said and was told, kept so that a web page can show
the conversation again after a reload, with what arrived while it was closed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.core.address import Address
from bot.storage import identities
from bot.storage import transcripts as store
from bot.storage.db import Database
from bot.storage.transcripts import Entry, NewEntry


class Transcript:
    """Reads and appends to the transcripts of one channel's readers."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    async def append(self, reader: Address, entries: Sequence[NewEntry]) -> list[Entry]:
        """Add ``entries`` (only for a reader the bot knows: nothing is kept for a visitor
        who has not written yet, or who was just erased); returns them as stored."""
        if not entries:
            return []
        async with self.db.transaction() as session:
            if await identities.find(session, reader) is None:
                return []
            now = self.clock()
            ids = await store.add(session, reader, entries, now)
        return [
            Entry(i, now, e.author, e.payload, e.file[0] if e.file else None)
            for i, e in zip(ids, entries, strict=True)
        ]

    async def since(self, reader: Address, after: int = 0) -> list[Entry]:
        """The reader's messages after id ``after`` (the newest 200 at most)."""
        async with self.db.sessions() as session:
            return await store.since(session, reader, after)

    async def file(self, reader: Address, entry_id: int) -> tuple[str, bytes] | None:
        """A file the reader was given (a calendar entry, their data)."""
        async with self.db.sessions() as session:
            return await store.file_of(session, reader, entry_id)
