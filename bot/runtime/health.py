"""``GET /health``: is the database reachable, and is the dispatcher sending?

Served on the bot's HTTP port (``HEALTH_PORT``, :mod:`bot.runtime.web`), the same in polling
and webhook mode, for Docker's HEALTHCHECK, systemd watchdogs and load balancers. It answers
200 when all is well and 503 otherwise, with the details as JSON; it shows counts, never
personal data.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text

from bot.delivery.dispatcher import Dispatcher
from bot.storage.db import Database
from bot.storage.outbox import health_counts

log = logging.getLogger(__name__)
DB_TIMEOUT = 3.0
# The dispatcher ticks every second; a minute without a finished run means it is stuck.
DISPATCHER_STALE = 60.0
LATE = timedelta(minutes=5)


@dataclass
class Health:
    """Works out the report; ``started`` lets a fresh process pass before its first tick."""

    db: Database
    dispatcher: Dispatcher
    clock: Callable[[], datetime]
    started: float = 0.0

    def __post_init__(self) -> None:
        self.started = self.started or time.monotonic()

    async def report(self) -> tuple[bool, dict[str, Any]]:
        """``(healthy, details)``."""
        database: dict[str, Any] = {"ok": False}
        try:
            async with asyncio.timeout(DB_TIMEOUT):
                async with self.db.sessions() as session:
                    await session.execute(text("SELECT 1"))
                    database = {
                        "ok": True,
                        "outbox": await health_counts(session, self.clock(), LATE),
                    }
        except Exception as exc:  # any failure means "not reachable"; the kind is enough
            database = {"ok": False, "error": type(exc).__name__}
        now = time.monotonic()
        last = self.dispatcher.last_ok
        age = None if last is None else round(now - last, 1)
        fresh = (age is not None and age < DISPATCHER_STALE) or (
            last is None and now - self.started < DISPATCHER_STALE
        )
        dispatcher = {"ok": fresh, "last_run_seconds_ago": age, "sent": self.dispatcher.stats.sent}
        healthy = bool(database["ok"]) and fresh
        return healthy, {
            "status": "ok" if healthy else "unhealthy",
            "database": database,
            "dispatcher": dispatcher,
        }
