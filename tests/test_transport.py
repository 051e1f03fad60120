"""Telegram's refusals, as the outbox dispatcher sees them through the real PTB Bot."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.channels.telegram.transport import TelegramTransport
from bot.delivery.dispatcher import Blocked, Permanent, Retry
from tests.fakeapi import FakeBotApi

pytestmark = pytest.mark.e2e


@pytest.fixture()
async def transport(fake: FakeBotApi) -> AsyncIterator[TelegramTransport]:
    bot = Bot(fake.token, base_url=f"{fake.url}/bot", request=HTTPXRequest(read_timeout=0.5))
    async with bot:
        yield TelegramTransport(bot)


async def test_success_returns_the_message_id(
    fake: FakeBotApi, transport: TelegramTransport
) -> None:
    fake.send_text(10, "hi")  # the chat exists
    first = await transport.send(10, "<b>one</b>")
    second = await transport.send(10, "two", buttons=[[("Ok", "c:1:confirm")]])
    assert second > first
    assert fake.buttons(fake.last_message(10)) == [("Ok", "c:1:confirm")]


@pytest.mark.parametrize(
    ("kind", "after"),
    [("429", 3.0), ("500", None), ("502", None), ("drop", None), ("timeout", None)],
)
async def test_temporary_refusals_are_retried(
    fake: FakeBotApi, transport: TelegramTransport, kind: str, after: float | None
) -> None:
    fake.send_text(11, "hi")
    fake.faults.fail_next(kind, method="sendMessage", retry_after=3 if kind == "429" else None)
    with pytest.raises(Retry) as info:
        await transport.send(11, "hello")
    assert info.value.after == after
    assert fake.sent_messages(11) == []  # a refused call has no effect
    await transport.send(11, "hello")
    assert len(fake.sent_messages(11)) == 1


async def test_blocked_and_permanent_refusals(
    fake: FakeBotApi, transport: TelegramTransport
) -> None:
    fake.send_text(12, "hi")
    fake.set_blocked(12)
    with pytest.raises(Blocked):
        await transport.send(12, "hello")
    fake.strict_chats = True
    with pytest.raises(Permanent):
        await transport.send(-100999, "nobody here")


async def test_topics_only_in_forums(fake: FakeBotApi, transport: TelegramTransport) -> None:
    fake.send_text(-100200, "plain group", user_id=5)
    assert await transport.create_topic(-100200, "Fall #1") is None
    fake.send_text(-100300, "forum", user_id=5, message_thread_id=1)
    thread = await transport.create_topic(-100300, "Fall #2")
    assert thread is not None
    assert [t["name"] for t in fake.topics(-100300)] == ["Fall #2"]


async def test_the_dispatcher_stays_within_limits_the_fake_enforces(
    fake: FakeBotApi, transport: TelegramTransport, db_url: str
) -> None:
    from datetime import UTC, datetime

    from bot.core.messages import Term
    from bot.core.serial import arg_to_json
    from bot.delivery.compose import Composer
    from bot.delivery.dispatcher import Dispatcher, Limits
    from bot.i18n.catalogs import Catalogs
    from bot.i18n.render import Renderer
    from bot.storage.db import Database
    from bot.storage.outbox import enqueue

    fake.limits.enable(global_per_second=30, per_chat_per_second=1.0, chat_burst=1)
    db = Database(db_url)
    now = datetime.now(UTC)
    async with db.transaction() as session:
        for i in range(60):
            chat = 7000 if i < 3 else 7000 + i  # three to one chat, the rest to one each
            await enqueue(
                session,
                chat_id=chat,
                kind="to_user",
                key=f"k{i}",
                due_at=now,
                now=now,
                payload={"msg": arg_to_json(Term(f"m{i}")), "lang": "de"},
            )
    composer = Composer(db, Renderer(Catalogs()), lambda: None, transport)  # type: ignore[arg-type, return-value]
    dispatcher = Dispatcher(db, composer, lambda: datetime.now(UTC), Limits(per_second=30))
    sent = lambda: [c for c in fake.calls if c.method == "sendMessage" and c.ok]  # noqa: E731
    while len(sent()) < 60:
        await dispatcher.run_once()
        await fake.await_for(lambda: True, 0.1)
    await db.dispose()
    assert sum(1 for c in fake.calls if c.error_code == 429) == 0, fake.limits.hits
    to_one = sorted(c.at for c in sent() if c.chat_id == 7000)
    assert len(to_one) == 3 and all(b - a >= 0.95 for a, b in itertools.pairwise(to_one))
    assert len({str(c.params["text"]) for c in sent()}) == 60
