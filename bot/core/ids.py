"""Ids read from what people send: callback data and admin command arguments."""

from __future__ import annotations

# Case, course and booking ids are INTEGER columns: 32 bits on PostgreSQL.
MAX_ID = 2**31 - 1


def parse_id(text: str) -> int | None:
    """``text`` as an id, or ``None`` unless it is ASCII digits not above :data:`MAX_ID`.

    ``str.isdigit`` alone is not enough: it accepts "²" (which ``int`` refuses) and a forged id
    past 64 bits overflows SQLite.
    """
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if value <= MAX_ID else None
