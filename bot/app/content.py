"""Loading content files into the database, and reading the running bot's content from it."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.app.facts import apply_overrides, overrides_of
from bot.content.model import Content
from bot.content.parse import ContentError, parse_content, read_city
from bot.storage.db import Database
from bot.storage.users import fetch_content, store_content

log = logging.getLogger(__name__)


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
        # Facts admins changed in the console stay changed when the files are loaded again.
        overrides = await overrides_of(session, city)
        if overrides:
            changed = apply_overrides(raw, overrides)
            try:
                parse_content(changed, city)
                raw = changed
            except ContentError as exc:  # the files changed under an edit: the files win
                log.warning("console changes to the facts no longer fit the files: %s", exc)
        return await store_content(session, city, raw, now)


async def content_from_db(db: Database, city: str) -> Content | None:
    """The content the running bot uses, as stored in the database."""
    async with db.sessions() as session:
        raw = await fetch_content(session, city)
    return None if raw is None else parse_content(raw, city)
