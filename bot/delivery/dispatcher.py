"""The dispatcher: sends due outbox messages within Telegram's limits, exactly once per row.

A row is claimed (``sending``) in one short transaction, sent, and marked ``sent`` right after
Telegram accepted it. A 429 puts it back with Telegram's ``retry_after``; 5xx, timeouts and
network errors back off exponentially; a user who blocked the bot (403) has all their pending
messages dropped. After a crash, rows still ``sending`` were never marked as sent and go out
again (:func:`~bot.storage.outbox.recover`): the only window for a duplicate is between
Telegram accepting a message and the mark, so a crash repeats at most the messages in flight.

:meth:`Dispatcher.serve` runs continuously: it claims only rows whose chats may receive now,
as many as the overall budget allows, and keeps up to ``concurrency`` requests in flight, so
the per-second budget is used even when each request takes a while. A kick (something was
just queued) or a finished request wakes it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update

from bot.core.rules.timing import SendWindow
from bot.storage.db import Database
from bot.storage.models import OutboxRow, User
from bot.storage.outbox import (
    DROPPED,
    FAILED,
    PENDING,
    Destination,
    claim_due,
    destination,
    drop_address,
    mark_sent,
    recover,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
IDLE_WAIT = 1.0
# The running dispatcher marks sent rows in batches this often: one transaction for many rows
# instead of one each. A crash in between repeats at most these (their rows stay "sending").
MARK_INTERVAL = 0.05


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
    """One channel's limits, in real (monotonic) time unless ``now`` says otherwise.

    Overall: a token bucket refilled at ``per_second`` a second less ``margin``, holding at most
    half a second's worth: Telegram's own bucket (and the fake's) holds a whole second, so it
    never runs dry even when network jitter bunches our requests on arrival. Per address: one
    message per ``private_interval`` (5 % more, for the same jitter). Per group address (as
    ``is_group`` tells): besides, ``group_per_minute`` in any minute.
    """

    per_second: int = 30
    private_interval: float = 1.0
    group_per_minute: int = 20
    margin: float = 0.01
    now: Callable[[], float] = time.monotonic
    is_group: Callable[[str], bool] = field(default=lambda _address: False)
    _private: dict[str, float] = field(default_factory=dict)
    _groups: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _tokens: float | None = None
    _stamp: float = 0.0

    @property
    def _rate(self) -> float:
        return self.per_second * (1.0 - self.margin)

    @property
    def _gap(self) -> float:
        return self.private_interval * 1.05  # requests may arrive a few ms closer than sent

    def _refill(self, now: float) -> float:
        capacity = max(1.0, self.per_second / 2)
        if self._tokens is None:
            self._tokens, self._stamp = capacity, now
        # A clock that is swapped for another (tests move time by hand) may step back.
        elapsed = max(0.0, now - self._stamp)
        self._tokens = min(capacity, self._tokens + elapsed * self._rate)
        self._stamp = now
        return self._tokens

    def available(self) -> int:
        """How many messages may go out now under the overall limit."""
        return int(self._refill(self.now()))

    def until(self, count: int = 1) -> float:
        """Seconds until the overall limit allows ``count`` more messages at once."""
        tokens = self._refill(self.now())
        return 0.0 if tokens >= count else (count - tokens) / self._rate

    def _address_wait(self, address: str, now: float) -> float:
        last = self._private.get(address)
        if last is not None and last > now:  # stamped on another clock: forget it
            last = None
            self._private.pop(address, None)
            self._groups.pop(address, None)
        wait = 0.0 if last is None or now - last >= self._gap else last + self._gap - now
        if address in self._groups:
            sent = self._groups[address]
            while sent and now - sent[0] >= 60.0:
                sent.popleft()
            if len(sent) >= self.group_per_minute:
                wait = max(wait, sent[0] + 60.0 - now)
        return wait

    def wait(self, address: str) -> float:
        """Seconds ``address`` must wait before its next message (zero: send now)."""
        now = self.now()
        tokens = self._refill(now)
        if tokens < 1.0:
            return (1.0 - tokens) / self._rate
        return self._address_wait(address, now)

    def busy(self) -> dict[str, float]:
        """Addresses that may not receive now, with the seconds until they may."""
        now = self.now()
        out: dict[str, float] = {}
        for address in list(self._private):
            wait = self._address_wait(address, now)
            if wait > 0:
                out[address] = wait
            elif not self._groups.get(address):
                self._private.pop(address, None)  # free again: forget it, the map stays small
                self._groups.pop(address, None)
        return out

    def try_acquire(self, address: str) -> bool:
        """Take a place for one message to ``address`` now, if every limit allows it.

        Checking and taking happen together, so concurrent senders cannot overshoot.
        """
        if self.wait(address) > 0:
            return False
        self.record(address)
        return True

    def record(self, address: str) -> None:
        """Note a message sent to ``address``."""
        now = self.now()
        self._refill(now)
        assert self._tokens is not None
        self._tokens -= 1.0
        self._private[address] = now
        if self.is_group(address):
            self._groups[address].append(now)


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
        window: SendWindow | None = None,
        channel_limits: Mapping[str, Limits] | None = None,
        serves: frozenset[str] | None = None,
    ) -> None:
        self.db, self.send, self.clock = db, send, clock
        # ``limits`` for every channel without limits of its own in ``channel_limits``.
        self.limits = limits or Limits()
        self.channel_limits = dict(channel_limits or {})
        # The channels this process sends for (``None``: all); other rows wait for theirs.
        self.serves = serves
        self.concurrency = max(1, concurrency)
        self.window = window
        self.stats = Stats()
        self.last_run: datetime | None = None
        # Wall-clock independent marks for /health (the injected clock may be a test's).
        self.last_ok: float | None = None
        self.last_error: str | None = None
        self._in_flight: set[Destination] = set()
        self._waiting: set[Destination] = set()
        self._sent: list[tuple[int, datetime]] = []
        self._batch_marks = False
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._claiming = asyncio.Lock()
        self._pauses = 0

    async def recover(self) -> int:
        """Put back what a crashed process had claimed; call once at start."""
        async with self.db.transaction() as session:
            count = await recover(session)
        if count:
            log.warning("outbox: %d messages claimed before a crash go out again", count)
        return count

    def wake(self) -> None:
        """Something was queued: look for due rows now rather than at the next idle check."""
        self._wake.set()

    @asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """The continuous loop stands aside: nothing it claimed is still in flight or unmarked,
        and it claims nothing new until the block ends (a manual :meth:`run_once` sees all)."""
        self._pauses += 1
        try:
            async with self._claiming:
                pass
            if self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)
            await self._flush_marks()
            yield
        finally:
            self._pauses -= 1
            self._wake.set()

    def limits_for(self, channel: str) -> Limits:
        """The limits of ``channel``."""
        return self.channel_limits.get(channel, self.limits)

    def _all_limits(self) -> list[tuple[str | None, Limits]]:
        return [(None, self.limits), *self.channel_limits.items()]

    def _busy(self) -> dict[Destination, float]:
        busy: dict[Destination, float] = {}
        for channel, limits in self.channel_limits.items():
            busy.update({(channel, a): w for a, w in limits.busy().items()})
        for address, wait in self.limits.busy().items():
            busy.setdefault(("*", address), wait)
        return busy

    def _available(self) -> int:
        return sum(limits.available() for _channel, limits in self._all_limits())

    async def _claim(self, limit: int) -> list[OutboxRow]:
        now = self.clock()
        self.last_run = now
        busy = self._busy()

        def is_busy(to: Destination) -> bool:
            if to[0] in self.channel_limits:
                return to in busy
            return ("*", to[1]) in busy

        def take(to: Destination) -> bool:
            return not is_busy(to) and self.limits_for(to[0]).try_acquire(to[1])

        # Destinations that had more due than they could take stay out of the query while
        # they must wait.
        self._waiting = {to for to in self._waiting if is_busy(to)}
        async with self.db.transaction() as session:
            claim = await claim_due(
                session,
                now,
                limit,
                skip_locked=not self.db.is_sqlite,
                exclude=self._in_flight | self._waiting,
                may_send=take,
                window=self.window,
                channels=self.serves,
            )
        self._waiting |= claim.waiting
        for row in claim.rows:
            self._in_flight.add(destination(row))
        return claim.rows

    async def _flush_marks(self) -> None:
        """Write the marks of rows Telegram accepted (one transaction)."""
        if not self._sent:
            return
        batch, self._sent = self._sent, []
        try:
            async with self.db.transaction() as session:
                await mark_sent(session, batch)
        except BaseException:
            self._sent = batch + self._sent  # written with the next batch
            raise

    async def run_once(self) -> Stats:
        """Send what may go now: as many messages as the overall limit allows at once, one per
        chat, ``concurrency`` at a time, each marked in the database as soon as Telegram
        answered. The continuous loop, if running, stands aside meanwhile."""
        async with self.paused():
            rows = await self._claim(self._available())
            gate = asyncio.Semaphore(self.concurrency)

            async def gated(row: OutboxRow) -> None:
                async with gate:
                    await self._guarded(row)

            # A task group: a crash of the process leaves rows "sending"; recover() frees them.
            async with asyncio.TaskGroup() as group:
                for row in rows:
                    group.create_task(gated(row))
            await self._flush_marks()
            self.last_ok, self.last_error = time.monotonic(), None
        return self.stats

    def _batch(self) -> int:
        """Claim in batches of this many rows (one query each), not row by row."""
        rate = max(limits.per_second for _channel, limits in self._all_limits())
        return max(1, min(self.concurrency, rate) // 4)

    async def serve(self, stopping: asyncio.Event) -> None:
        """Send continuously until ``stopping`` is set, then let the requests in flight end."""
        tasks = self._tasks

        def finished(task: asyncio.Task[None]) -> None:
            tasks.discard(task)
            self._wake.set()

        self._batch_marks = True
        # The marking loop is told to end, never cancelled: a cancel inside its transaction
        # would break the connection's rollback.
        marks_done = asyncio.Event()
        marks = asyncio.create_task(self._mark_continuously(marks_done))
        try:
            while not stopping.is_set():
                self._wake.clear()
                room = min(self.concurrency - len(tasks), self._available())
                worth = room >= self._batch()
                try:
                    async with self._claiming:
                        rows = await self._claim(room) if worth and not self._pauses else []
                        for row in rows:
                            task = asyncio.create_task(self._guarded(row))
                            tasks.add(task)
                            task.add_done_callback(finished)
                except Exception as exc:  # the database is away: try again shortly
                    self.last_error = type(exc).__name__
                    log.warning("outbox: claiming failed: %s", self.last_error)
                    await _wait_for(self._wake, stopping, IDLE_WAIT)
                    continue
                self.last_ok, self.last_error = time.monotonic(), None
                if rows and len(rows) == room:
                    await asyncio.sleep(0)  # there may be more: claim again at once
                    continue
                await _wait_for(self._wake, stopping, self._pause())
        finally:
            if tasks:
                await asyncio.gather(*list(tasks), return_exceptions=True)
            marks_done.set()
            with contextlib.suppress(asyncio.CancelledError):
                await marks
            self._batch_marks = False
            try:
                await self._flush_marks()
            except Exception:  # the rows stay "sending" and go out again after a restart
                log.exception("outbox: could not mark the last sent messages")

    async def _mark_continuously(self, done: asyncio.Event) -> None:
        while not done.is_set():
            await asyncio.sleep(MARK_INTERVAL)
            try:
                await self._flush_marks()
            except Exception:  # kept for the next try
                log.warning("outbox: marking sent messages failed; trying again")

    def _pause(self) -> float:
        """How long to wait when nothing more should be claimed now: until the overall limit
        allows a batch (if that is what is short), until a waiting destination may receive, or
        a second; a finished request or a kick wakes the loop sooner."""
        waits = [IDLE_WAIT]
        tokens_short = min(limits.until(self._batch()) for _c, limits in self._all_limits())
        if tokens_short > 0 and self.concurrency - len(self._tasks) >= self._batch():
            waits.append(tokens_short)
        busy = self._busy()
        for channel, address in self._waiting:
            key = (channel, address) if channel in self.channel_limits else ("*", address)
            if key in busy:
                waits.append(busy[key])
        return max(min(waits), 0.001)

    async def _guarded(self, row: OutboxRow) -> None:
        try:
            await self._deliver(row)
        except Exception as exc:
            # An error nobody foresaw must not strand the row in "sending" (only a restart
            # would free it) nor cancel the other deliveries: retry it later.
            log.exception("outbox: message %d failed unexpectedly", row.id)
            self.stats.retried += 1
            delay = min(5 * 2 ** max(row.attempts - 1, 0), 3600)
            state = FAILED if row.attempts >= MAX_ATTEMPTS else PENDING
            retry_at = self.clock() + timedelta(seconds=delay)
            try:
                await self._finish(row.id, state, retry_at=retry_at, error=type(exc).__name__)
            except Exception:  # the database is away too: recover() frees the row at start
                log.exception("outbox: could not put message %d back", row.id)
        finally:
            self._in_flight.discard(destination(row))

    async def _deliver(self, row: OutboxRow) -> None:
        now = self.clock()
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
                dropped = await drop_address(session, row.channel, row.address)
                await session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id == row.id)
                    .values(state=DROPPED, last_error="blocked")
                )
                if row.user_id is not None:
                    await session.execute(
                        update(User).where(User.id == row.user_id).values(blocked_at=now)
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
        self._sent.append((row.id, self.clock()))
        if not self._batch_marks:
            await self._flush_marks()

    async def _finish(
        self,
        row_id: int,
        state: str,
        *,
        retry_at: datetime | None = None,
        sent_at: datetime | None = None,
        error: str | None = None,
    ) -> None:
        values: dict[str, object] = {"state": state}
        if retry_at is not None:
            values["next_attempt_at"] = retry_at
        if sent_at is not None:
            values["sent_at"] = sent_at
        if error is not None:
            values["last_error"] = error[:200]
        async with self.db.transaction() as session:
            await session.execute(update(OutboxRow).where(OutboxRow.id == row_id).values(**values))


async def _wait_for(wake: asyncio.Event, stopping: asyncio.Event, timeout: float) -> None:
    """Until ``wake`` or ``stopping`` is set, or ``timeout`` seconds passed."""
    waiters = [asyncio.create_task(wake.wait()), asyncio.create_task(stopping.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
