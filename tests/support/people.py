"""Newcomers as the app knows them: an address on a channel, and a user behind it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.core.address import Address
from bot.storage.db import Database
from bot.storage.models import Identity, User

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def tg(chat_id: int) -> Address:
    """A private Telegram chat."""
    return Address("telegram", str(chat_id))


async def person(db: Database, user_id: int, address: Address | None = None) -> int:
    """A user with the id ``user_id``, reached at ``address`` (a Telegram chat with the same
    number by default), for tests that work below the conversation."""
    to = address or tg(user_id)
    async with db.transaction() as session:
        if await session.get(User, user_id) is None:
            session.add(User(id=user_id, created_at=EPOCH, last_seen_at=EPOCH))
            await session.flush()
        if await session.get(Identity, (to.channel, to.id)) is None:
            session.add(
                Identity(
                    channel=to.channel,
                    external_id=to.id,
                    user_id=user_id,
                    created_at=EPOCH,
                    last_seen_at=EPOCH,
                )
            )
    return user_id


async def user_id_of(db: Database, address: Address) -> int | None:
    """The user behind ``address``, if any."""
    async with db.sessions() as session:
        return await session.scalar(
            select(Identity.user_id).where(
                Identity.channel == address.channel, Identity.external_id == address.id
            )
        )
