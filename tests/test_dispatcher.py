"""The outbox dispatcher with an injected clock: due rows only, Telegram's errors, limits,
and a crash in the middle of sending."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.delivery.dispatcher import Blocked, Dispatcher, Limits, Permanent, Retry
from bot.storage.db import Database
from bot.storage.models import OutboxRow
from bot.storage.outbox import enqueue

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class Recorder:
    """A transport stand-in: records sent rows, fails as told."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.fail: dict[str, list[Exception]] = {}

    async def __call__(self, row: OutboxRow) -> None:
        errors = self.fail.get(row.idempotency_key)
        if errors:
            raise errors.pop(0)
        self.sent.append(row.idempotency_key)


@pytest.fixture()
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


async def add(db: Database, key: str, chat: int, due: datetime) -> None:
    async with db.transaction() as session:
        await enqueue(
            session,
            channel="telegram",
            address=str(chat),
            user_id=chat if chat > 0 else None,
            kind="to_user",
            payload={},
            key=key,
            due_at=due,
            now=T0,
        )


async def states(db: Database) -> dict[str, str]:
    async with db.sessions() as session:
        return {
            r.idempotency_key: r.state for r in (await session.execute(select(OutboxRow))).scalars()
        }


async def test_only_due_messages_go_and_each_once(db: Database) -> None:
    clock, send = Clock(), Recorder()
    dispatcher = Dispatcher(db, send, clock)
    await add(db, "now", 1, T0)
    await add(db, "later", 2, T0 + timedelta(hours=24))
    await add(db, "now", 1, T0)  # the same key again: ignored
    await dispatcher.run_once()
    assert send.sent == ["now"]
    clock.now = T0 + timedelta(hours=23, minutes=59)
    await dispatcher.run_once()
    assert send.sent == ["now"]
    clock.now = T0 + timedelta(hours=24)
    await dispatcher.run_once()
    await dispatcher.run_once()
    assert send.sent == ["now", "later"]
    assert await states(db) == {"now": "sent", "later": "sent"}


def on_clock(clock: Clock, **limits: int) -> Limits:
    """Telegram's limits counted on the test's clock instead of real time."""
    return Limits(now=lambda: (clock.now - T0).total_seconds(), **limits)


async def test_429_waits_for_retry_after_and_5xx_backs_off(db: Database) -> None:
    clock, send = Clock(), Recorder()
    dispatcher = Dispatcher(db, send, clock, on_clock(clock))
    await add(db, "a", 1, T0)
    await add(db, "b", 2, T0)
    send.fail = {"a": [Retry(7, "429")], "b": [Retry(None, "500"), Retry(None, "502")]}
    await dispatcher.run_once()
    assert send.sent == []
    clock.now = T0 + timedelta(seconds=5)  # b's first backoff is 5 s, a must wait 7 s
    await dispatcher.run_once()
    assert send.sent == []  # b failed again: now waits 10 s
    clock.now = T0 + timedelta(seconds=7)
    await dispatcher.run_once()
    assert send.sent == ["a"]
    clock.now = T0 + timedelta(seconds=15)
    await dispatcher.run_once()
    assert send.sent == ["a", "b"]
    assert dispatcher.stats.retried == 3


async def test_a_user_who_blocked_the_bot_loses_their_pending_messages(db: Database) -> None:
    clock, send = Clock(), Recorder()
    dispatcher = Dispatcher(db, send, clock)
    await add(db, "x1", 9, T0)
    await add(db, "x2", 9, T0 + timedelta(hours=1))
    await add(db, "other", 8, T0)
    send.fail = {"x1": [Blocked("403")]}
    await dispatcher.run_once()
    assert await states(db) == {"x1": "dropped", "x2": "dropped", "other": "sent"}
    assert dispatcher.stats.dropped == 2


async def test_a_permanent_error_is_marked_failed(db: Database) -> None:
    clock, send = Clock(), Recorder()
    await add(db, "bad", 1, T0)
    send.fail = {"bad": [Permanent("400 chat not found")]}
    await Dispatcher(db, send, clock).run_once()
    assert await states(db) == {"bad": "failed"}


async def test_per_chat_and_group_limits(db: Database) -> None:
    clock, send = Clock(), Recorder()
    seconds = lambda: (clock.now - T0).total_seconds()  # noqa: E731
    dispatcher = Dispatcher(
        db,
        send,
        clock,
        Limits(per_second=30, group_per_minute=20, now=seconds, is_group=lambda a: a[0] == "-"),
    )
    for i in range(3):
        await add(db, f"p{i}", 5, T0)
    for i in range(25):
        await add(db, f"g{i:02}", -100, T0)
    at: dict[str, float] = {}
    await dispatcher.run_once()
    at.update({k: 0.0 for k in send.sent})
    assert sorted(send.sent) == ["g00", "p0"]  # one per second per chat, groups included
    for second in range(1, 90):
        clock.now = T0 + timedelta(seconds=second)
        await dispatcher.run_once()
        at.update({k: float(second) for k in send.sent if k not in at})
    assert sorted(k for k in send.sent if k.startswith("p")) == ["p0", "p1", "p2"]
    group = sorted(at[k] for k in send.sent if k.startswith("g"))
    assert len(group) == 25
    # Never more than 20 in any minute, never two in one second, and in order.
    assert all(b - a >= 60 for a, b in zip(group, group[20:], strict=False))
    assert all(b - a >= 1 for a, b in itertools.pairwise(group))
    assert [k for k in send.sent if k.startswith("g")] == [f"g{i:02}" for i in range(25)]
    assert len(send.sent) == len(set(send.sent))


class Crash(BaseException):
    """The process dies."""


async def crash_after(db: Database, sent: int, concurrency: int) -> list[str]:
    """Send with a dispatcher that dies after ``sent`` messages reached Telegram."""
    clock = Clock()
    crashing = Recorder()

    async def dies(row: OutboxRow) -> None:
        if len(crashing.sent) == sent:
            raise Crash
        await crashing(row)

    with pytest.raises(BaseExceptionGroup) as info:
        await Dispatcher(db, dies, clock, concurrency=concurrency).run_once()
    assert info.group_contains(Crash)
    return crashing.sent


async def test_a_crash_between_messages_loses_nothing_and_sends_nothing_twice(db: Database) -> None:
    for i in range(10):
        await add(db, f"m{i}", 100 + i, T0)
    before_crash = await crash_after(db, 4, concurrency=1)
    assert len(before_crash) == 4
    assert list((await states(db)).values()).count("sending") == 6
    send = Recorder()
    restarted = Dispatcher(db, send, Clock(), Limits(per_second=100))
    assert await restarted.recover() == 6
    await restarted.run_once()
    delivered = before_crash + send.sent
    assert sorted(delivered) == sorted(f"m{i}" for i in range(10))
    assert len(delivered) == len(set(delivered))
    assert set((await states(db)).values()) == {"sent"}


async def test_a_crash_with_messages_in_flight_repeats_at_most_those(db: Database) -> None:
    # With N messages in flight at once, a crash can catch up to N that Telegram accepted but
    # the database had not marked yet: they are sent again; nothing is lost.
    for i in range(20):
        await add(db, f"m{i}", 100 + i, T0)
    before_crash = await crash_after(db, 6, concurrency=4)
    send = Recorder()
    restarted = Dispatcher(db, send, Clock(), Limits(per_second=100))
    await restarted.recover()
    await restarted.run_once()
    delivered = before_crash + send.sent
    assert set(delivered) == {f"m{i}" for i in range(20)}
    assert len(delivered) - len(set(delivered)) <= 4


@pytest.mark.postgres
async def test_two_dispatchers_on_postgresql_never_take_the_same_row(pg_server: str) -> None:
    from tests.conftest import fresh_pg_database

    for url in fresh_pg_database(pg_server):
        from bot.storage.migrate import upgrade

        upgrade(url)
        first, second = Database(url), Database(url)
        try:
            for i in range(300):
                await add(first, f"r{i}", 1000 + i, T0)
            clock, send = Clock(), Recorder()
            one = Dispatcher(first, send, clock, on_clock(clock, per_second=50))
            two = Dispatcher(second, send, clock, on_clock(clock, per_second=50))
            for second_ in range(1, 9):
                await asyncio.gather(one.run_once(), two.run_once())
                clock.now = T0 + timedelta(seconds=second_)
            assert len(send.sent) == 300 == len(set(send.sent))
            assert one.stats.sent > 0 and two.stats.sent > 0  # both really worked
        finally:
            await first.dispose()
            await second.dispose()


async def test_a_blocked_user_is_marked_inactive_until_they_write_again(db: Database) -> None:
    from bot.core.state import State
    from bot.storage.models import User
    from bot.storage.users import save_conversation

    async with db.transaction() as session:
        await save_conversation(session, 9, State(lang="de"), T0)
    await add(db, "x", 9, T0)
    send = Recorder()
    send.fail = {"x": [Blocked("403")]}
    await Dispatcher(db, send, Clock()).run_once()
    async with db.sessions() as session:
        user = await session.get(User, 9)
        assert user is not None and user.blocked_at == T0
    async with db.transaction() as session:
        await save_conversation(session, 9, State(lang="de"), T0 + timedelta(days=1))
    async with db.sessions() as session:
        user = await session.get(User, 9)
        assert user is not None and user.blocked_at is None


async def test_an_unforeseen_error_neither_strands_the_row_nor_stops_the_others(
    db: Database,
) -> None:
    clock, send = Clock(), Recorder()
    dispatcher = Dispatcher(db, send, clock, on_clock(clock))
    for i in range(3):
        await add(db, f"m{i}", 100 + i, T0)
    send.fail["m1"] = [RuntimeError("a bug in a composer")]
    await dispatcher.run_once()
    assert sorted(send.sent) == ["m0", "m2"]
    assert (await states(db))["m1"] == "pending"  # not stuck in "sending"
    clock.now = T0 + timedelta(minutes=1)
    await dispatcher.run_once()
    assert sorted(send.sent) == ["m0", "m1", "m2"]


def test_limits_survive_a_clock_that_steps_back() -> None:
    # Tests (and nothing else) swap the limits' clock for their own; stamps of the old
    # clock must neither block an address nor drain the bucket.
    seconds = 1_000_000.0
    limits = Limits(per_second=30, now=lambda: seconds)
    assert limits.try_acquire("5")
    seconds = 10.0  # another time base, far behind
    assert limits.available() >= 1
    assert limits.wait("5") == 0.0
    assert limits.try_acquire("5")


async def test_stopping_while_marks_are_written_lets_the_write_finish(db: Database) -> None:
    """A stop must not cancel the marking transaction half-way (a cancelled rollback leaves a
    broken connection and a traceback in the log); the marks are written, then it ends."""
    clock = Clock()
    await add(db, "a", 1, T0)
    recorder = Recorder()
    sender = Dispatcher(db, recorder, clock, Limits(per_second=30))
    writing, finish = asyncio.Event(), asyncio.Event()
    cancelled = False
    flush = sender._flush_marks

    async def slow_flush() -> None:
        nonlocal cancelled
        if sender._sent:
            writing.set()
            try:
                await finish.wait()
            except asyncio.CancelledError:
                cancelled = True
                raise
        await flush()

    sender._flush_marks = slow_flush  # type: ignore[method-assign]
    stopping = asyncio.Event()
    loop = asyncio.create_task(sender.serve(stopping))
    await asyncio.wait_for(writing.wait(), 5)
    stopping.set()
    await asyncio.sleep(0.2)  # the stop is under way while the marks are being written
    finish.set()
    await asyncio.wait_for(loop, 5)
    assert not cancelled
    assert recorder.sent == ["a"]
    assert await states(db) == {"a": "sent"}


async def test_a_claim_asks_the_limits_only_for_the_rows_it_takes(db: Database) -> None:
    """The query reads twice the limit (some may be dropped or held); asking the limits for
    the rest spent their budget and marked their chats busy for a second, so a wave of
    reminders went out in bursts with one-second holes (issue 10: 0.7 of the limit)."""
    from bot.storage.outbox import claim_due

    for i in range(6):
        await add(db, f"m{i}", 100 + i, T0)
    asked: list[tuple[str, str]] = []

    def may_send(to: tuple[str, str]) -> bool:
        asked.append(to)
        return True

    async with db.transaction() as session:
        claim = await claim_due(session, T0, 2, skip_locked=False, may_send=may_send)
    assert [r.idempotency_key for r in claim.rows] == ["m0", "m1"]
    assert asked == [("telegram", "100"), ("telegram", "101")]
    assert claim.waiting == set()


async def test_a_wave_is_sent_at_the_limit_without_holes(db: Database) -> None:
    """A continuous run against a limit: the rate between the first and the last message is
    the limit's (time counted by the limits' clock), and no message waits for a second."""
    clock = Clock()
    for i in range(120):
        await add(db, f"w{i}", 1000 + i, T0)
    sent_at: list[float] = []
    now = [0.0]

    async def send(row: OutboxRow) -> None:
        sent_at.append(now[0])

    limits = Limits(per_second=40, now=lambda: now[0])
    sender = Dispatcher(db, send, clock, limits, concurrency=16)
    stopping = asyncio.Event()
    loop = asyncio.create_task(sender.serve(stopping))
    for _ in range(4000):
        if len(sent_at) == 120:
            break
        # The limits' time moves only while the dispatcher waits: a slow database (a busy
        # machine) must not count as time in which nothing was sent.
        for _ in range(1000):
            await asyncio.sleep(0.001)
            if not sender._claiming.locked() and not sender._tasks:
                break
        now[0] += 0.005
        sender.wake()
    stopping.set()
    await asyncio.wait_for(loop, 5)
    assert len(sent_at) == 120
    gaps = [b - a for a, b in itertools.pairwise(sent_at)]
    assert max(gaps) < 0.5
    # 20 at once (half a second's budget), the other 100 at 40 a second
    assert sent_at[-1] - sent_at[0] <= 100 / (40 * 0.99) + 0.3
