"""The dispatcher: sends due outbox messages within Telegram's limits, exactly once per row.

A row is claimed (``sending``) in one short transaction, sent, and marked ``sent`` right after
Telegram accepted it. A 429 puts it back with Telegram's ``retry_after``; 5xx, timeouts and
network errors back off exponentially; a user who blocked the bot (403) has all their pending
messages dropped. After a crash, rows still ``sending`` were never marked as sent and go out
again (:func:`~bot.delivery.outbox.recover`): the only window for a duplicate is between
Telegram accepting a message and the mark, a few milliseconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update

from bot.delivery.outbox import DROPPED, FAILED, PENDING, SENT, claim_due, drop_chat, recover
from bot.storage.db import Database
from bot.storage.models import OutboxRow, User

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10


class Retry(Exception):
    """Telegram asked to wait (429) or failed for now (5xx, timeout, network)."""

    def __init__(self, after: float | None = None, reason: str = "") -> None:
        super().__init__(reason)
        self.after = after


class Blocked(Exception):
    """The user blocked the bot (403)."""


class Permanent(Exception):
    """The message can never be sent (400): it is marked failed."""


class Skip(Exception):
    """The message is no longer needed (e.g. a reminder of a cancelled appointment)."""


Send = Callable[[OutboxRow], Awaitable[None]]


@dataclass
class Limits:
    """Telegram's limits, in real (monotonic) time.

    Overall: a token bucket refilled at ``per_second`` a second less ``margin``, holding at most
    half a second's worth: Telegram's own bucket (and the fake's) holds a whole second, so it
    never runs dry even when network jitter bunches our requests on arrival. Per private chat:
    one message per ``private_interval`` (5 % more, for the same jitter). Per group:
    ``group_per_minute`` in any minute.
    """

    per_second: int = 30
    private_interval: float = 1.0
    group_per_minute: int = 20
    margin: float = 0.01
    now: Callable[[], float] = time.monotonic
    _private: dict[int, float] = field(default_factory=dict)
    _groups: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _tokens: float | None = None
    _stamp: float = 0.0

    def _refill(self, now: float) -> float:
        capacity = max(1.0, self.per_second / 2)
        if self._tokens is None:
            self._tokens, self._stamp = capacity, now
        rate = self.per_second * (1.0 - self.margin)
        self._tokens = min(capacity, self._tokens + (now - self._stamp) * rate)
        self._stamp = now
        return self._tokens

    def wait(self, chat_id: int) -> float:
        """Seconds ``chat_id`` must wait before its next message (zero: send now)."""
        now = self.now()
        tokens = self._refill(now)
        if tokens < 1.0:
            return (1.0 - tokens) / (self.per_second * (1.0 - self.margin))
        if chat_id < 0:
            sent = self._groups[chat_id]
            while sent and now - sent[0] >= 60.0:
                sent.popleft()
            return sent[0] + 60.0 - now if len(sent) >= self.group_per_minute else 0.0
        last = self._private.get(chat_id)
        gap = self.private_interval * 1.05  # requests may arrive a few ms closer than sent
        return 0.0 if last is None or now - last >= gap else last + gap - now

    def try_acquire(self, chat_id: int) -> bool:
        """Take a place for one message to ``chat_id`` now, if every limit allows it.

        Checking and taking happen together, so concurrent senders cannot overshoot.
        """
        if self.wait(chat_id) > 0:
            return False
        self.record(chat_id)
        return True

    def record(self, chat_id: int) -> None:
        """Note a message sent to ``chat_id``."""
        now = self.now()
        self._refill(now)
        assert self._tokens is not None
        self._tokens -= 1.0
        if chat_id < 0:
            self._groups[chat_id].append(now)
        else:
            self._private[chat_id] = now


@dataclass
class Stats:
    """What the dispatcher did, for logs and tests."""

    sent: int = 0
    retried: int = 0
    dropped: int = 0
    failed: int = 0
    deferred: int = 0


class Dispatcher:
    """Claims due outbox rows and sends them through ``send``."""

    def __init__(
        self,
        db: Database,
        send: Send,
        clock: Callable[[], datetime],
        limits: Limits | None = None,
        concurrency: int = 4,
    ) -> None:
        self.db, self.send, self.clock = db, send, clock
        self.limits = limits or Limits()
        self.concurrency = concurrency
        self.stats = Stats()
        self.last_run: datetime | None = None
        # Wall-clock independent marks for /health (the injected clock may be a test's).
        self.last_ok: float | None = None
        self.last_error: str | None = None

    async def recover(self) -> int:
        """Put back what a crashed process had claimed; call once at start."""
        async with self.db.transaction() as session:
            count = await recover(session)
        if count:
            log.warning("outbox: %d messages claimed before a crash go out again", count)
        return count

    async def run_once(self) -> Stats:
        """Send what is due now: at most ``limits.per_second`` messages, ``concurrency`` at a
        time, each marked in the database as soon as Telegram answered."""
        now = self.clock()
        self.last_run = now
        async with self.db.transaction() as session:
            rows = await claim_due(
                session, now, self.limits.per_second, skip_locked=not self.db.is_sqlite
            )
        gate = asyncio.Semaphore(self.concurrency)

        async def deliver(row: OutboxRow) -> None:
            async with gate:
                try:
                    await self._deliver(row)
                except Exception as exc:
                    # An error nobody foresaw must not strand the row in "sending" (only a
                    # restart would free it) nor cancel the other deliveries: retry it later.
                    log.exception("outbox: message %d failed unexpectedly", row.id)
                    self.stats.retried += 1
                    delay = min(5 * 2 ** max(row.attempts - 1, 0), 3600)
                    state = FAILED if row.attempts >= MAX_ATTEMPTS else PENDING
                    retry_at = now + timedelta(seconds=delay)
                    await self._finish(row.id, state, retry_at=retry_at, error=type(exc).__name__)

        # A task group: a crash of the process leaves rows "sending"; recover() frees them.
        async with asyncio.TaskGroup() as group:
            for row in rows:
                group.create_task(deliver(row))
        self.last_ok, self.last_error = time.monotonic(), None
        return self.stats

    async def _deliver(self, row: OutboxRow) -> None:
        now = self.clock()
        if not self.limits.try_acquire(row.chat_id):
            # Over a limit now: back to the queue unchanged, a later run sends it.
            self.stats.deferred += 1
            await self._finish(row.id, PENDING, count_attempt=False)
            return
        try:
            await self.send(row)
        except Retry as exc:
            self.stats.retried += 1
            delay = exc.after if exc.after is not None else min(5 * 2 ** (row.attempts - 1), 3600)
            state = FAILED if row.attempts >= MAX_ATTEMPTS else PENDING
            await self._finish(
                row.id, state, retry_at=now + timedelta(seconds=delay), error=str(exc)
            )
            return
        except Blocked:
            async with self.db.transaction() as session:
                dropped = await drop_chat(session, row.chat_id)
                await session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id == row.id)
                    .values(state=DROPPED, last_error="blocked")
                )
                await session.execute(
                    update(User).where(User.id == row.chat_id).values(blocked_at=now)
                )
            self.stats.dropped += dropped + 1
            log.info("outbox: user blocked the bot, %d pending messages dropped", dropped + 1)
            return
        except Skip:
            self.stats.dropped += 1
            await self._finish(row.id, DROPPED, error="not needed")
            return
        except Permanent as exc:
            self.stats.failed += 1
            log.error("outbox: message %d failed for good: %s", row.id, exc)
            await self._finish(row.id, FAILED, error=str(exc))
            return
        self.stats.sent += 1
        await self._finish(row.id, SENT, sent_at=self.clock())

    async def _finish(
        self,
        row_id: int,
        state: str,
        *,
        retry_at: datetime | None = None,
        sent_at: datetime | None = None,
        error: str | None = None,
        count_attempt: bool = True,
    ) -> None:
        values: dict[str, object] = {"state": state}
        if retry_at is not None:
            values["next_attempt_at"] = retry_at
        if sent_at is not None:
            values["sent_at"] = sent_at
        if error is not None:
            values["last_error"] = error[:200]
        if not count_attempt:
            values["attempts"] = OutboxRow.attempts - 1
        async with self.db.transaction() as session:
            await session.execute(update(OutboxRow).where(OutboxRow.id == row_id).values(**values))
