"""The terminal channel: the same flows as on Telegram, buttons shown as numbers."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.app.conversation import Answer, Wegweiser
from bot.channels.terminal.texts import (
    TERMINAL_BYE,
    TERMINAL_FILE_SAVED,
    TERMINAL_HINT,
    TERMINAL_SAVED,
)
from bot.channels.terminal.transport import CHANNEL, TerminalTransport
from bot.core.address import Address
from bot.core.events import ChoiceIn, CommandIn, Event, TextIn
from bot.core.messages import Msg, Term
from bot.delivery.compose import Composer
from bot.delivery.dispatcher import Dispatcher, Limits
from bot.delivery.ports import ChannelPort
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


def terminal_dispatcher(app: Wegweiser, out: Callable[[str], None]) -> Dispatcher:
    """The outbox dispatcher of the terminal: it prints what is due for the terminal user."""
    port = ChannelPort(CHANNEL, TerminalTransport(out), per_second=100, per_chat_interval=0.0)
    composer = Composer(
        app.db,
        app.renderer,
        lambda: app.content,
        {CHANNEL: port},
        clock=app.clock,
        tz=app.settings.timezone,
    )
    limits = Limits(per_second=port.per_second, private_interval=port.per_chat_interval)
    return Dispatcher(app.db, composer, app.clock, limits, serves=frozenset({CHANNEL}))


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
    go to ``files``; reminders and replies from the outbox are printed as they fall due."""
    address = Address(CHANNEL, str(user_id))
    dispatcher = terminal_dispatcher(app, out)
    stopping = asyncio.Event()
    delivering = asyncio.create_task(dispatcher.serve(stopping))
    try:
        answer = await app.current(address, client_language=client_language)
        while True:
            options = _show(answer, out, app, files)
            out(app.text(Msg(TERMINAL_HINT), answer.lang))
            out("> ")
            line = await asyncio.to_thread(stdin.readline)
            event = parse_line(line, options) if line else None
            if event is None:
                out(app.text(Msg(TERMINAL_BYE), answer.lang))
                return
            answer = await app.handle(address, event, client_language=client_language)
            if answer.queued:
                dispatcher.wake()
    finally:
        stopping.set()
        await delivering


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
