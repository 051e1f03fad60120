"""The bot process is killed (SIGKILL) mid-journey and started again: the user continues."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.botproc import BotProcess
from tests.fakeapi import FakeBotApi
from tests.tgclient import User

pytestmark = pytest.mark.e2e


@pytest.mark.long
async def test_killed_bot_resumes_every_user_where_they_were(
    fake: FakeBotApi, db_url: str, tmp_path: Path
) -> None:
    bot = BotProcess(fake, db_url, tmp_path)
    bot.start()
    try:
        user = User(fake, 7001, language_code="uk")
        await user.say("/start", timeout=30)
        await user.press("uk")
        await user.press("agree")
        await user.press("long_resident")

        bot.kill()  # between two steps
        bot.start()
        answer = await user.press("yes", timeout=30)  # the button sent before the kill
        assert user.button_data("27_plus")  # the age question: the step after Bürgergeld

        # Killed while an update is in flight: it is either applied or lost, never applied
        # twice, and the user can always continue from the step shown next.
        message_id, data = user.button_data("27_plus")
        fake.press_button(7001, message_id, data, language_code="uk")
        bot.kill()
        bot.start()
        shown = await user.say("/help", timeout=30)
        keys = {d.split(":", 1)[1] for _l, d in fake.buttons(shown[-1])}
        if "27_plus" in keys:
            await user.press("27_plus")
        final = fake.buttons(user.messages[-1])
        assert {d.split(":", 1)[1] for _l, d in final} >= {"book", "courses", "question"}
        assert answer
    finally:
        bot.stop()
        log = bot.output()
        assert "Traceback" not in log, log[-3000:]
        assert fake.token.split(":")[1] not in log  # the token never reaches a log
        lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
        assert lines and all(line.keys() >= {"ts", "level", "logger", "msg"} for line in lines)
