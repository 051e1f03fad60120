""":class:`FakeBotApi`: the test-side API of the fake Telegram Bot API server."""

from __future__ import annotations

import asyncio
import copy
import os
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from .faults import FaultInjector
from .limits import RateLimiter
from .methods import scope_key
from .models import Call
from .server import ApiServer, Dispatcher
from .spec import ApiSpec, load_spec
from .state import FakeState
from .updates import MESSAGE_KINDS, command_entities, media_for_kind
from .webhook import WebhookDeliverer

__all__ = ["FakeBotApi"]

DEFAULT_TOKEN = "123456:TEST-TOKEN"


class FakeBotApi:
    """A local fake of ``https://api.telegram.org`` for tests and benchmarks.

    Every request is validated against the Bot API spec; violations are answered with
    ``400`` and collected in :attr:`violations`. All public methods are thread-safe.

    Example:
        >>> with FakeBotApi() as fake:  # doctest: +SKIP
        ...     app = ApplicationBuilder().token(fake.token).base_url(fake.base_url)...
        ...     fake.send_text(42, "Hallo")
        ...     fake.wait_for_messages(42, 1)
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        spec_path: str | os.PathLike[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bot_username: str = "wegweiser_test_bot",
        bot_first_name: str = "Wegweiser",
    ) -> None:
        """Create a stopped fake.

        Args:
            token: The only accepted bot token.
            spec_path: ``api.min.json``; default: ``$TELEGRAM_API_SPEC`` or the vendored
                ``tests/fakeapi/bot_api/api.min.json``.
            host: Interface to bind.
            port: Port to bind; 0 picks a free one.
            bot_username: Username reported by ``getMe``.
            bot_first_name: First name reported by ``getMe``.
        """
        self.token = token
        self.spec: ApiSpec = load_spec(spec_path)
        self.state = FakeState(token, bot_username=bot_username, bot_first_name=bot_first_name)
        self.faults = FaultInjector()
        self.limits = RateLimiter()
        self._host = host
        self._port = port
        self._stop_event = threading.Event()
        self._dispatcher = Dispatcher(
            self.state, self.spec, self.faults, self.limits, self._stop_event
        )
        self._server: ApiServer | None = None
        self._thread: threading.Thread | None = None
        self._webhook = WebhookDeliverer(self.state, self._stop_event)

    # ------------------------------------------------------------- lifecycle

    def start(self) -> FakeBotApi:
        """Bind the socket and serve in a daemon thread.

        Returns:
            ``self`` (for chaining).

        Raises:
            RuntimeError: If already started.
        """
        if self._server is not None:
            raise RuntimeError("FakeBotApi already started")
        self._server = ApiServer((self._host, self._port), self._dispatcher)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fakeapi-http",
            daemon=True,
        )
        self._thread.start()
        self._webhook.start()
        self.state.ticker.start()
        return self

    def stop(self) -> None:
        """Stop serving: wakes long polls, closes keep-alive connections, joins threads."""
        server = self._server
        if server is None or self._stop_event.is_set():
            return
        self._stop_event.set()
        with self.state.cond:
            self.state.stopped = True
            self.state.cond.notify_all()
        server.shutdown()
        self.state.ticker.stop()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._webhook.join(5)

    def __enter__(self) -> FakeBotApi:
        """Start the fake.

        Returns:
            ``self``.
        """
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the fake."""
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (use as ``TELEGRAM_API_URL``)."""
        if self._server is None:
            raise RuntimeError("FakeBotApi not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        """``<url>/bot`` for ``ApplicationBuilder.base_url`` / ``Bot(base_url=...)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """``<url>/file/bot`` for ``ApplicationBuilder.base_file_url``."""
        return f"{self.url}/file/bot"

    @property
    def bot_user(self) -> dict[str, Any]:
        """The bot's ``User`` object (as returned by ``getMe``)."""
        with self.state.cond:
            return dict(self.state.bot_user)

    # -------------------------------------------------------------- records

    @property
    def calls(self) -> list[Call]:
        """Snapshot of every request received, in completion order."""
        with self.state.cond:
            return list(self.state.calls)

    @property
    def violations(self) -> list[str]:
        """Snapshot of every spec/limit violation (should stay ``[]``)."""
        with self.state.cond:
            return list(self.state.violations)

    def calls_for(self, method: str, chat_id: int | None = None) -> list[Call]:
        """Calls of one method (case-insensitive), optionally to one chat.

        Args:
            method: Method name.
            chat_id: Only calls with this ``chat_id``.

        Returns:
            The matching calls.
        """
        lowered = method.lower()
        return [
            call
            for call in self.calls
            if call.method.lower() == lowered and (chat_id is None or call.chat_id == chat_id)
        ]

    def clear_calls(self) -> None:
        """Forget recorded calls and violations."""
        with self.state.cond:
            self.state.calls.clear()
            self.state.violations.clear()

    # ---------------------------------------------------------- world setup

    @property
    def strict_chats(self) -> bool:
        """If ``True``, sending to a chat never seen in an update fails like Telegram.

        Private chats answer ``403 Forbidden: bot can't initiate conversation with a
        user``, groups ``400 Bad Request: chat not found``. Default ``False``.
        """
        with self.state.cond:
            return self.state.strict_chats

    @strict_chats.setter
    def strict_chats(self, value: bool) -> None:
        with self.state.cond:
            self.state.strict_chats = value

    def set_blocked(self, chat_id: int, blocked: bool = True) -> None:
        """Make sends to ``chat_id`` fail with ``403 Forbidden: bot was blocked by the user``.

        Args:
            chat_id: The user's chat id.
            blocked: ``False`` unblocks.
        """
        with self.state.cond:
            if blocked:
                self.state.blocked.add(chat_id)
            else:
                self.state.blocked.discard(chat_id)

    def set_chat_member(
        self, chat_id: int, user_id: int, status: str = "member", **fields: Any
    ) -> dict[str, Any]:
        """Configure what ``getChatMember`` returns for a user.

        Args:
            chat_id: Chat id.
            user_id: User id.
            status: ``creator``, ``administrator``, ``member``, ``restricted``, ``left`` or
                ``kicked``; the required fields of the matching ``ChatMember*`` type are
                filled with ``False``/``0`` unless given in ``fields``.
            **fields: Extra or overriding fields.

        Returns:
            The stored ``ChatMember`` object.
        """
        type_name = {
            "creator": "ChatMemberOwner",
            "administrator": "ChatMemberAdministrator",
            "member": "ChatMemberMember",
            "restricted": "ChatMemberRestricted",
            "left": "ChatMemberLeft",
            "kicked": "ChatMemberBanned",
        }[status]
        with self.state.cond:
            user = self.state.users.get(user_id) or {
                "id": user_id,
                "is_bot": False,
                "first_name": f"User{user_id}",
            }
            member: dict[str, Any] = {"status": status, "user": dict(user)}
            for spec in self.spec.types[type_name].fields.values():
                if spec.required and spec.name not in member:
                    member[spec.name] = 0 if spec.types == ("Integer",) else False
            member.update(fields)
            self.state.members[(chat_id, user_id)] = member
            return copy.deepcopy(member)

    # ------------------------------------------------------------ injection

    def push_update(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update (``update_id`` is assigned if missing).

        Args:
            raw: An ``Update`` object.

        Returns:
            The queued update.
        """
        with self.state.cond:
            return self.state.push_update(raw)

    def _inject(
        self,
        chat_id: int,
        fields: dict[str, Any] | Callable[[], dict[str, Any]],
        *,
        language_code: str | None,
        user_id: int | None,
        chat_type: str | None,
        message_thread_id: int | None,
    ) -> dict[str, Any]:
        with self.state.cond:
            content = fields() if callable(fields) else fields
            message = self.state.new_user_message(
                chat_id,
                content,
                user_id=user_id,
                language_code=language_code,
                chat_type=chat_type,
                message_thread_id=message_thread_id,
            )
            return self.state.push_update({"message": message})

    def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        language_code: str | None = "de",
        user_id: int | None = None,
        chat_type: str | None = None,
        message_thread_id: int | None = None,
    ) -> dict[str, Any]:
        """Inject a text message from a user (``/commands`` get ``bot_command`` entities).

        Args:
            chat_id: Chat id (positive = private chat with the user ``chat_id``).
            text: Message text.
            language_code: The user's client language (``None`` = not sent).
            user_id: Sender; default ``chat_id`` for private chats, else 4242.
            chat_type: Type for a new chat; default ``private`` for positive ids, else
                ``supergroup``. Known chats keep their type.
            message_thread_id: Forum topic of the message.

        Returns:
            The queued update.
        """
        fields: dict[str, Any] = {"text": text}
        entities = command_entities(text)
        if entities:
            fields["entities"] = entities
        return self._inject(
            chat_id,
            fields,
            language_code=language_code,
            user_id=user_id,
            chat_type=chat_type,
            message_thread_id=message_thread_id,
        )

    def send_reply(
        self,
        chat_id: int,
        reply_to_message_id: int,
        text: str,
        *,
        user_id: int | None = None,
        language_code: str | None = "de",
    ) -> dict[str, Any]:
        """Inject a text message that replies to a stored message (e.g. one of the bot's).

        Args:
            chat_id: Chat id.
            reply_to_message_id: The message replied to.
            text: Message text.
            user_id: Sender; default as in :meth:`send_text`.
            language_code: The user's client language.

        Returns:
            The queued update.

        Raises:
            ValueError: If there is no such message.
        """
        with self.state.cond:
            stored = self.state.message(chat_id, reply_to_message_id)
            if stored is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat_id}")
            replied = copy.deepcopy(stored.data)
        return self._inject(
            chat_id,
            {"text": text, "reply_to_message": replied},
            language_code=language_code,
            user_id=user_id,
            chat_type=None,
            message_thread_id=None,
        )

    def send_command(
        self,
        chat_id: int,
        command: str,
        *,
        language_code: str | None = "de",
        user_id: int | None = None,
        chat_type: str | None = None,
        message_thread_id: int | None = None,
    ) -> dict[str, Any]:
        """Inject a command such as ``"/start"`` or ``"/start payload"``.

        Args:
            chat_id: Chat id.
            command: Text starting with ``/``.
            language_code: The user's client language.
            user_id: Sender (see :meth:`send_text`).
            chat_type: Type for a new chat.
            message_thread_id: Forum topic.

        Returns:
            The queued update.

        Raises:
            ValueError: If ``command`` does not start with a valid ``/command``.
        """
        entities = command_entities(command)
        if not entities or entities[0]["offset"] != 0:
            raise ValueError(f"not a bot command: {command!r}")
        return self.send_text(
            chat_id,
            command,
            language_code=language_code,
            user_id=user_id,
            chat_type=chat_type,
            message_thread_id=message_thread_id,
        )

    def send_message_of_kind(
        self,
        chat_id: int,
        kind: str,
        *,
        caption: str | None = None,
        language_code: str | None = "de",
        user_id: int | None = None,
        chat_type: str | None = None,
        message_thread_id: int | None = None,
    ) -> dict[str, Any]:
        """Inject a non-text message (files are downloadable via ``getFile``).

        Args:
            chat_id: Chat id.
            kind: One of ``sticker``, ``photo``, ``voice``, ``location``, ``document``,
                ``contact``, ``video``, ``animation``, ``audio``, ``video_note``.
            caption: Optional caption (media kinds only).
            language_code: The user's client language.
            user_id: Sender (see :meth:`send_text`).
            chat_type: Type for a new chat.
            message_thread_id: Forum topic.

        Returns:
            The queued update.

        Raises:
            ValueError: If ``kind`` is unknown.
        """
        if kind not in MESSAGE_KINDS:
            raise ValueError(f"unknown message kind {kind!r}; expected one of {MESSAGE_KINDS}")

        def build() -> dict[str, Any]:
            fields = media_for_kind(kind, self.state.register_file)
            if caption is not None:
                fields["caption"] = caption
            return fields

        return self._inject(
            chat_id,
            build,
            language_code=language_code,
            user_id=user_id,
            chat_type=chat_type,
            message_thread_id=message_thread_id,
        )

    def send_edited_text(
        self, chat_id: int, message_id: int, text: str, *, language_code: str | None = "de"
    ) -> dict[str, Any]:
        """Inject an ``edited_message`` for a text message the user sent earlier.

        Args:
            chat_id: Chat id.
            message_id: Id of the user's message (from the update returned by
                :meth:`send_text`).
            text: New text.
            language_code: The user's client language.

        Returns:
            The queued update.

        Raises:
            ValueError: If there is no such user text message.
        """
        with self.state.cond:
            stored = self.state.message(chat_id, message_id)
            if stored is None or stored.outgoing or "text" not in stored.data:
                raise ValueError(f"no user text message {message_id} in chat {chat_id}")
            stored.history.append(copy.deepcopy(stored.data))
            stored.data["text"] = text
            stored.data.pop("entities", None)
            entities = command_entities(text)
            if entities:
                stored.data["entities"] = entities
            stored.data["edit_date"] = int(time.time())
            stored.edited = True
            sender = stored.data.get("from", {})
            if isinstance(sender, dict) and "id" in sender:
                stored.data["from"] = self.state.user(int(sender["id"]), language_code)
            return self.state.push_update({"edited_message": copy.deepcopy(stored.data)})

    def press_button(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        language_code: str | None = "de",
        user_id: int | None = None,
        strict: bool = True,
    ) -> dict[str, Any]:
        """Inject a ``callback_query`` for an inline button of a bot message.

        Args:
            chat_id: Chat id.
            message_id: The bot message carrying the keyboard.
            data: ``callback_data`` of the pressed button.
            language_code: The user's client language.
            user_id: Who presses; default ``chat_id`` for private chats, else 4242.
            strict: Require that the message (not deleted) currently shows a button with
                this ``callback_data``, as a real client would.

        Returns:
            The queued update.

        Raises:
            ValueError: If the message or (with ``strict``) the button does not exist.
        """
        with self.state.cond:
            stored = self.state.message(chat_id, message_id)
            if stored is None or not stored.outgoing:
                raise ValueError(f"no bot message {message_id} in chat {chat_id}")
            if strict:
                if stored.deleted:
                    raise ValueError(f"message {message_id} in chat {chat_id} was deleted")
                available = self.buttons(stored.data)
                if data not in {callback for _, callback in available}:
                    raise ValueError(
                        f"message {message_id} in chat {chat_id} has no button with "
                        f"callback_data {data!r}; buttons: {available}"
                    )
            chat = self.state.chats[chat_id]
            if user_id is None:
                user_id = chat_id if chat.chat["type"] == "private" else 4242
            query = {
                "id": self.state.next_callback_id(),
                "from": self.state.user(user_id, language_code),
                "message": copy.deepcopy(stored.data),
                "chat_instance": str(-(abs(chat_id) * 7919 + 1_000_003) % 10**19),
                "data": data,
            }
            return self.state.push_update({"callback_query": query})

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot.

        Returns:
            Copies of the queued updates.
        """
        with self.state.cond:
            return copy.deepcopy(self.state.updates)

    # ---------------------------------------------------------------- reads

    def sent_messages(self, chat_id: int, *, include_deleted: bool = True) -> list[dict[str, Any]]:
        """The bot's messages in a chat, in order, with edits applied.

        Args:
            chat_id: Chat id.
            include_deleted: Whether to include messages the bot deleted (``deleted`` flag).

        Returns:
            Views: the ``Message`` fields plus ``text`` (``None`` if absent), ``raw_text``,
            ``reply_markup`` (as sent, any keyboard kind), ``edited``, ``deleted``,
            ``method`` and ``upload`` for uploads.
        """
        with self.state.cond:
            chat = self.state.chats.get(chat_id)
            if chat is None:
                return []
            return [m.view() for m in chat.outgoing() if include_deleted or not m.deleted]

    def message_count(self, chat_id: int) -> int:
        """Number of messages the bot sent to a chat (deleted ones included); cheap.

        Args:
            chat_id: Chat id.

        Returns:
            The count.
        """
        with self.state.cond:
            chat = self.state.chats.get(chat_id)
            return sum(1 for _ in chat.outgoing()) if chat else 0

    def last_message(self, chat_id: int, *, include_deleted: bool = True) -> dict[str, Any] | None:
        """The bot's latest message in a chat.

        Args:
            chat_id: Chat id.
            include_deleted: Whether a deleted message counts.

        Returns:
            A view as in :meth:`sent_messages`, or ``None``.
        """
        messages = self.sent_messages(chat_id, include_deleted=include_deleted)
        return messages[-1] if messages else None

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """Any stored message (bot or user) as a view.

        Args:
            chat_id: Chat id.
            message_id: Message id.

        Returns:
            The view or ``None``.
        """
        with self.state.cond:
            stored = self.state.message(chat_id, message_id)
            return stored.view() if stored else None

    @staticmethod
    def buttons(message: dict[str, Any] | None) -> list[tuple[str, str]]:
        """Flatten the inline keyboard of a message.

        Args:
            message: A view or ``Message`` dict.

        Returns:
            ``(text, callback_data)`` per callback button, row by row.
        """
        markup = (message or {}).get("reply_markup") or {}
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        return [
            (str(button.get("text", "")), str(button["callback_data"]))
            for row in rows
            for button in row
            if isinstance(button, dict) and "callback_data" in button
        ]

    def callback_answer(self, callback_query_id: str) -> dict[str, Any] | None:
        """Parameters the bot answered a callback query with.

        Args:
            callback_query_id: The ``id`` of the callback query.

        Returns:
            The answer parameters (``text``, ``show_alert``...) or ``None`` if unanswered.
        """
        with self.state.cond:
            callback = self.state.callbacks.get(callback_query_id)
            return copy.deepcopy(callback.answer) if callback and callback.answered else None

    def unanswered_callbacks(self) -> list[str]:
        """Ids of callback queries the bot has not answered.

        Returns:
            The ids.
        """
        with self.state.cond:
            return [qid for qid, cb in self.state.callbacks.items() if not cb.answered]

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """Commands set via ``setMyCommands`` for exactly this scope and language.

        Args:
            scope: A ``BotCommandScope`` object; ``None`` = default scope.
            language_code: Language code; ``""`` = all languages.

        Returns:
            ``BotCommand`` objects.
        """
        key = (scope_key(scope), language_code)
        with self.state.cond:
            return copy.deepcopy(self.state.commands.get(key, []))

    def bot_text(self, kind: str, language_code: str = "") -> str:
        """Text set via ``setMyDescription`` / ``setMyShortDescription`` / ``setMyName``.

        Args:
            kind: ``description``, ``short_description`` or ``name``.
            language_code: Language code; ``""`` = all languages.

        Returns:
            The text (``""`` if unset).
        """
        with self.state.cond:
            return self.state.bot_texts.get((kind, language_code), "")

    def topics(self, chat_id: int) -> list[dict[str, Any]]:
        """Forum topics created in a chat.

        Args:
            chat_id: Chat id.

        Returns:
            ``ForumTopic`` objects plus a ``closed`` flag.
        """
        with self.state.cond:
            chat = self.state.chats.get(chat_id)
            if chat is None:
                return []
            return [{**t.topic, "closed": t.closed} for t in chat.topics.values()]

    def file_bytes(self, file_id: str) -> bytes:
        """Contents of a stored file (uploads by the bot or media in injected updates).

        Args:
            file_id: The file id.

        Returns:
            The bytes.

        Raises:
            KeyError: If the file is unknown.
        """
        with self.state.cond:
            return self.state.files[file_id].data

    # -------------------------------------------------------------- waiting

    def _timeout_message(self, what: str, timeout: float) -> str:
        calls = self.calls[-5:]
        lines = [f"{what} not met within {timeout:.1f}s; last {len(calls)} calls:"]
        lines.extend(f"  {call.summary()}" for call in calls)
        violations = self.violations
        if violations:
            lines.append(f"violations: {violations[-5:]}")
        return "\n".join(lines)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Block until ``predicate()`` is true (re-checked whenever the fake changes).

        The predicate runs without the fake's lock held, so it may call any method.

        Args:
            predicate: Condition to wait for.
            timeout: Seconds.

        Raises:
            TimeoutError: With the last 5 calls, if the condition stays false.
        """
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(self._timeout_message("condition", timeout))
            with self.state.cond:
                self.state.wait(min(remaining, 0.05))

    def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Block until the bot has sent at least ``count`` messages to a chat.

        Args:
            chat_id: Chat id.
            count: Minimum number of bot messages (deleted ones count).
            timeout: Seconds.

        Returns:
            :meth:`sent_messages` of the chat.

        Raises:
            TimeoutError: If fewer messages arrive in time.
        """
        try:
            self.wait_for(lambda: self.message_count(chat_id) >= count, timeout)
        except TimeoutError as exc:
            have = self.message_count(chat_id)
            message = f"expected {count} messages to {chat_id}, got {have}\n{exc}"
            raise TimeoutError(message) from None
        return self.sent_messages(chat_id)

    def wait_for_call(
        self, method: str, *, chat_id: int | None = None, count: int = 1, timeout: float = 10.0
    ) -> list[Call]:
        """Block until at least ``count`` calls of ``method`` (case-insensitive) arrived.

        Args:
            method: Method name, e.g. ``"answerCallbackQuery"``.
            chat_id: Only count calls to this chat.
            count: Minimum number of calls (failed ones count too).
            timeout: Seconds.

        Returns:
            The matching calls.

        Raises:
            TimeoutError: If fewer calls arrive in time.
        """
        self.wait_for(lambda: len(self.calls_for(method, chat_id)) >= count, timeout)
        return self.calls_for(method, chat_id)

    async def await_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Async :meth:`wait_for` that keeps the event loop running.

        Args:
            predicate: Condition to wait for.
            timeout: Seconds.

        Raises:
            TimeoutError: With the last 5 calls, if the condition stays false.
        """
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                raise TimeoutError(self._timeout_message("condition", timeout))
            await asyncio.sleep(0.01)

    async def await_messages(
        self, chat_id: int, count: int, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Async :meth:`wait_for_messages`.

        Args:
            chat_id: Chat id.
            count: Minimum number of bot messages.
            timeout: Seconds.

        Returns:
            :meth:`sent_messages` of the chat.

        Raises:
            TimeoutError: If fewer messages arrive in time.
        """
        try:
            await self.await_for(lambda: self.message_count(chat_id) >= count, timeout)
        except TimeoutError as exc:
            have = self.message_count(chat_id)
            message = f"expected {count} messages to {chat_id}, got {have}\n{exc}"
            raise TimeoutError(message) from None
        return self.sent_messages(chat_id)
