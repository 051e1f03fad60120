"""Builders for realistic Telegram objects (users, chats, media, entities).

All functions are pure; ids, dates and storage are handled by
:class:`~tests.fakeapi.state.FakeState`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = [
    "FILE_ID_PREFIXES",
    "MESSAGE_KINDS",
    "UPDATE_TYPES",
    "FileRegistrar",
    "chat_type_for",
    "command_entities",
    "make_bot_user",
    "make_chat",
    "make_user",
    "media_for_kind",
    "update_type",
]

#: Update fields that carry the payload, in the order of the ``Update`` type.
UPDATE_TYPES: tuple[str, ...] = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "guest_message",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
    "managed_bot",
)

#: Kinds accepted by ``FakeBotApi.send_message_of_kind``.
MESSAGE_KINDS: tuple[str, ...] = (
    "sticker",
    "photo",
    "voice",
    "location",
    "document",
    "contact",
    "video",
    "animation",
    "audio",
    "video_note",
)

#: Typical leading characters of real file ids per media kind.
FILE_ID_PREFIXES: dict[str, str] = {
    "sticker": "CAACAgIAAxkBAAI",
    "photo": "AgACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI",
    "document": "BQACAgIAAxkBAAI",
    "video": "BAACAgIAAxkBAAI",
    "animation": "CgACAgIAAxkBAAI",
    "audio": "CQACAgIAAxkBAAI",
    "video_note": "DQACAgIAAxkBAAI",
}

#: ``(kind, data, filename, mime_type) -> (file_id, file_unique_id)``
FileRegistrar = Callable[[str, bytes, str | None, str | None], tuple[str, str]]


def chat_type_for(chat_id: int) -> str:
    """Guess a chat type from the sign of its id.

    Args:
        chat_id: Telegram chat id.

    Returns:
        ``"private"`` for positive ids, else ``"supergroup"``.
    """
    return "private" if chat_id > 0 else "supergroup"


def make_bot_user(bot_id: int, username: str, first_name: str) -> dict[str, Any]:
    """Build the ``User`` returned by ``getMe``.

    Args:
        bot_id: The numeric part of the token.
        username: Bot username without ``@``.
        first_name: Display name.

    Returns:
        A ``User`` object with the getMe-only fields.
    """
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": first_name,
        "username": username,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def make_user(
    user_id: int,
    *,
    language_code: str | None = "de",
    first_name: str | None = None,
    last_name: str | None = None,
    username: str | None = None,
) -> dict[str, Any]:
    """Build a human ``User``.

    Args:
        user_id: User id.
        language_code: IETF language tag of the user's client, or ``None``.
        first_name: Defaults to ``"User<id>"``.
        last_name: Optional last name.
        username: Defaults to ``"user<id>"``.

    Returns:
        A ``User`` object.
    """
    user: dict[str, Any] = {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name or f"User{user_id}",
        "username": username or f"user{user_id}",
    }
    if last_name:
        user["last_name"] = last_name
    if language_code:
        user["language_code"] = language_code
    return user


def make_chat(
    chat_id: int,
    chat_type: str,
    *,
    user: dict[str, Any] | None = None,
    title: str | None = None,
    is_forum: bool = False,
) -> dict[str, Any]:
    """Build a ``Chat``.

    Args:
        chat_id: Chat id.
        chat_type: ``private``, ``group``, ``supergroup`` or ``channel``.
        user: For private chats, the user whose names the chat carries.
        title: Title of group chats; defaults to ``"Group <id>"``.
        is_forum: Whether a supergroup has topics enabled.

    Returns:
        A ``Chat`` object.
    """
    chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = (user or {}).get("first_name") or f"User{chat_id}"
        for key in ("last_name", "username"):
            if user and user.get(key):
                chat[key] = user[key]
    else:
        chat["title"] = title or f"Group {chat_id}"
        if is_forum and chat_type == "supergroup":
            chat["is_forum"] = True
    return chat


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@/])")


def command_entities(text: str) -> list[dict[str, Any]]:
    """Build ``bot_command`` entities for every ``/command`` like Telegram does.

    Args:
        text: Message text.

    Returns:
        ``MessageEntity`` objects with UTF-16 offsets and lengths.
    """
    return [
        {
            "type": "bot_command",
            "offset": _utf16_len(text[: match.start()]),
            "length": _utf16_len(match.group(0)),
        }
        for match in _COMMAND_RE.finditer(text)
    ]


def media_for_kind(kind: str, register: FileRegistrar) -> dict[str, Any]:
    """Build the message fields of a non-text message.

    Args:
        kind: One of :data:`MESSAGE_KINDS`.
        register: Called for each file so that ``getFile`` can serve it later.

    Returns:
        The fields to merge into a ``Message`` (e.g. ``{"sticker": {...}}``).

    Raises:
        ValueError: If ``kind`` is unknown.
    """
    if kind == "sticker":
        file_id, unique = register(kind, b"RIFF-fake-webp", "sticker.webp", "image/webp")
        return {
            "sticker": {
                "file_id": file_id,
                "file_unique_id": unique,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "\N{THUMBS UP SIGN}",
                "set_name": "FakeStickers",
                "file_size": 14,
            }
        }
    if kind == "photo":
        sizes = []
        for width, height in ((90, 67), (320, 240), (800, 600)):
            data = f"fake-jpeg-{width}x{height}".encode()
            file_id, unique = register("photo", data, None, "image/jpeg")
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": unique,
                    "width": width,
                    "height": height,
                    "file_size": len(data),
                }
            )
        return {"photo": sizes}
    if kind == "voice":
        file_id, unique = register(kind, b"OggS-fake-voice", None, "audio/ogg")
        return {
            "voice": {
                "file_id": file_id,
                "file_unique_id": unique,
                "duration": 3,
                "mime_type": "audio/ogg",
                "file_size": 15,
            }
        }
    if kind == "audio":
        file_id, unique = register(kind, b"ID3-fake-audio", "song.mp3", "audio/mpeg")
        return {
            "audio": {
                "file_id": file_id,
                "file_unique_id": unique,
                "duration": 180,
                "file_name": "song.mp3",
                "mime_type": "audio/mpeg",
                "file_size": 14,
            }
        }
    if kind == "location":
        return {"location": {"latitude": 48.775846, "longitude": 9.182932}}
    if kind == "document":
        data = b"%PDF-1.4 fake document"
        file_id, unique = register(kind, data, "Aufenthaltstitel.pdf", "application/pdf")
        return {
            "document": {
                "file_id": file_id,
                "file_unique_id": unique,
                "file_name": "Aufenthaltstitel.pdf",
                "mime_type": "application/pdf",
                "file_size": len(data),
            }
        }
    if kind == "contact":
        return {
            "contact": {
                "phone_number": "+4971112345678",
                "first_name": "Erika",
                "last_name": "Mustermann",
            }
        }
    if kind in {"video", "animation", "video_note"}:
        mime = "video/mp4"
        file_id, unique = register(kind, f"fake-mp4-{kind}".encode(), f"{kind}.mp4", mime)
        if kind == "video_note":
            return {
                "video_note": {
                    "file_id": file_id,
                    "file_unique_id": unique,
                    "length": 240,
                    "duration": 5,
                    "file_size": 13,
                }
            }
        media = {
            "file_id": file_id,
            "file_unique_id": unique,
            "width": 640,
            "height": 360,
            "duration": 4,
            "file_name": f"{kind}.mp4",
            "mime_type": mime,
            "file_size": 13,
        }
        if kind == "animation":
            document = {
                k: media[k] for k in ("file_id", "file_unique_id", "file_name", "mime_type")
            }
            return {"animation": media, "document": document}
        return {"video": media}
    raise ValueError(f"unknown message kind {kind!r}; expected one of {MESSAGE_KINDS}")


def update_type(update: dict[str, Any]) -> str | None:
    """Return the payload field of an update.

    Args:
        update: An ``Update`` object.

    Returns:
        E.g. ``"message"`` or ``"callback_query"``; ``None`` if none is present.
    """
    for key in UPDATE_TYPES:
        if key in update:
            return key
    return None
