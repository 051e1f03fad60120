"""Messages for later, written in the transaction of what causes them: to a newcomer wherever
they are reached now, or to the counsellors' desk."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.address import Address
from bot.delivery.intents import Intent
from bot.storage import identities
from bot.storage.outbox import drop_topic, enqueue


class Outbox:
    """The outbox of one transaction."""

    def __init__(self, session: AsyncSession, desk: Address | None = None) -> None:
        self.session, self.desk = session, desk

    async def _add(
        self,
        to: Address,
        user_id: int | None,
        intent: Intent,
        *,
        key: str,
        now: datetime,
        due_at: datetime | None,
        topic: str | None,
        quiet: bool,
        event_at: datetime | None,
        expires_at: datetime | None,
    ) -> None:
        await enqueue(
            self.session,
            channel=to.channel,
            address=to.id,
            user_id=user_id,
            kind=intent.kind,
            payload=intent.payload(),
            key=key,
            due_at=due_at or now,
            now=now,
            topic=topic,
            quiet=quiet,
            event_at=event_at,
            expires_at=expires_at,
        )

    async def to_user(
        self,
        user_id: int,
        intent: Intent,
        *,
        key: str,
        now: datetime,
        due_at: datetime | None = None,
        topic: str | None = None,
        quiet: bool = False,
        event_at: datetime | None = None,
        expires_at: datetime | None = None,
    ) -> bool:
        """A message to a newcomer where they are reached now; ``False`` if nowhere."""
        to = await identities.address_of(self.session, user_id)
        if to is None:
            return False
        await self._add(
            to,
            user_id,
            intent,
            key=key,
            now=now,
            due_at=due_at,
            topic=topic,
            quiet=quiet,
            event_at=event_at,
            expires_at=expires_at,
        )
        return True

    async def to_address(
        self,
        to: Address,
        intent: Intent,
        *,
        key: str,
        now: datetime,
        user_id: int | None = None,
    ) -> None:
        """A message to a known address, e.g. an admin's chat."""
        await self._add(
            to,
            user_id,
            intent,
            key=key,
            now=now,
            due_at=None,
            topic=None,
            quiet=False,
            event_at=None,
            expires_at=None,
        )

    async def to_desk(
        self, intent: Intent, *, key: str, now: datetime, due_at: datetime | None = None
    ) -> bool:
        """A message to the counsellors' desk; ``False`` if there is none."""
        if self.desk is None:
            return False
        await self._add(
            self.desk,
            None,
            intent,
            key=key,
            now=now,
            due_at=due_at,
            topic=None,
            quiet=False,
            event_at=None,
            expires_at=None,
        )
        return True

    async def drop_topic(
        self, topic: str, *, kinds: Collection[str] | None = None, keep: Collection[str] = ()
    ) -> int:
        """Withdraw what is pending about ``topic`` (of ``kinds``), except the keys in ``keep``."""
        return await drop_topic(self.session, topic, kinds=kinds, keep=keep)
