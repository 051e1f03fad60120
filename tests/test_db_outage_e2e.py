"""PostgreSQL goes away for a few seconds mid-run and comes back: the bot recovers by itself,
answers politely while it is gone, and no saved step is lost."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import pytest

from bot.channels.telegram.texts import SORRY
from bot.core.messages import Msg
from bot.delivery.dispatcher import Dispatcher
from bot.runtime.health import Health
from bot.storage.migrate import upgrade
from tests.conftest import fresh_pg_database
from tests.fakeapi import FakeBotApi
from tests.test_booking_e2e import running
from tests.tgclient import User

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.alone]


def _cluster(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action]
    if action == "stop":
        command += ["-m", "fast"]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


async def _ready() -> None:
    for _ in range(120):
        check = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False)
        if check.returncode == 0:
            return
        await asyncio.sleep(0.5)
    raise AssertionError("PostgreSQL did not come back")


@pytest.mark.skipif(not Path("/etc/postgresql").is_dir(), reason="no local PostgreSQL cluster")
async def test_bot_recovers_when_postgresql_restarts(fake: FakeBotApi, pg_server: str) -> None:
    for db_url in fresh_pg_database(pg_server):
        upgrade(db_url)
        await _outage(fake, db_url)


async def _outage(fake: FakeBotApi, db_url: str) -> None:
    async with running(fake, db_url) as bot:
        users = [User(fake, 7800 + i, language_code="de") for i in range(4)]
        for user in users:
            await user.say("/start")
            await user.press("de")
            await user.press("agree")  # now at the status question
        health = Health(bot.core.db, bot.app.bot_data.dispatcher, bot.clock)
        assert (await health.report())[0]
        _cluster("stop")
        try:
            sorry = bot.core.text(Msg(SORRY), "de")
            for user in users:  # answered politely while the database is away
                before = fake.message_count(user.chat_id)
                fake.press_button(user.chat_id, *user.button_data("new_arrival"))
                await fake.await_messages(user.chat_id, before + 1, timeout=30)
                assert user.messages[-1]["text"] == sorry
            assert not (await health.report())[0]  # /health says so
        finally:
            _cluster("start")
            await _ready()
        # Back again: everyone continues from the step saved before the outage.
        for user in users:
            await user.press("new_arrival", timeout=30)
            await user.press("no", timeout=30)
            final = await user.press("27_plus", timeout=30)
            keys = {d.split(":", 1)[1] for _l, d in fake.buttons(final[-1])}
            assert {"book", "courses", "question", "person"} <= keys
        dispatcher: Dispatcher = bot.app.bot_data.dispatcher
        await dispatcher.run_once()
        assert (await health.report())[0]
