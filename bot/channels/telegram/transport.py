"""The outbox's way to Telegram: messages to chats, and the counsellors' desk as forum topics
(or reply threads where the group has no topics). Telegram's errors are mapped once, for the
dispatcher: 429 waits, 403 means blocked, 400 can never succeed, the rest is tried again."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram.render import action_keyboard, html_pieces
from bot.delivery.dispatcher import Blocked, Permanent, Retry
from bot.delivery.ports import CaseRef, Outgoing
from bot.delivery.threads import CaseThreads

T = TypeVar("T")


def retry_seconds(exc: RetryAfter) -> float:
    """Seconds a 429 asks to wait."""
    # PTB 22 warns that retry_after becomes a timedelta; accept both.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def mapped(call: Callable[[], Awaitable[T]], what: str) -> T:
    """``await call()`` with Telegram's errors turned into the dispatcher's."""
    try:
        return await call()
    except RetryAfter as exc:
        raise Retry(retry_seconds(exc), "429") from exc
    except Forbidden as exc:
        raise Blocked(str(exc)) from exc
    except BadRequest as exc:
        raise Permanent(f"{what}: {exc}") from exc
    except (TimedOut, NetworkError) as exc:
        raise Retry(None, type(exc).__name__) from exc


class TelegramTransport:
    """Sends outbox messages with a python-telegram-bot ``Bot``."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send_html(
        self,
        chat_id: int,
        message: Outgoing,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        """Send ``message`` (in pieces if long, the buttons under the last); returns the id of
        the first piece, which a reply thread hangs on."""
        pieces = html_pieces(message.body, message.title)
        markup: InlineKeyboardMarkup | None = action_keyboard(message.buttons)
        first: int | None = None
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1

            def call(piece: str = piece, last: bool = last) -> Awaitable[Message]:
                return self.bot.send_message(
                    chat_id,
                    piece,
                    parse_mode=ParseMode.HTML,
                    message_thread_id=thread_id,
                    reply_to_message_id=reply_to,
                    reply_markup=markup if last else None,
                    disable_web_page_preview=True,
                )

            sent = await mapped(call, "sendMessage")
            first = sent.message_id if first is None else first
        assert first is not None
        return first

    async def send(self, address: str, message: Outgoing) -> None:
        await self.send_html(int(address), message)


class TelegramDesk:
    """The counsellors' group: one forum topic per case, or a reply thread on the case's first
    message where the group has no topics."""

    def __init__(self, transport: TelegramTransport, threads: CaseThreads) -> None:
        self.transport, self.threads = transport, threads
        self._forum: dict[int, bool] = {}

    async def _is_forum(self, chat_id: int) -> bool:
        if chat_id not in self._forum:
            chat = await mapped(lambda: self.transport.bot.get_chat(chat_id), "getChat")
            self._forum[chat_id] = bool(getattr(chat, "is_forum", False))
        return self._forum[chat_id]

    async def _open(self, chat_id: int, case: CaseRef) -> int | None:
        if not await self._is_forum(chat_id):
            return None
        name = f"#{case.id} · {case.language} · {'Termin' if case.booking else 'Gespräch'}"
        try:
            topic = await mapped(
                lambda: self.transport.bot.create_forum_topic(chat_id, name[:128]),
                "createForumTopic",
            )
        except Permanent:
            self._forum[chat_id] = False  # topics switched off: fall back to reply threads
            return None
        await self.threads.opened(case.id, topic.message_thread_id)
        return topic.message_thread_id

    async def post(self, address: str, case: CaseRef, message: Outgoing) -> None:
        chat_id = int(address)
        thread = await self.threads.get(case.id)
        thread_id = thread.thread_id
        if thread_id is None and thread.anchor_id is None:
            thread_id = await self._open(chat_id, case)
        reply_to = None if thread_id is not None else thread.anchor_id
        message_id = await self.transport.send_html(
            chat_id, message, thread_id=thread_id, reply_to=reply_to
        )
        await self.threads.posted(address, case.id, message_id)

    async def close(self, address: str, case: CaseRef) -> None:
        thread = await self.threads.get(case.id)
        if thread.thread_id is None:
            return
        thread_id = thread.thread_id
        with contextlib.suppress(Permanent):  # already closed or deleted: nothing left to do
            await mapped(
                lambda: self.transport.bot.close_forum_topic(int(address), thread_id),
                "closeForumTopic",
            )
