"""One newcomer, whichever channel: the same steps through Telegram (fake Bot API) or the web
chat (its HTTP API), so journey tables run against both."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from bot.app.conversation import Wegweiser
from bot.channels.web.chat import WebChat
from bot.channels.web.hub import Hub
from bot.runtime.web import WebServer, web_app
from tests.fakeapi import FakeBotApi
from tests.tgclient import User
from tests.webclient import WebUser, keys, text


@dataclass(frozen=True)
class Shown:
    """A message as the reader sees it: its text (Telegram: with its HTML) and option keys."""

    text: str
    keys: tuple[str, ...]


class Chat(Protocol):
    async def start(self) -> list[Shown]: ...
    async def choose_language(self, lang: str) -> list[Shown]: ...
    async def press(self, key: str) -> list[Shown]: ...
    async def say(self, text: str) -> list[Shown]: ...


class TelegramChat:
    def __init__(self, fake: FakeBotApi, chat_id: int, lang: str | None) -> None:
        self.fake, self.user = fake, User(fake, chat_id, language_code=lang)

    def _shown(self, messages: list[dict[str, Any]]) -> list[Shown]:
        return [
            Shown(str(m["text"]), tuple(d.split(":", 1)[-1] for _l, d in self.fake.buttons(m)))
            for m in messages
            if "text" in m
        ]

    async def start(self) -> list[Shown]:
        return self._shown(await self.user.say("/start"))

    async def choose_language(self, lang: str) -> list[Shown]:
        return self._shown(await self.user.choose_language(lang))

    async def press(self, key: str) -> list[Shown]:
        return self._shown(await self.user.press(key))

    async def say(self, text: str) -> list[Shown]:
        return self._shown(await self.user.say(text))


class BrowserlessWebChat:
    def __init__(self, user: WebUser) -> None:
        self.user = user

    @staticmethod
    def _shown(messages: list[dict[str, Any]]) -> list[Shown]:
        return [Shown(text(m), tuple(keys(m))) for m in messages]

    async def start(self) -> list[Shown]:
        body = await self.user.open()
        return self._shown(body["prompt"] or body["messages"])

    async def choose_language(self, lang: str) -> list[Shown]:
        return self._shown(await self.user.choose_language(lang))

    async def press(self, key: str) -> list[Shown]:
        return self._shown(await self.user.press(key))

    async def say(self, text: str) -> list[Shown]:
        return self._shown(await self.user.say(text))


NewChat = Callable[[int, str | None], Awaitable[Chat]]


@asynccontextmanager
async def web_chats(core: Wegweiser, port: int) -> AsyncIterator[NewChat]:
    """The web chat of ``core`` served on ``port``; yields a maker of new readers."""
    chat = WebChat(core, Hub())
    server = WebServer(web_app(chat.routes()), "127.0.0.1", port)
    await server.start()
    users: list[WebUser] = []

    async def new(_number: int, lang: str | None) -> Chat:
        user = WebUser(f"http://127.0.0.1:{port}", accept_language=lang)
        users.append(user)
        return BrowserlessWebChat(user)

    try:
        yield new
    finally:
        for user in users:
            await user.close()
        chat.close()
        await server.stop()
