"""The terminal channel runs the same flows; `python -m bot chat` works without a token."""

from __future__ import annotations

import io
import os
from pathlib import Path

from bot.app.conversation import Wegweiser
from bot.channels.terminal.chat import chat, parse_line
from bot.core.address import Address
from bot.core.events import ChoiceIn, CommandIn, TextIn
from tests.support.cli import run_bot


def test_parse_line() -> None:
    options = (("de", "Deutsch"), ("en", "English"))
    assert parse_line("2\n", options) == ChoiceIn("en")
    assert parse_line("/Language\n", options) == CommandIn("language")
    assert parse_line("7", options) == TextIn("7")
    assert parse_line("/quit", options) is None


async def test_terminal_journey_and_resume(app: Wegweiser) -> None:
    out: list[str] = []
    # Language menu: Deutsch is 1; privacy: agree is 1; status: Spätaussiedler is 2.
    await chat(app, user_id=77, stdin=io.StringIO("1\n1\n2\n"), out=out.append)
    assert (await app.current(Address("terminal", "77"))).step == "age"
    out.clear()
    await chat(app, user_id=77, stdin=io.StringIO("2\n/quit\n"), out=out.append)
    text = "\n".join(out)
    assert "Wer entscheidet: BVA" in text
    assert "Ihre Antworten sind gespeichert" in text


def test_make_run_without_token_starts_the_terminal_chat(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/chat.db"
    # English (third, after German and simple German), agree, new arrival, no Bürgergeld, under 27
    printed = run_bot("run", typed="3\n1\n1\n2\n1\n", cwd=tmp_path, env=env)
    lines = printed.splitlines()
    assert "@BotFather" in lines[0]
    assert "Who decides: foreigners authority (Ausländerbehörde)" in printed
    assert "Free first counselling: Youth Migration Service (JMD)" in printed
