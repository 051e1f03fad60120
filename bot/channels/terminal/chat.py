"""The terminal channel: the same flows as on Telegram, buttons shown as numbers."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.app.conversation import Answer, Wegweiser
from bot.channels.texts import TERMINAL_BYE, TERMINAL_FILE_SAVED, TERMINAL_HINT, TERMINAL_SAVED
from bot.core.events import ChoiceIn, CommandIn, Event, TextIn
from bot.core.messages import Msg, Term
from bot.i18n.render import Rendered

TERMINAL_USER_ID = 1


def parse_line(line: str, options: tuple[tuple[str, str], ...]) -> Event | None:
    """Read one typed line: a number picks an option, ``/x`` is a command; ``None`` quits."""
    text = line.strip()
    if text in ("/quit", "/exit"):
        return None
    if text.startswith("/") and len(text) > 1:
        name, _, args = text[1:].partition(" ")
        return CommandIn(name.lower(), args)
    if text.isdigit() and 1 <= int(text) <= len(options):
        return ChoiceIn(options[int(text) - 1][0])
    return TextIn(text)


def format_reply(reply: Rendered, first_number: int = 1) -> str:
    """A reply as plain text with numbered options."""
    lines = []
    if reply.title:
        lines += [reply.title, "-" * min(len(reply.title), 40)]
    lines.append(reply.body)
    for i, (_key, label) in enumerate(reply.options, start=first_number):
        lines.append(f"  [{i}] {label}")
    return "\n".join(lines)


async def chat(
    app: Wegweiser,
    *,
    user_id: int = TERMINAL_USER_ID,
    stdin: TextIO = sys.stdin,
    out: Callable[[str], None] = print,
    client_language: str | None = None,
    files: Path = Path("data"),
) -> None:
    """Talk to the bot in the terminal until /quit or end of input; files (calendar, /mydata)
    go to ``files``."""
    answer = await app.current(user_id, client_language=client_language)
    while True:
        options = _show(answer, out, app, files)
        out(app.text(Msg(TERMINAL_HINT), answer.lang))
        out("> ")
        line = stdin.readline()
        event = parse_line(line, options) if line else None
        if event is None:
            out(app.text(Msg(TERMINAL_BYE), answer.lang))
            return
        answer = await app.handle(user_id, event, client_language=client_language)


def _show(
    answer: Answer, out: Callable[[str], None], app: Wegweiser, files: Path
) -> tuple[tuple[str, str], ...]:
    options: tuple[tuple[str, str], ...] = ()
    for reply in answer.replies:
        out(format_reply(reply))
        if reply.attachment is not None:
            name, data = reply.attachment
            files.mkdir(parents=True, exist_ok=True)
            (files / name).write_bytes(data)
            saved = TERMINAL_SAVED if name.endswith(".ics") else TERMINAL_FILE_SAVED
            out(app.text(Msg(saved, {"path": Term(str(files / name))}), answer.lang))
        out("")
        options = reply.options or options
    return options
