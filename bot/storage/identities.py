"""Identities: which user a channel's chat or session belongs to, and where a user is reached.

A user has the bot's own id; each channel (Telegram, web chat, terminal) knows them by its own
external id. Updates are de-duplicated per identity, because update ids are per channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, case, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.address import Address
from bot.storage.models import Identity, User
from bot.storage.users import upsert


@dataclass(frozen=True)
class Known:
    """A resolved identity: the user, and the last update of this channel applied for them."""

    user_id: int
    last_update_id: int | None
    new: bool = False


async def find(session: AsyncSession, address: Address, *, lock: bool = False) -> Known | None:
    """The user behind ``address``, if known. With ``lock`` the identity stays locked until
    the transaction ends (PostgreSQL): two processes never apply one chat's updates at once."""
    where = {"channel": address.channel, "external_id": address.id}
    row = (await session.execute(_find_statement(lock), where)).one_or_none()
    return None if row is None else Known(row.user_id, row.last_update_id)


async def resolve(session: AsyncSession, address: Address, now: datetime, *, lock: bool) -> Known:
    """The user behind ``address``; a new user with a new id if the address is new."""
    known = await find(session, address, lock=lock)
    if known is not None:
        return known
    user_id = (
        await session.execute(
            insert(User).values(created_at=now, last_seen_at=now).returning(User.id)
        )
    ).scalar_one()
    await session.execute(
        upsert(session, Identity.__table__)
        .values(
            channel=address.channel,
            external_id=address.id,
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
        )
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
    )
    known = await find(session, address, lock=lock)
    assert known is not None
    if known.user_id != user_id:  # another process created this user a moment earlier
        await session.execute(delete(User).where(User.id == user_id))
        return known
    return Known(user_id, None, new=True)


async def note_update(
    session: AsyncSession, address: Address, update_id: int | None, now: datetime
) -> None:
    """The identity was seen now; ``update_id`` (if any) was applied."""
    params: dict[str, object] = {"b_channel": address.channel, "b_id": address.id, "b_now": now}
    if update_id is not None:
        params["b_update_id"] = update_id
    await session.execute(_note_statement(update_id is not None), params)


# Built once, with parameters: these run on every update (see users.py).


@cache
def _find_statement(lock: bool) -> Any:
    query = select(Identity.user_id, Identity.last_update_id).where(
        Identity.channel == bindparam("channel"), Identity.external_id == bindparam("external_id")
    )
    return query.with_for_update() if lock else query


@cache
def _note_statement(with_update_id: bool) -> Any:
    # Parameter names other than the columns': those are reserved in an UPDATE.
    values: dict[str, object] = {"last_seen_at": bindparam("b_now")}
    if with_update_id:
        last = Identity.last_update_id
        update_id = bindparam("b_update_id", type_=last.type)
        values["last_update_id"] = case(
            (last.is_not(None) & (last > update_id), last), else_=update_id
        )
    return (
        update(Identity)
        .where(
            Identity.channel == bindparam("b_channel"), Identity.external_id == bindparam("b_id")
        )
        .values(**values)
    )


async def address_of(session: AsyncSession, user_id: int) -> Address | None:
    """Where the user is reached now: the identity they used last."""
    row = (
        await session.execute(
            select(Identity.channel, Identity.external_id)
            .where(Identity.user_id == user_id)
            .order_by(Identity.last_seen_at.desc())
            .limit(1)
        )
    ).one_or_none()
    return None if row is None else Address(row.channel, row.external_id)


async def addresses_of(session: AsyncSession, user_id: int) -> list[Address]:
    """Every identity of the user."""
    rows = await session.execute(
        select(Identity.channel, Identity.external_id).where(Identity.user_id == user_id)
    )
    return [Address(channel, external) for channel, external in rows]
