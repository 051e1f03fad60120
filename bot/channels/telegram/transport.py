"""The outbox's way to Telegram: PTB calls, with Telegram's errors mapped for the dispatcher."""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot.delivery.compose import Buttons
from bot.delivery.dispatcher import Blocked, Permanent, Retry


def retry_seconds(exc: RetryAfter) -> float:
    """Seconds a 429 asks to wait."""
    # PTB 22 warns that retry_after becomes a timedelta; accept both.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramTransport:
    """Sends outbox messages with a python-telegram-bot ``Bot``."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._forum: dict[int, bool] = {}

    async def send(
        self,
        chat_id: int,
        html: str,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
        buttons: Buttons | None = None,
    ) -> int:
        markup = (
            InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(text, callback_data=data) for text, data in row]
                    for row in buttons
                ]
            )
            if buttons
            else None
        )
        try:
            message = await self.bot.send_message(
                chat_id,
                html[:4096],
                parse_mode=ParseMode.HTML,
                message_thread_id=thread_id,
                reply_to_message_id=reply_to,
                reply_markup=markup,
                disable_web_page_preview=True,
            )
        except RetryAfter as exc:
            raise Retry(retry_seconds(exc), "429") from exc
        except Forbidden as exc:
            raise Blocked(str(exc)) from exc
        except BadRequest as exc:
            raise Permanent(str(exc)) from exc
        except (TimedOut, NetworkError) as exc:
            raise Retry(None, type(exc).__name__) from exc
        return message.message_id

    async def create_topic(self, chat_id: int, name: str) -> int | None:
        if chat_id not in self._forum:
            try:
                chat = await self.bot.get_chat(chat_id)
            except RetryAfter as exc:
                raise Retry(retry_seconds(exc), "429") from exc
            except BadRequest as exc:
                raise Permanent(f"counsellors' group: {exc}") from exc
            except (TimedOut, NetworkError) as exc:
                raise Retry(None, "getChat") from exc
            self._forum[chat_id] = bool(getattr(chat, "is_forum", False))
        if not self._forum[chat_id]:
            return None
        try:
            topic = await self.bot.create_forum_topic(chat_id, name[:128])
        except RetryAfter as exc:
            raise Retry(retry_seconds(exc), "429") from exc
        except BadRequest:
            self._forum[chat_id] = False  # topics switched off: fall back to reply threads
            return None
        except (TimedOut, NetworkError) as exc:
            raise Retry(None, type(exc).__name__) from exc
        return topic.message_thread_id

    async def close_topic(self, chat_id: int, thread_id: int) -> None:
        try:
            await self.bot.close_forum_topic(chat_id, thread_id)
        except RetryAfter as exc:
            raise Retry(retry_seconds(exc), "429") from exc
        except BadRequest:
            pass  # already closed or deleted: nothing left to do
        except (TimedOut, NetworkError) as exc:
            raise Retry(None, type(exc).__name__) from exc
