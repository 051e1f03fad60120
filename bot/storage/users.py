"""Reading and writing users, conversation state and content documents."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, case, func, null, select
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
    row = (await session.execute(_load_statement(lock), {"user_id": user_id})).one_or_none()
    if row is None:
        return State(), False
    return State.from_json(row.state), True


def as_utc(value: datetime) -> datetime:
    """A stored datetime as aware UTC (SQLite returns naive values; everything stored is UTC)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def _insert(dialect: str) -> Any:
    return pg_insert if dialect == "postgresql" else sqlite_insert


def upsert(session: AsyncSession, table: Any) -> Any:
    """An INSERT of the session's dialect that can turn into an UPDATE on conflict."""
    return _insert(_dialect(session))(table)


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
    dialect = _dialect(session)
    await session.execute(
        _save_user_statement(dialect),
        {"id": user_id, "created_at": now, "consent_at": now if state.consent else None, **profile},
    )
    data = state.to_json() if state.consent else _without_answers(state)
    await session.execute(
        _save_state_statement(dialect), {"user_id": user_id, "state": data, "updated_at": now}
    )


# The statements of every update are built once per dialect, with parameters: building and
# fingerprinting a new statement object took more CPU than the database took to run it.


@cache
def _load_statement(lock: bool) -> Any:
    query = select(Conversation.state).where(Conversation.user_id == bindparam("user_id"))
    return query.with_for_update() if lock else query


@cache
def _save_user_statement(dialect: str) -> Any:
    users = User.__table__
    columns = ("id", "language", "status", "benefits", "age_band", "last_seen_at", "blocked_at")
    insert_user = _insert(dialect)(users).values(
        {name: bindparam(name) for name in (*columns, "created_at", "consent_at")}
    )
    new_user = insert_user.excluded
    return insert_user.on_conflict_do_update(
        index_elements=[users.c.id],
        set_={
            **{key: new_user[key] for key in columns if key != "id"},
            "consent_at": case(
                (new_user.consent_at.is_(None), null()),
                else_=func.coalesce(users.c.consent_at, new_user.consent_at),
            ),
        },
    )


@cache
def _save_state_statement(dialect: str) -> Any:
    conversations = Conversation.__table__
    insert_conv = _insert(dialect)(conversations).values(
        user_id=bindparam("user_id"), state=bindparam("state"), updated_at=bindparam("updated_at")
    )
    new_conv = insert_conv.excluded
    return insert_conv.on_conflict_do_update(
        index_elements=[conversations.c.user_id],
        set_={"state": new_conv.state, "updated_at": new_conv.updated_at},
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
