"""Replies and outbox messages as the page's JSON: plain text (the page escapes and links it),
buttons as (label, data) with the same data format as Telegram's callback data."""

from __future__ import annotations

from typing import Any

from bot.core import buttons
from bot.delivery.ports import Outgoing
from bot.i18n.render import Rendered
from bot.storage.transcripts import Entry, NewEntry

MAX_LABEL = 64


def reply_entry(reply: Rendered, version: int) -> NewEntry:
    """A conversation reply, its options pressed at state ``version``."""
    payload: dict[str, Any] = {
        "title": reply.title,
        "body": reply.body,
        "buttons": [[label, buttons.choice(version, key)] for key, label in reply.options],
        "columns": max(reply.columns, 1),
    }
    return NewEntry("bot", payload, reply.attachment)


def outgoing_entry(message: Outgoing) -> NewEntry:
    """A message from the outbox (a reminder, a counsellor's reply)."""
    payload: dict[str, Any] = {
        "title": message.title,
        "body": message.body,
        "buttons": [[label, buttons.action(act)] for label, act in message.buttons],
        "columns": 1,
    }
    return NewEntry("bot", payload)


def user_entry(text: str) -> NewEntry:
    """What the reader typed, or the label of the button they pressed."""
    return NewEntry("user", {"body": text})


def as_json(entry: Entry) -> dict[str, Any]:
    """One transcript entry for the page."""
    return _json(entry.id, entry.author, entry.payload, entry.file_name)


def unsaved_json(entry: NewEntry) -> dict[str, Any]:
    """A message shown once and kept nowhere (id 0: the page does not count it as read)."""
    return _json(0, entry.author, entry.payload, None)


def _json(entry_id: int, author: str, payload: dict[str, Any], file: str | None) -> dict[str, Any]:
    return {
        "id": entry_id,
        "from": author,
        "title": payload.get("title"),
        "body": payload.get("body", ""),
        "buttons": payload.get("buttons", []),
        "columns": payload.get("columns", 1),
        "file": file,
    }
