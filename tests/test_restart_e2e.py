"""The bot process is killed (SIGKILL) mid-journey and started again: the user continues."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakeapi import FakeBotApi
from tests.tgclient import User

pytestmark = pytest.mark.e2e


class BotProcess:
    """``python -m bot run`` as a separate process, as in production."""

    def __init__(self, fake: FakeBotApi, db_url: str, workdir: Path) -> None:
        self.env = {
            **os.environ,
            "BOT_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.url,
            "DATABASE_URL": db_url,
        }
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = workdir / "bot.log"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


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
        log = bot.log.read_text(errors="replace")
        assert "Traceback" not in log, log[-3000:]
