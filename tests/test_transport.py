"""Telegram's refusals, as the outbox dispatcher sees them through the real PTB Bot."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.channels.telegram.aiohttp_request import AiohttpRequest
from bot.channels.telegram.transport import TelegramDesk, TelegramTransport
from bot.core.actions import CaseAction, StopNews
from bot.delivery.dispatcher import Blocked, Permanent, Retry
from bot.delivery.ports import CaseRef, ChannelPort, Outgoing
from tests.fakeapi import FakeBotApi

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["aiohttp", "httpx"])
async def transport(
    fake: FakeBotApi, request: pytest.FixtureRequest
) -> AsyncIterator[TelegramTransport]:
    """The bot's own client (aiohttp) and python-telegram-bot's default (httpx) must map
    Telegram's refusals alike."""
    client = (
        AiohttpRequest(read_timeout=0.5)
        if request.param == "aiohttp"
        else HTTPXRequest(read_timeout=0.5)
    )
    bot = Bot(fake.token, base_url=f"{fake.url}/bot", request=client)
    async with bot:
        yield TelegramTransport(bot)


async def test_success_returns_the_message_id(
    fake: FakeBotApi, transport: TelegramTransport
) -> None:
    fake.send_text(10, "hi")  # the chat exists
    first = await transport.send_html(10, Outgoing("one <b>"))
    second = await transport.send_html(
        10, Outgoing("two", buttons=(("Ok", CaseAction(1, "confirm")),))
    )
    assert second > first
    assert fake.buttons(fake.last_message(10)) == [("Ok", "c:1:confirm")]
    assert fake.sent_messages(10)[0]["text"] == "one <b>"  # escaped, shown as written


async def test_a_long_message_goes_in_pieces_without_cutting_an_entity(
    fake: FakeBotApi, transport: TelegramTransport
) -> None:
    fake.send_text(13, "hi")
    body = "&" * 5000  # 25,000 characters once escaped
    await transport.send("13", Outgoing(body, "Titel", (("Ok", StopNews()),)))
    messages = fake.sent_messages(13)
    assert "".join(str(m["text"]) for m in messages) == "Titel\n" + body
    assert fake.buttons(messages[-1]) and not fake.buttons(messages[0])


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
        await transport.send("11", Outgoing("hello"))
    assert info.value.after == after
    assert fake.sent_messages(11) == []  # a refused call has no effect
    await transport.send("11", Outgoing("hello"))
    assert len(fake.sent_messages(11)) == 1


async def test_blocked_and_permanent_refusals(
    fake: FakeBotApi, transport: TelegramTransport
) -> None:
    fake.send_text(12, "hi")
    fake.set_blocked(12)
    with pytest.raises(Blocked):
        await transport.send("12", Outgoing("hello"))
    fake.strict_chats = True
    with pytest.raises(Permanent):
        await transport.send("-100999", Outgoing("nobody here"))


async def test_topics_only_in_forums(
    fake: FakeBotApi, transport: TelegramTransport, db_url: str
) -> None:
    from datetime import UTC, datetime

    from bot.delivery.threads import CaseThreads
    from bot.storage.db import Database
    from bot.storage.models import CaseRow

    db = Database(db_url)
    now = datetime.now(UTC)
    async with db.transaction() as session:
        for _ in (1, 2):
            session.add(CaseRow(reason="person", status="open", language="de", created_at=now))
    desk = TelegramDesk(transport, CaseThreads(db))
    fake.send_text(-100200, "plain group", user_id=5)
    await desk.post("-100200", CaseRef(1, "de", False), Outgoing("Fall 1"))
    await desk.post("-100200", CaseRef(1, "de", False), Outgoing("more"))
    first, more = fake.sent_messages(-100200)
    assert more["reply_to_message"]["message_id"] == first["message_id"]  # a reply thread
    fake.send_text(-100300, "forum", user_id=5, message_thread_id=1)
    await desk.post("-100300", CaseRef(2, "uk", True), Outgoing("Fall 2"))
    assert [t["name"] for t in fake.topics(-100300)] == ["#2 · uk · Termin"]
    await desk.close("-100300", CaseRef(2, "uk", True))
    await db.dispose()


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
                channel="telegram",
                address=str(chat),
                user_id=None,
                kind="to_user",
                key=f"k{i}",
                due_at=now,
                now=now,
                payload={"msg": arg_to_json(Term(f"m{i}")), "lang": "de"},
            )
    port = ChannelPort("telegram", transport)
    composer = Composer(db, Renderer(Catalogs()), lambda: None, {"telegram": port})  # type: ignore[arg-type, return-value]
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
