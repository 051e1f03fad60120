"""SIGTERM: the bot stops taking updates, finishes those in hand and exits within 10 s;
whatever it had not taken yet is answered after the next start, once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.botproc import BotProcess
from tests.fakeapi import FakeBotApi
from tests.tgclient import User

pytestmark = pytest.mark.e2e


@pytest.mark.long
async def test_sigterm_finishes_updates_in_hand_and_exits_in_time(
    fake: FakeBotApi, db_url: str, tmp_path: Path
) -> None:
    bot = BotProcess(fake, db_url, tmp_path)
    bot.start()
    try:
        users = [User(fake, 7300 + i, language_code="de") for i in range(30)]
        for user in users[:2]:
            await user.say("/start", timeout=30)
        # A burst of updates, then SIGTERM while they are being worked on.
        for user in users:
            fake.send_command(user.chat_id, "/help", language_code="de")
        await fake.await_for(lambda: any(fake.message_count(u.chat_id) for u in users[2:]), 30)
        code, seconds = bot.terminate()
        answered_before_restart = sum(1 for u in users[2:] if fake.message_count(u.chat_id))
        assert code == 0
        assert seconds < 10.0, seconds
        polls = len(fake.calls_for("getUpdates"))
        bot.start()  # what the stopped bot had not taken is delivered now
        for user in users:
            expected = 2 if user in users[:2] else 1
            await fake.await_for(lambda u=user, n=expected: fake.message_count(u.chat_id) >= n, 30)
        # Stopped again once it polls (a SIGTERM before start-up ends just ends the process).
        await fake.await_for(lambda: len(fake.calls_for("getUpdates")) > polls, 30)
        code, seconds = bot.terminate()
        assert code == 0 and seconds < 10.0
    finally:
        bot.stop()
    print(f"answered before SIGTERM: {answered_before_restart} of 28; stop took {seconds:.2f} s")
    for user in users:
        # /start (answered) + /help for the first two; /help alone for the others: none twice.
        helps = [m for m in user.messages if "/privacy" in str(m.get("text"))]
        assert len(helps) == 1, (user.chat_id, [m.get("text", "")[:40] for m in user.messages])
    log = bot.output()
    assert "Traceback" not in log, log[-3000:]
    entries = [json.loads(line) for line in log.splitlines() if line.strip()]
    updates = [e for e in entries if e.get("event") == "update"]
    assert len(updates) == 32  # one line per update: 2 x /start + 30 x /help
    assert all(isinstance(e["ms"], float) and e["outcome"] == "answered" for e in updates)
    assert not any("7300" in json.dumps(e) for e in entries)  # no user ids in the logs
