"""``GET /health``: is the database reachable, and is the dispatcher sending?

A tiny HTTP server on its own port (``HEALTH_PORT``), the same in polling and webhook mode,
for Docker's HEALTHCHECK, systemd watchdogs and load balancers. It answers 200 when all is
well and 503 otherwise, with the details as JSON; it shows counts, never personal data.
"""

from __future__ import annotations

import asyncio
import json
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


class HealthServer:
    """Answers ``GET /health`` (and ``HEAD``); everything else is 404."""

    def __init__(self, health: Health, host: str, port: int) -> None:
        self.health, self.host, self.port = health, host, port
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        """Listen; returns the port (useful with port 0 in tests)."""
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(5):
                request = await reader.readline()
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
            parts = request.decode("latin-1").split()
            method, path = [*parts, "", ""][:2]
            if method not in ("GET", "HEAD") or path.split("?")[0] != "/health":
                status, body = 404, {"status": "not found"}
            else:
                healthy, body = await self.health.report()
                status = 200 if healthy else 503
            payload = json.dumps(body).encode()
            reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
            head = (
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + (payload if method != "HEAD" else b""))
            await writer.drain()
        except (TimeoutError, ConnectionError) as exc:
            log.info("health request dropped: %s", type(exc).__name__)
        finally:
            writer.close()
