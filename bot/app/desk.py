"""The counsellors' desk at work: their replies and buttons on cases, members only, audited.

A channel tells who acted and whether they belong to the counsellors (it asks its platform);
everything else, finding the case, refusing strangers, acting and auditing, happens here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from bot.app.casework import Casework
from bot.core.actions import CaseAction
from bot.storage.cases import audit, case_for_group_message
from bot.storage.db import Database
from bot.storage.models import CaseRow


class Verdict(Enum):
    """How a counsellor's button ended."""

    DONE = "done"
    NOT_POSSIBLE = "not_possible"
    REFUSED = "refused"


@dataclass(frozen=True)
class DeskMessage:
    """A message written on the desk: where it hangs, and what it says."""

    desk_id: int
    thread_id: int | None
    reply_to: int | None
    message_id: int
    text: str


class Desk:
    """Counsellors' work on cases, through the casework rules."""

    def __init__(self, db: Database, casework: Casework, clock: Callable[[], datetime]) -> None:
        self.db, self.casework, self.clock = db, casework, clock

    async def message(self, message: DeskMessage, *, actor_id: int, member: bool) -> bool:
        """A message on the desk: a reply in a case's thread reaches the newcomer, ``/close``
        closes the case. Returns whether anything was queued for sending."""
        async with self.db.transaction() as session:
            case = await case_for_group_message(
                session, message.desk_id, message.thread_id, message.reply_to
            )
            if case is None:
                return False
            now = self.clock()
            if not member:
                await audit(
                    session,
                    actor_id=actor_id,
                    role="stranger",
                    action="refused-message",
                    now=now,
                    case_id=case.id,
                )
                return False
            if message.text.strip().split("@")[0] == "/close":
                return await self.casework.act(
                    session, case=case, actor_id=actor_id, action="close", now=now
                )
            if message.text.startswith("/"):
                return False
            return await self.casework.relay_from_counsellor(
                session,
                case=case,
                actor_id=actor_id,
                text=message.text,
                message_id=message.message_id,
                now=now,
            )

    async def button(self, action: CaseAction, *, actor_id: int, member: bool) -> Verdict:
        """A counsellor's button on a case."""
        async with self.db.transaction() as session:
            case = await session.get(CaseRow, action.case_id)
            now = self.clock()
            if not member:
                await audit(
                    session,
                    actor_id=actor_id,
                    role="stranger",
                    action="refused-button",
                    now=now,
                    case_id=case.id if case else None,
                    detail=action.verb,
                )
                return Verdict.REFUSED
            if case is None:
                return Verdict.NOT_POSSIBLE
            done = await self.casework.act(
                session, case=case, actor_id=actor_id, action=action.verb, now=now
            )
        return Verdict.DONE if done else Verdict.NOT_POSSIBLE
