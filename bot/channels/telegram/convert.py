"""Telegram updates to flow events."""

from __future__ import annotations

from telegram import Message, Update

from bot.core import buttons as callbacks
from bot.core.actions import CheckinReply
from bot.core.events import (
    CheckinIn,
    ChoiceIn,
    CommandIn,
    Event,
    InvalidChoiceIn,
    LocationIn,
    TextIn,
    UnsupportedIn,
)


def _text(message: Message) -> str:
    # PostgreSQL cannot store NUL in text, and no one means to type it.
    return (message.text or "").replace("\x00", "")


def _command(message: Message) -> CommandIn | None:
    text = _text(message)
    entities = message.entities or ()
    if not text.startswith("/") or not any(
        e.type == "bot_command" and e.offset == 0 for e in entities
    ):
        return None
    word, _, args = text[1:].partition(" ")
    name = word.split("@", 1)[0].lower()
    return CommandIn(name=name, args=args.strip())


def _attachment_kind(message: Message) -> str:
    attachment = message.effective_attachment
    if attachment is None:
        return "other"
    if isinstance(attachment, tuple | list):
        return "photo"
    return type(attachment).__name__.lower()


def to_event(update: Update) -> Event | None:
    """The event in an update of a private chat, or ``None`` if there is nothing to answer."""
    if update.callback_query is not None:
        pressed = callbacks.read(update.callback_query.data)
        if isinstance(pressed, CheckinReply):  # an answer under a check-in message
            return CheckinIn(pressed.checkin_id, pressed.answer)
        # Other buttons under outbox messages are handled before; here they are out of place.
        return pressed if isinstance(pressed, ChoiceIn | InvalidChoiceIn) else InvalidChoiceIn()
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        return _command(message) or TextIn(_text(message))
    if message.location is not None:
        return LocationIn(message.location.latitude, message.location.longitude)
    return UnsupportedIn(_attachment_kind(message))


def update_kind(update: Update) -> str:
    """A coarse name for an update, for logs: what it is, never what it says."""
    if update.callback_query is not None:
        return "button"
    if update.edited_message is not None:
        return "edited"
    message = update.message
    if message is None:
        # channel posts, member changes, inline queries, polls, ...
        fields = update.to_dict().keys() - {"update_id"}
        return next(iter(sorted(fields)), "empty")
    if message.text is not None:
        return "command" if _command(message) is not None else "text"
    if message.location is not None:
        return "location"
    return _attachment_kind(message)
