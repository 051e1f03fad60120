"""Rendered replies to Telegram messages: HTML text and inline keyboards."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.telegram.convert import callback_data
from bot.i18n.render import Rendered

MAX_TEXT = 4096


def html_text(reply: Rendered) -> str:
    """The reply as Telegram HTML: a bold title line, then the body, all escaped."""
    body = escape(reply.body, quote=False)
    if reply.title:
        return f"<b>{escape(reply.title, quote=False)}</b>\n{body}"
    return body


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split at line ends into pieces Telegram accepts (a single long line is cut hard)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


def keyboard(reply: Rendered, version: int) -> InlineKeyboardMarkup | None:
    """The reply's options as inline buttons, ``columns`` per row."""
    if not reply.options:
        return None
    buttons = [
        InlineKeyboardButton(label, callback_data=callback_data(version, key))
        for key, label in reply.options
    ]
    width = max(reply.columns, 1)
    rows = [buttons[i : i + width] for i in range(0, len(buttons), width)]
    return InlineKeyboardMarkup(rows)
