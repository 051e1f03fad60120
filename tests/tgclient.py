"""A simulated Telegram user talking to the bot through the fake Bot API."""

from __future__ import annotations

from typing import Any

from tests.fakeapi import FakeBotApi


class User:
    """One private chat; each action waits until the bot's answer is complete.

    An answer is complete when new messages arrived and the last one carries buttons: every
    step ends with its options.
    """

    def __init__(self, fake: FakeBotApi, chat_id: int, language_code: str | None) -> None:
        self.fake, self.chat_id, self.language_code = fake, chat_id, language_code

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.fake.sent_messages(self.chat_id)

    async def _answer(self, before: int, timeout: float) -> list[dict[str, Any]]:
        # Cheap checks only: the bot under test shares this event loop, and many newcomers
        # poll at once.
        def complete() -> bool:
            if self.fake.message_count(self.chat_id) <= before:
                return False
            last = self.fake.last_message(self.chat_id)
            return last is not None and bool(self.fake.buttons(last))

        await self.fake.await_for(complete, timeout)
        return self.messages[before:]

    async def say(self, text: str, timeout: float = 10.0) -> list[dict[str, Any]]:
        before = self.fake.message_count(self.chat_id)
        if text.startswith("/"):
            self.fake.send_command(self.chat_id, text, language_code=self.language_code)
        else:
            self.fake.send_text(self.chat_id, text, language_code=self.language_code)
        return await self._answer(before, timeout)

    async def say_raw(self, text: str, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Send text and wait for any answer (a relay is acknowledged without buttons)."""
        before = self.fake.message_count(self.chat_id)
        self.fake.send_text(self.chat_id, text, language_code=self.language_code)
        await self.fake.await_for(lambda: self.fake.message_count(self.chat_id) > before, timeout)
        return self.messages[before:]

    async def send_kind(self, kind: str, timeout: float = 10.0) -> list[dict[str, Any]]:
        before = self.fake.message_count(self.chat_id)
        self.fake.send_message_of_kind(self.chat_id, kind)
        return await self._answer(before, timeout)

    def button_data(self, key: str) -> tuple[int, str]:
        """The message id and callback data of the newest button for option ``key``."""
        for message in reversed(self.messages):
            for _label, data in self.fake.buttons(message):
                if data.split(":", 1)[-1] == key:
                    return message["message_id"], data
        raise AssertionError(f"no button {key!r} in chat {self.chat_id}")

    async def press(self, key: str, timeout: float = 10.0) -> list[dict[str, Any]]:
        message_id, data = self.button_data(key)
        return await self.press_raw(message_id, data, timeout=timeout)

    async def choose_language(self, lang: str, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Press ``lang`` in the language menu, via "More languages" if it is not on the
        first page."""
        last = self.fake.last_message(self.chat_id)
        shown = {d.split(":", 1)[-1] for _l, d in self.fake.buttons(last)} if last else set()
        if lang not in shown and "more" in shown:
            await self.press("more", timeout=timeout)
        return await self.press(lang, timeout=timeout)

    async def press_raw(
        self, message_id: int, data: str, *, timeout: float = 10.0, strict: bool = True
    ) -> list[dict[str, Any]]:
        before = self.fake.message_count(self.chat_id)
        self.fake.press_button(
            self.chat_id, message_id, data, language_code=self.language_code, strict=strict
        )
        return await self._answer(before, timeout)


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)
