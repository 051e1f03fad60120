"""Telegram HTML: a bold heading and escaped text in pieces of at most 4,096 characters
(counted after escaping, never cutting an entity), and inline keyboards."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core import buttons as callbacks
from bot.core.actions import Action
from bot.core.text import escaped_length, split
from bot.i18n.render import Rendered

MAX_TEXT = 4096


def html_pieces(body: str, title: str | None = None, limit: int = MAX_TEXT) -> list[str]:
    """The message as Telegram HTML, in as many pieces as it needs; the heading leads."""
    head = f"<b>{escape(title, quote=False)}</b>\n" if title else ""
    pieces = split(body, max(limit - len(head), 1), escaped_length)
    return [(head if i == 0 else "") + escape(p, quote=False) for i, p in enumerate(pieces)]


def keyboard(reply: Rendered, version: int) -> InlineKeyboardMarkup | None:
    """A conversation reply's options as inline buttons, ``columns`` per row."""
    if not reply.options:
        return None
    buttons = [
        InlineKeyboardButton(label, callback_data=callbacks.choice(version, key))
        for key, label in reply.options
    ]
    width = max(reply.columns, 1)
    rows = [buttons[i : i + width] for i in range(0, len(buttons), width)]
    return InlineKeyboardMarkup(rows)


def action_keyboard(buttons: tuple[tuple[str, Action], ...]) -> InlineKeyboardMarkup | None:
    """Buttons under an outbox message, one per row."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=callbacks.action(act))]
            for label, act in buttons
        ]
    )
