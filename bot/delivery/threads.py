"""Where a desk keeps each case's thread: its thread and first message on the desk, and which
desk messages belong to which case (so a counsellor's reply finds its case)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.cases import remember_message
from bot.storage.db import Database
from bot.storage.models import CaseRow


@dataclass(frozen=True)
class Thread:
    """A case's place on the desk: a thread (forum topic) or the first message to reply to."""

    thread_id: int | None
    anchor_id: int | None


class CaseThreads:
    """The desk's memory of case threads, in the database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, case_id: int) -> Thread:
        """The case's thread as stored (both ``None`` before the first post)."""
        async with self.db.sessions() as session:
            case = await session.get(CaseRow, case_id)
        if case is None:
            return Thread(None, None)
        return Thread(case.thread_id, case.anchor_message_id)

    async def opened(self, case_id: int, thread_id: int) -> None:
        """The desk opened a thread for the case."""
        async with self.db.transaction() as session:
            case = await session.get(CaseRow, case_id)
            if case is not None:
                case.thread_id = thread_id

    async def posted(self, address: str, case_id: int, message_id: int) -> None:
        """A message about the case is on the desk; the first one anchors a reply thread."""
        async with self.db.transaction() as session:
            await remember_message(session, int(address), message_id, case_id)
            case = await session.get(CaseRow, case_id)
            if case is not None and case.thread_id is None and case.anchor_message_id is None:
                case.anchor_message_id = message_id
