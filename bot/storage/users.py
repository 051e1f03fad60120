"""Reading and writing users, conversation state and content documents."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, null, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.state import State
from bot.storage.models import ContentDocument, Conversation, User


async def load_conversation(
    session: AsyncSession, user_id: int, *, lock: bool
) -> tuple[State, bool]:
    """The user's state and whether they have one yet.

    With ``lock`` the row stays locked until the transaction ends (PostgreSQL).
    """
    query = select(Conversation.state).where(Conversation.user_id == user_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).one_or_none()
    if row is None:
        return State(), False
    return State.from_json(row.state), True


def as_utc(value: datetime) -> datetime:
    """A stored datetime as aware UTC (SQLite returns naive values; everything stored is UTC)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def upsert(session: AsyncSession, table: Any) -> Any:
    """An INSERT of the session's dialect that can turn into an UPDATE on conflict."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


async def save_conversation(
    session: AsyncSession, user_id: int, state: State, now: datetime
) -> None:
    """Save the state and the profile that mirrors it; answers only after consent.

    Two upserts and no ORM objects: this runs once per update.
    """
    answers = state.answers if state.consent else {}
    profile = {
        "language": state.lang,
        "status": answers.get("status"),
        "benefits": answers.get("benefits"),
        "age_band": answers.get("age"),
        "last_seen_at": now,
        "blocked_at": None,
    }
    users = User.__table__
    insert_user = upsert(session, users).values(
        id=user_id, created_at=now, consent_at=now if state.consent else None, **profile
    )
    new_user = insert_user.excluded
    # Only references to the inserted row in SET: the statement stays cacheable.
    await session.execute(
        insert_user.on_conflict_do_update(
            index_elements=[users.c.id],
            set_={
                **{key: new_user[key] for key in profile},
                "consent_at": case(
                    (new_user.consent_at.is_(None), null()),
                    else_=func.coalesce(users.c.consent_at, new_user.consent_at),
                ),
            },
        )
    )
    conversations = Conversation.__table__
    data = state.to_json() if state.consent else _without_answers(state)
    insert_conv = upsert(session, conversations).values(user_id=user_id, state=data, updated_at=now)
    new_conv = insert_conv.excluded
    await session.execute(
        insert_conv.on_conflict_do_update(
            index_elements=[conversations.c.user_id],
            set_={"state": new_conv.state, "updated_at": new_conv.updated_at},
        )
    )


def _without_answers(state: State) -> dict[str, Any]:
    data = state.to_json()
    data["answers"] = {}
    return data


def checksum(body: dict[str, Any]) -> str:
    """A stable fingerprint of a content document."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def store_content(
    session: AsyncSession, city: str, body: dict[str, Any], now: datetime
) -> bool:
    """Store a city's content; returns whether anything changed."""
    digest = checksum(body)
    doc = await session.get(ContentDocument, city)
    if doc is not None and doc.checksum == digest:
        return False
    if doc is None:
        session.add(
            ContentDocument(city=city, body=body, checksum=digest, version=1, loaded_at=now)
        )
    else:
        doc.body, doc.checksum, doc.version, doc.loaded_at = body, digest, doc.version + 1, now
    return True


async def fetch_content(session: AsyncSession, city: str) -> dict[str, Any] | None:
    """A city's content as last stored, or ``None``."""
    doc = await session.get(ContentDocument, city)
    return None if doc is None else dict(doc.body)
