"""A user flooding the bot is slowed down politely: one notice, no crash, others unaffected."""

from __future__ import annotations

import pytest

from bot.channels.telegram.texts import SLOW_DOWN
from bot.core.messages import Msg
from bot.runtime.flood import FloodGuard
from tests.fakeapi import FakeBotApi
from tests.test_booking_e2e import running
from tests.tgclient import User

pytestmark = pytest.mark.e2e


async def test_a_flood_gets_one_notice_and_then_quiet(fake: FakeBotApi, db_url: str) -> None:
    async with running(fake, db_url, FLOOD_LIMIT="5/30") as bot:
        now = [0.0]
        guard: FloodGuard = bot.app.bot_data.flood
        guard.clock = lambda: now[0]
        flooder, calm = User(fake, 8800, "tr"), User(fake, 8801, "tr")
        for i in range(40):
            fake.send_text(flooder.chat_id, f"spam {i}", language_code="tr")
        await calm.say("/start")  # another user is served meanwhile
        notice = bot.core.text(Msg(SLOW_DOWN), "tr")
        await fake.await_for(lambda: any(m["text"] == notice for m in flooder.messages), 30)
        await fake.await_for(lambda: not fake.pending_updates(), 30)
        now[0] = 31.0  # the window has room again; the chat's updates are handled in order,
        last = await flooder.say("/start")  # so this answer comes after all of the flood
        texts = [m["text"] for m in flooder.messages[: -len(last)]]
        assert texts.count(notice) == 1  # one polite notice, not forty
        assert texts.index(notice) >= 5  # after the answers to the first five
        assert len(texts) <= 5 * 3 + 1  # nothing past the notice was answered
