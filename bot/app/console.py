"""Signing in to the web console: one-time links sent by the bot, then a session.

A link is valid for ``LINK_TTL`` and works once; its token and the session ids are random
(256 bits) and only their SHA-256 hashes are stored, so a copy of the database signs no one in.
Every sign-in and sign-out goes to the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select, update

from bot.storage.cases import audit
from bot.storage.db import Database
from bot.storage.models import ConsoleSessionRow, ConsoleTokenRow

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=8)
Role = Literal["admin", "counsellor"]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True)
class Staff:
    """Who is signed in: a Telegram user id and the role checked at sign-in."""

    actor_id: int
    role: Role
    csrf: str

    @property
    def admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class SignedIn:
    """A new session: the id for the cookie (shown once) and who it belongs to."""

    session_id: str
    staff: Staff


class ConsoleAccess:
    """Links, sessions and who they belong to."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    async def issue_link(self, actor_id: int, role: Role) -> str:
        """A new one-time token for ``actor_id`` (older unused links stay valid until they
        expire; expired ones are dropped here)."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        async with self.db.transaction() as session:
            await session.execute(delete(ConsoleTokenRow).where(ConsoleTokenRow.expires_at < now))
            session.add(
                ConsoleTokenRow(
                    token_hash=_hash(token),
                    actor_id=actor_id,
                    role=role,
                    expires_at=now + LINK_TTL,
                    used_at=None,
                )
            )
            await audit(session, actor_id=actor_id, role=role, action="console_link", now=now)
        return token

    async def redeem(self, token: str) -> SignedIn | None:
        """Sign in with a link's token: once, within its time; ``None`` otherwise."""
        now = self.clock()
        async with self.db.transaction() as session:
            # One conditional UPDATE: of two requests with the same token only one wins.
            claimed = await session.execute(
                update(ConsoleTokenRow)
                .where(
                    ConsoleTokenRow.token_hash == _hash(token),
                    ConsoleTokenRow.used_at.is_(None),
                    ConsoleTokenRow.expires_at > now,
                )
                .values(used_at=now)
                .returning(ConsoleTokenRow.actor_id, ConsoleTokenRow.role)
            )
            row = claimed.first()
            if row is None:
                return None
            actor_id, role = int(row[0]), row[1]
            session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            await session.execute(
                delete(ConsoleSessionRow).where(ConsoleSessionRow.expires_at < now)
            )
            session.add(
                ConsoleSessionRow(
                    id_hash=_hash(session_id),
                    actor_id=actor_id,
                    role=role,
                    csrf=csrf,
                    expires_at=now + SESSION_TTL,
                )
            )
            await audit(session, actor_id=actor_id, role=role, action="console_sign_in", now=now)
        return SignedIn(session_id, Staff(actor_id, role, csrf))

    async def staff(self, session_id: str) -> Staff | None:
        """Who holds this session, if it is valid."""
        now = self.clock()
        async with self.db.sessions() as session:
            row = await session.scalar(
                select(ConsoleSessionRow).where(
                    ConsoleSessionRow.id_hash == _hash(session_id),
                    ConsoleSessionRow.expires_at > now,
                )
            )
            if row is None:
                return None
            role: Role = "admin" if row.role == "admin" else "counsellor"
            return Staff(row.actor_id, role, row.csrf)

    async def sign_out(self, session_id: str, staff: Staff) -> None:
        now = self.clock()
        async with self.db.transaction() as session:
            await session.execute(
                delete(ConsoleSessionRow).where(ConsoleSessionRow.id_hash == _hash(session_id))
            )
            await audit(
                session,
                actor_id=staff.actor_id,
                role=staff.role,
                action="console_sign_out",
                now=now,
            )
