"""The fake's world: chats, messages, updates, files and bot settings.

Everything lives in one :class:`FakeState` guarded by one re-entrant lock wrapped in a
:class:`threading.Condition`; the condition is notified whenever a call is recorded, an
update is queued or a message changes, so waiters (long polling, ``wait_for``) wake up.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .models import ApiError, Call, StoredFile, StoredMessage, bad_request
from .updates import (
    FILE_ID_PREFIXES,
    chat_type_for,
    make_bot_user,
    make_chat,
    make_user,
    update_type,
)
from .waiting import Ticker

__all__ = [
    "DEFAULT_ALLOWED_UPDATES_EXCLUDED",
    "DEFAULT_GROUP_USER_ID",
    "CallbackState",
    "ChatState",
    "FakeState",
    "TopicState",
]

#: Update types Telegram only delivers when explicitly requested via ``allowed_updates``.
DEFAULT_ALLOWED_UPDATES_EXCLUDED = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)
#: Sender of injected group messages when no ``user_id`` is given.
DEFAULT_GROUP_USER_ID = 4242


@dataclass
class TopicState:
    """A forum topic.

    Attributes:
        topic: The ``ForumTopic`` object.
        closed: Whether the topic is closed.
    """

    topic: dict[str, Any]
    closed: bool = False


@dataclass
class ChatState:
    """One chat and its message history.

    Attributes:
        chat: The ``Chat`` object embedded in messages.
        next_message_id: Next message id (shared by bot and user messages, like Telegram).
        messages: Messages by id.
        order: Message ids in creation order.
        topics: Forum topics by ``message_thread_id``.
    """

    chat: dict[str, Any]
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)
    topics: dict[int, TopicState] = field(default_factory=dict)

    def take_message_id(self) -> int:
        """Reserve the next message id.

        Returns:
            The id.
        """
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def outgoing(self) -> Iterator[StoredMessage]:
        """Iterate over the bot's messages in order.

        Yields:
            The stored messages the bot sent.
        """
        for message_id in self.order:
            stored = self.messages[message_id]
            if stored.outgoing:
                yield stored


@dataclass
class CallbackState:
    """A callback query handed to the bot.

    Attributes:
        query: The ``CallbackQuery`` object.
        answered: Whether ``answerCallbackQuery`` was called.
        answer: Parameters of the answer.
    """

    query: dict[str, Any]
    answered: bool = False
    answer: dict[str, Any] | None = None


def _now() -> int:
    return int(time.time())


class FakeState:
    """Thread-safe state of one fake Bot API server.

    All mutating methods expect to be called with :attr:`cond` held, except those that
    acquire it themselves (documented as *locks*).
    """

    def __init__(
        self,
        token: str,
        *,
        bot_username: str = "wegweiser_test_bot",
        bot_first_name: str = "Wegweiser",
    ) -> None:
        """Create an empty world.

        Args:
            token: The bot token; its numeric prefix becomes the bot's user id.
            bot_username: Username returned by ``getMe``.
            bot_first_name: First name returned by ``getMe``.
        """
        self.cond = threading.Condition(threading.RLock())
        self.ticker = Ticker(self.cond)
        self.token = token
        prefix = token.split(":", 1)[0]
        self.bot_user = make_bot_user(
            int(prefix) if prefix.isdigit() else 123456, bot_username, bot_first_name
        )
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = 1
        self.allowed_updates: list[str] | None = None
        self.poll_generation = 0
        self.webhook: dict[str, Any] = {"url": ""}
        self.chats: dict[int, ChatState] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.members: dict[tuple[int, int], dict[str, Any]] = {}
        self.callbacks: dict[str, CallbackState] = {}
        self.files: dict[str, StoredFile] = {}
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.blocked: set[int] = set()
        self.strict_chats = False
        self.stopped = False
        self._file_counter = itertools.count(1)
        self._callback_counter = itertools.count(1)

    # ------------------------------------------------------------- recording

    def wait(self, timeout: float) -> None:
        """With ``cond`` held: sleep until the state changes or, at the latest, the next tick
        (callers loop on their own deadline). See :mod:`.waiting` for why not ``wait(t)``."""
        if self.ticker.running:
            self.cond.wait()
        else:
            self.cond.wait(timeout)

    def record_call(self, call: Call) -> None:
        """Append a call and wake up waiters (*locks*).

        Args:
            call: The call.
        """
        with self.cond:
            self.calls.append(call)
            self.cond.notify_all()

    def record_violations(self, violations: list[str]) -> None:
        """Append spec violations and wake up waiters (*locks*).

        Args:
            violations: Violation texts.
        """
        with self.cond:
            self.violations.extend(violations)
            self.cond.notify_all()

    # ----------------------------------------------------------- users/chats

    def user(self, user_id: int, language_code: str | None) -> dict[str, Any]:
        """Get or create a human user; updates its ``language_code``.

        Args:
            user_id: User id.
            language_code: Current client language (``None`` removes it).

        Returns:
            A copy of the ``User`` object.
        """
        user = self.users.get(user_id)
        if user is None:
            user = make_user(user_id, language_code=language_code)
            self.users[user_id] = user
        elif language_code:
            user["language_code"] = language_code
        else:
            user.pop("language_code", None)
        return dict(user)

    def chat(
        self,
        chat_id: int,
        chat_type: str | None = None,
        user: dict[str, Any] | None = None,
    ) -> ChatState:
        """Get or create a chat.

        Args:
            chat_id: Chat id.
            chat_type: Type for a new chat; defaults to :func:`chat_type_for`.
            user: For new private chats, the user whose names the chat carries.

        Returns:
            The chat state.
        """
        chat = self.chats.get(chat_id)
        if chat is None:
            kind = chat_type or chat_type_for(chat_id)
            chat = ChatState(make_chat(chat_id, kind, user=user))
            self.chats[chat_id] = chat
        return chat

    def target_chat(self, value: Any) -> ChatState:
        """Resolve the ``chat_id`` of a sending method like Telegram.

        Args:
            value: Decoded ``chat_id`` (int or ``@username``).

        Returns:
            The chat.

        Raises:
            ApiError: For unknown usernames, blocked users and (with :attr:`strict_chats`)
                unknown chats.
        """
        if isinstance(value, str):
            if value.lstrip("-").isdigit():
                value = int(value)
            else:
                name = value.lstrip("@").lower()
                for chat in self.chats.values():
                    if str(chat.chat.get("username", "")).lower() == name:
                        return chat
                raise bad_request("chat not found")
        chat_id = int(value)
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id not in self.chats and self.strict_chats:
            if chat_id > 0:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        return self.chat(chat_id)

    def existing_chat(self, value: Any) -> ChatState:
        """Resolve a ``chat_id`` that must already be known.

        Args:
            value: Decoded ``chat_id``.

        Returns:
            The chat.

        Raises:
            ApiError: ``chat not found``.
        """
        if isinstance(value, int) and value in self.chats:
            return self.chats[value]
        if isinstance(value, str):
            return self.target_chat(value)
        raise bad_request("chat not found")

    # ------------------------------------------------------------------ files

    def register_file(
        self, kind: str, data: bytes, filename: str | None, mime_type: str | None
    ) -> tuple[str, str]:
        """Store a file so ``getFile`` and file downloads work.

        Args:
            kind: Media kind (selects a realistic file id prefix).
            data: File bytes.
            filename: Original name.
            mime_type: MIME type.

        Returns:
            ``(file_id, file_unique_id)``.
        """
        number = next(self._file_counter)
        prefix = FILE_ID_PREFIXES.get(kind, "BQACAgIAAxkBAAI")
        file_id = f"{prefix}{number:06d}FakeFileId{number * 7919 % 100000:05d}"
        unique = f"AgAD{number:06d}"
        extension = ""
        if filename and "." in filename:
            extension = "." + filename.rsplit(".", 1)[1]
        folder = {"photo": "photos", "voice": "voice", "sticker": "stickers"}.get(kind, f"{kind}s")
        self.files[file_id] = StoredFile(
            file_id=file_id,
            file_unique_id=unique,
            file_path=f"{folder}/file_{number}{extension}",
            data=data,
            filename=filename,
            mime_type=mime_type,
        )
        return file_id, unique

    # --------------------------------------------------------------- messages

    def add_message(
        self,
        chat: ChatState,
        data: dict[str, Any],
        *,
        outgoing: bool,
        method: str,
        reply_markup: Any = None,
        upload: Any = None,
    ) -> StoredMessage:
        """Store a message (its ``message_id`` must come from ``chat.take_message_id``).

        Args:
            chat: The chat.
            data: The ``Message`` object.
            outgoing: Whether the bot sent it.
            method: Creating method or ``"update"``.
            reply_markup: Markup as sent.
            upload: Uploaded file, if any.

        Returns:
            The stored message.
        """
        stored = StoredMessage(
            data=data,
            outgoing=outgoing,
            method=method,
            reply_markup=reply_markup,
            upload=upload,
        )
        chat.messages[data["message_id"]] = stored
        chat.order.append(data["message_id"])
        self.cond.notify_all()
        return stored

    def new_user_message(
        self,
        chat_id: int,
        fields: dict[str, Any],
        *,
        user_id: int | None,
        language_code: str | None,
        chat_type: str | None,
        message_thread_id: int | None,
    ) -> dict[str, Any]:
        """Create and store a message from a user (for injected updates).

        Args:
            chat_id: Chat id.
            fields: Content fields (``text``, ``sticker``...).
            user_id: Sender; defaults to ``chat_id`` in private chats, else
                :data:`DEFAULT_GROUP_USER_ID`.
            language_code: Sender's client language.
            chat_type: Type for a new chat (defaults from the id's sign).
            message_thread_id: Forum topic, if any.

        Returns:
            A copy of the ``Message`` object.
        """
        kind = chat_type or (self.chats[chat_id].chat["type"] if chat_id in self.chats else None)
        kind = kind or chat_type_for(chat_id)
        sender_id = (
            user_id
            if user_id is not None
            else (chat_id if kind == "private" else DEFAULT_GROUP_USER_ID)
        )
        user = self.user(sender_id, language_code)
        chat = self.chat(chat_id, kind, user)
        if message_thread_id is not None and chat.chat["type"] == "supergroup":
            chat.chat["is_forum"] = True
        message: dict[str, Any] = {
            "message_id": chat.take_message_id(),
            "from": user,
            "chat": dict(chat.chat),
            "date": _now(),
        }
        if message_thread_id is not None:
            message["message_thread_id"] = message_thread_id
            message["is_topic_message"] = True
        message.update(fields)
        self.add_message(chat, message, outgoing=False, method="update")
        return copy.deepcopy(message)

    def message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        """Look a message up.

        Args:
            chat_id: Chat id.
            message_id: Message id.

        Returns:
            The stored message or ``None``.
        """
        chat = self.chats.get(chat_id)
        return chat.messages.get(message_id) if chat else None

    # ---------------------------------------------------------------- updates

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for ``getUpdates`` (assigning ``update_id`` if missing).

        Args:
            update: The ``Update`` object (copied).

        Returns:
            The queued update (a copy).
        """
        update = copy.deepcopy(update)
        if "update_id" not in update:
            update["update_id"] = self.next_update_id
        self.next_update_id = max(self.next_update_id, int(update["update_id"]) + 1)
        query = update.get("callback_query")
        if isinstance(query, dict) and "id" in query and query["id"] not in self.callbacks:
            self.callbacks[str(query["id"])] = CallbackState(copy.deepcopy(query))
        self.updates.append(update)
        self.updates.sort(key=lambda u: int(u["update_id"]))
        self.cond.notify_all()
        return copy.deepcopy(update)

    def next_callback_id(self) -> str:
        """Allocate a callback query id.

        Returns:
            A numeric string like Telegram's.
        """
        return str(4_400_000_000_000_000_000 + next(self._callback_counter))

    def confirm(self, offset: int | None) -> None:
        """Forget updates confirmed by an ``offset`` (negative = keep the last ``-offset``).

        Args:
            offset: The ``getUpdates`` offset.
        """
        if offset is None or offset == 0:
            return
        if offset < 0:
            self.updates = self.updates[offset:]
        else:
            self.updates = [u for u in self.updates if int(u["update_id"]) >= offset]

    def deliverable(self, limit: int) -> list[dict[str, Any]]:
        """Pending updates the bot asked for, oldest first.

        Args:
            limit: Maximum number.

        Returns:
            Copies of the updates.
        """
        allowed = set(self.allowed_updates) if self.allowed_updates else None
        result: list[dict[str, Any]] = []
        for update in self.updates:
            kind = update_type(update)
            if allowed is not None:
                if kind not in allowed:
                    continue
            elif kind in DEFAULT_ALLOWED_UPDATES_EXCLUDED:
                continue
            result.append(copy.deepcopy(update))
            if len(result) >= limit:
                break
        return result
