"""The bot process is killed with SIGKILL at random points of a scripted run of several
newcomers, and started again each time: every conversation resumes at its step, every
booking has its case and its two reminders exactly once, and no outbox message is lost.

A kill can land between Telegram accepting a message and the bot noting it as sent; that
message goes out again after the restart (at least once, never lost). The test counts such
repeats and allows no more of them than the outbox reported in flight at the kills.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from bot.storage.db import driver_url
from bot.storage.models import BookingRow, CaseRow, Identity, OutboxRow
from tests.botproc import BotProcess
from tests.fakeapi import FakeBotApi
from tests.test_booking_e2e import COUNSELLOR, GROUP
from tests.tgclient import User

pytestmark = pytest.mark.e2e
PREFERRED = ("de", "agree", "new_arrival", "no", "27_plus", "book", "mbe")
STEP_TIMEOUT = 60.0


def choose(user: User, index: int) -> str | None:
    """The key this newcomer presses next, from the newest buttons; None when booked."""
    for message in reversed(user.messages):
        keys = [d.split(":", 1)[1] for _l, d in user.fake.buttons(message)]
        if keys:
            break
    else:
        return None
    if "cancel" in keys and "reschedule" in keys:
        return None  # the booking confirmation: done
    for key in PREFERRED:
        if key in keys:
            return key
    days = [k for k in keys if re.fullmatch(r"d\d{8}", k)]
    if days:
        return days[index % len(days)]
    slots = [k for k in keys if re.fullmatch(r"s\d{12}", k)]
    if slots:
        return slots[(index // 3) % len(slots)]
    return next((k for k in keys if k not in ("back", "restart", "menu")), None)


async def ready(fake: FakeBotApi, polls: int) -> None:
    """The restarted bot has taken up polling."""
    await fake.await_for(lambda: len(fake.calls_for("getUpdates")) > polls, STEP_TIMEOUT)


def recovered_in_flight(log: str) -> int:
    return sum(int(n) for n in re.findall(r"outbox: (\d+) messages claimed before a crash", log))


async def killed_run(fake: FakeBotApi, db_url: str, workdir: Path, kills: int, seed: int) -> None:
    rng = random.Random(seed)
    fake.send_text(GROUP, "Willkommen", user_id=COUNSELLOR, message_thread_id=1)
    bot = BotProcess(fake, db_url, workdir, COUNSELLOR_CHAT_ID=str(GROUP))
    users = [User(fake, 31_000 + i, language_code="de") for i in range(8)]
    budget = 11 * len(users)
    kill_at = set(rng.sample(range(2, 7 * len(users)), kills))  # a journey takes ~9 actions
    bot.start()
    done_kills = actions = 0
    try:
        for user in users:
            await user.say("/start", timeout=STEP_TIMEOUT)
        for step in range(budget * 3):
            pending = [(i, u) for i, u in enumerate(users) if choose(u, i) is not None]
            if not pending:
                break
            index, user = pending[step % len(pending)]
            key = choose(user, index)
            assert key is not None
            actions += 1
            if actions in kill_at:
                message_id, data = user.button_data(key)
                fake.press_button(user.chat_id, message_id, data, language_code="de")
                await asyncio.sleep(rng.uniform(0.0, 0.25))  # mid-update or just after
                bot.kill()
                done_kills += 1
                polls = len(fake.calls_for("getUpdates"))
                bot.start()
                await ready(fake, polls)
                await user.say("/help", timeout=STEP_TIMEOUT)  # shows the step it resumed at
            else:
                await user.press(key, timeout=STEP_TIMEOUT)
        assert done_kills == kills
        assert all(choose(u, i) is None for i, u in enumerate(users)), "not everyone booked"
        await fake.await_for(lambda: _group_summaries(fake) >= len(users), STEP_TIMEOUT)
        code, _seconds = bot.terminate()
        assert code == 0
    finally:
        bot.stop()
    log = bot.output()
    assert "Traceback" not in log, log[-3000:]
    _check_database(db_url, users)
    repeats = _group_summaries(fake) - len(users)
    in_flight = recovered_in_flight(log)
    print(
        f"\nkill run: {kills} SIGKILLs survived in {actions} actions of {len(users)} newcomers, "
        f"{bot.starts} starts; case summaries repeated {repeats}, in flight at kills {in_flight}"
    )
    assert 0 <= repeats <= in_flight


def as_utc(moment: datetime) -> datetime:
    """SQLite returns naive UTC, PostgreSQL aware datetimes."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _group_summaries(fake: FakeBotApi) -> int:
    return sum(1 for m in fake.sent_messages(GROUP) if "Neuer Fall" in str(m.get("text")))


def _check_database(db_url: str, users: list[User]) -> None:
    engine = create_engine(driver_url(db_url, asynchronous=False))
    try:
        with engine.connect() as conn:
            bookings = conn.execute(
                select(
                    BookingRow.id, BookingRow.user_id, BookingRow.starts_at, BookingRow.created_at
                )
            ).all()
            cases = conn.execute(select(CaseRow.booking_id)).all()
            known = dict(
                conn.execute(
                    select(Identity.user_id, Identity.external_id).where(
                        Identity.channel == "telegram"
                    )
                ).all()
            )
            keys = [r.idempotency_key for r in conn.execute(select(OutboxRow.idempotency_key))]
            rows = conn.execute(select(OutboxRow.kind, OutboxRow.payload)).all()
    finally:
        engine.dispose()
    reminders = Counter(
        (r.payload["booking_id"], r.payload["lead_hours"]) for r in rows if r.kind == "reminder"
    )
    # One booking per newcomer, one case per booking; the outbox never holds a key twice.
    assert sorted(int(known[b.user_id]) for b in bookings) == sorted(u.chat_id for u in users)
    assert sorted(c.booking_id for c in cases) == sorted(b.id for b in bookings)
    assert len(keys) == len(set(keys))
    # 24 h and 2 h before, once each, where that moment was still ahead when the visit was
    # booked: a visit booked at 13:00 for 14:30 the same day has neither (the test runs on
    # the real clock, at any time of day).
    expected = Counter(
        (b.id, hours)
        for b in bookings
        for hours in (24, 2)
        if as_utc(b.starts_at) - timedelta(hours=hours) > as_utc(b.created_at)
    )
    assert reminders == expected


@pytest.mark.long
async def test_killed_at_random_points_everyone_resumes(
    fake: FakeBotApi, db_url: str, tmp_path: Path
) -> None:
    await killed_run(fake, db_url, tmp_path, kills=4, seed=7)


@pytest.mark.heavy
async def test_killed_at_20_random_points_everyone_resumes(
    fake: FakeBotApi, db_url: str, tmp_path: Path
) -> None:
    await killed_run(fake, db_url, tmp_path, kills=20, seed=2026)
