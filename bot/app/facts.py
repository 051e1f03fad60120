"""Facts as admins keep them in the console: every value with its source, date and whether it
is confirmed; unconfirmed and stale ones first. A change is checked like the content files
(the whole content must still parse), kept as an override with who and when (so it survives
the files being loaded again), audited, and used by the bot without a restart.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.parse import ContentError, parse_content
from bot.storage.cases import audit
from bot.storage.db import Database
from bot.storage.models import ContentOverrideRow
from bot.storage.users import fetch_content, store_content

FIELDS = ("value", "source", "as_of", "confirmed")
STALE_AFTER = timedelta(days=365)


@dataclass(frozen=True)
class Fact:
    """One editable fact: ``path`` is ``fact.KEY`` or ``authority|point.KEY.DETAIL``."""

    path: str
    value: str
    source: str
    as_of: date
    confirmed: bool
    stale: bool


@dataclass(frozen=True)
class FactChange:
    at: datetime
    actor_id: int
    fields: dict[str, Any]


def _items(raw: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for key, item in raw.get("fact", {}).items():
        yield f"fact.{key}", item
    for section in ("authority", "point"):
        for key, body in raw.get(section, {}).items():
            for detail, item in body.items():
                if isinstance(item, dict) and "value" in item and "confirmed" in item:
                    yield f"{section}.{key}.{detail}", item


def _locate(raw: dict[str, Any], path: str) -> dict[str, Any]:
    for found, item in _items(raw):
        if found == path:
            return item
    raise KeyError(path)


def apply_overrides(raw: dict[str, Any], overrides: list[ContentOverrideRow]) -> dict[str, Any]:
    """``raw`` content with the admins' changes on top (oldest first, so the newest wins);
    a change whose fact the files no longer have is left out."""
    changed = copy.deepcopy(raw)
    for row in sorted(overrides, key=lambda r: r.id):
        try:
            _locate(changed, row.path).update({k: row.fields[k] for k in FIELDS if k in row.fields})
        except KeyError:
            continue
    return changed


async def overrides_of(session: AsyncSession, city: str) -> list[ContentOverrideRow]:
    rows = await session.execute(select(ContentOverrideRow).where(ContentOverrideRow.city == city))
    return list(rows.scalars())


class Facts:
    """The running city's facts."""

    def __init__(self, db: Database, clock: Callable[[], datetime], city: str) -> None:
        self.db = db
        self.clock = clock
        self.city = city

    async def all(self) -> list[Fact]:
        """Unconfirmed first, then stale, then the rest, each by path."""
        async with self.db.sessions() as session:
            raw = await fetch_content(session, self.city) or {}
        today = self.clock().date()
        facts = []
        for path, item in _items(raw):
            as_of = date.fromisoformat(str(item.get("as_of", "1970-01-01")))
            facts.append(
                Fact(
                    path=path,
                    value=str(item.get("value", "")),
                    source=str(item.get("source", "")),
                    as_of=as_of,
                    confirmed=bool(item.get("confirmed")),
                    stale=today - as_of > STALE_AFTER,
                )
            )
        return sorted(facts, key=lambda f: (f.confirmed, not f.stale, f.path))

    async def history(self, path: str) -> list[FactChange]:
        async with self.db.sessions() as session:
            rows = await overrides_of(session, self.city)
        return [FactChange(r.at, r.actor_id, r.fields) for r in reversed(rows) if r.path == path]

    async def save(
        self,
        actor_id: int,
        role: str,
        path: str,
        *,
        value: str,
        source: str,
        as_of: str,
        confirmed: bool,
    ) -> None:
        """Change one fact.

        Raises:
            KeyError: no such fact.
            ContentError: the change would break the content (the message says why).
        """
        now = self.clock()
        try:
            when = date.fromisoformat(as_of.strip())
        except ValueError:
            raise ContentError(f"{path}: as_of must be a date such as 2026-12-04") from None
        if when > now.date():
            raise ContentError(f"{path}: as_of lies in the future")
        if not source.strip():
            raise ContentError(f"{path}: name the source")
        fields = {
            "value": value.strip(),
            "source": source.strip()[:300],
            "as_of": when.isoformat(),
            "confirmed": confirmed,
        }
        async with self.db.transaction() as session:
            raw = await fetch_content(session, self.city)
            if raw is None:
                raise KeyError(path)
            changed = copy.deepcopy(raw)
            _locate(changed, path).update(fields)
            parse_content(changed, self.city)  # raises ContentError, nothing stored then
            session.add(
                ContentOverrideRow(
                    city=self.city, path=path, fields=fields, actor_id=actor_id, at=now
                )
            )
            await store_content(session, self.city, changed, now)
            await audit(
                session,
                actor_id=actor_id,
                role=role,
                action="fact_set",
                now=now,
                detail=f"{path} confirmed={confirmed}"[:200],
            )
