"""Loading content files into the database, and reading the running bot's content from it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.content.model import Content
from bot.content.parse import parse_content, read_city
from bot.storage.db import Database
from bot.storage.users import fetch_content, store_content


def jsonable(value: Any) -> Any:
    """TOML values as JSON values (dates become ISO strings)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


async def load_files_into_db(db: Database, city: str, now: datetime, root: Path) -> bool:
    """Check the city's content files and store them; returns whether anything changed.

    Raises:
        ContentError: if the files are not valid; nothing is stored then.
    """
    raw = jsonable(read_city(city, root))
    parse_content(raw, city)
    async with db.transaction() as session:
        return await store_content(session, city, raw, now)


async def content_from_db(db: Database, city: str) -> Content | None:
    """The content the running bot uses, as stored in the database."""
    async with db.sessions() as session:
        raw = await fetch_content(session, city)
    return None if raw is None else parse_content(raw, city)
