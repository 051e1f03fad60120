"""Tests of the fake Telegram Bot API server (tests/fakeapi)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters
from telegram.request import HTTPXRequest

from tests.fakeapi import MESSAGE_KINDS, FakeBotApi
from tests.fakeapi.formatting import EntityParseError, plain_text
from tests.fakeapi.updates import UPDATE_TYPES

CHAT = 4711


@pytest.fixture()
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture()
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b


def _post(fake: FakeBotApi, method: str, token: str | None = None, **kwargs: Any) -> Any:
    url = f"{fake.url}/bot{token or fake.token}/{method}"
    return httpx.post(url, timeout=10, **kwargs)


def _assert_valid(fake: FakeBotApi, type_name: str, value: Any) -> None:
    assert fake.spec.validate_value(type_name, value) == []


# --------------------------------------------------------------- real PTB Bot


async def test_ptb_bot_send_edit_and_answer_callback(fake: FakeBotApi, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "wegweiser_test_bot"
    assert me.can_join_groups is True

    fake.send_command(CHAT, "/start")  # creates the private chat
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Ja", callback_data="yes")],
            [InlineKeyboardButton("Nein", callback_data="no")],
        ]
    )
    sent = await bot.send_message(CHAT, "Frage?", reply_markup=keyboard)
    assert sent.chat.id == CHAT and sent.from_user is not None and sent.from_user.is_bot
    assert sent.reply_markup == keyboard

    edited = await bot.edit_message_text(
        "<b>Frage</b> neu",
        chat_id=CHAT,
        message_id=sent.message_id,
        parse_mode="HTML",
        reply_markup=keyboard,
    )
    assert isinstance(edited, type(sent)) and edited.text == "Frage neu"
    view = fake.last_message(CHAT)
    assert view is not None
    assert view["text"] == "Frage neu" and view["raw_text"] == "<b>Frage</b> neu"
    assert view["edited"] is True and view["message_id"] == sent.message_id
    assert fake.buttons(view) == [("Ja", "yes"), ("Nein", "no")]

    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text(
            "<b>Frage</b> neu",
            chat_id=CHAT,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard,
        )
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=999)

    update = fake.press_button(CHAT, sent.message_id, "yes")
    with pytest.raises(ValueError, match=r"(?i)no button"):
        fake.press_button(CHAT, sent.message_id, "maybe")
    updates = await bot.get_updates(timeout=0)
    queries = [u.callback_query for u in updates if u.callback_query]
    assert [q.data for q in queries] == ["yes"]
    assert queries[0].message is not None and queries[0].message.message_id == sent.message_id
    assert await queries[0].answer("Danke")
    assert fake.callback_answer(update["callback_query"]["id"]) == {"text": "Danke"}
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await queries[0].answer()

    assert await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=None)
    assert fake.buttons(fake.last_message(CHAT)) == []
    assert fake.violations == []


async def test_ptb_bot_other_methods(fake: FakeBotApi, bot: Bot) -> None:
    fake.send_text(CHAT, "hi")
    document = await bot.send_document(
        CHAT, InputFile(b"%PDF fake", filename="plan.pdf"), caption="Dein Plan"
    )
    assert document.document is not None and document.document.file_name == "plan.pdf"
    view = fake.last_message(CHAT)
    assert (
        view is not None and view["upload"].data == b"%PDF fake" and view["caption"] == "Dein Plan"
    )
    file = await bot.get_file(document.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"%PDF fake"

    await bot.send_message(CHAT, "Wähle", reply_markup=ReplyKeyboardMarkup([["A", "B"]]))
    latest = fake.last_message(CHAT)
    assert latest is not None
    assert latest["reply_markup"] == {"keyboard": [[{"text": "A"}, {"text": "B"}]]}
    assert await bot.send_chat_action(CHAT, "typing")
    assert await bot.delete_message(CHAT, document.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(CHAT, document.message_id)

    scope = BotCommandScopeChat(CHAT)
    assert await bot.set_my_commands(
        [BotCommand("start", "Los geht's")], scope=scope, language_code="de"
    )
    assert [c.command for c in await bot.get_my_commands(scope=scope, language_code="de")] == [
        "start"
    ]
    assert await bot.get_my_commands() == ()
    assert fake.commands({"type": "chat", "chat_id": CHAT}, "de") == [
        {"command": "start", "description": "Los geht's"}
    ]
    assert await bot.delete_my_commands(scope=scope, language_code="de")
    assert await bot.set_my_description("Hilfe für Neue", language_code="de")
    assert (await bot.get_my_description("de")).description == "Hilfe für Neue"
    assert await bot.set_my_short_description("Kurz")
    assert (await bot.get_my_short_description()).short_description == "Kurz"

    topic = await bot.create_forum_topic(-100123, "Deutschkurse")
    second = await bot.create_forum_topic(-100123, "Wohnen")
    assert second.message_thread_id > topic.message_thread_id
    assert await bot.close_forum_topic(-100123, topic.message_thread_id)
    with pytest.raises(BadRequest, match=r"(?i)TOPIC_NOT_MODIFIED"):
        await bot.close_forum_topic(-100123, topic.message_thread_id)
    assert await bot.reopen_forum_topic(-100123, topic.message_thread_id)
    in_topic = await bot.send_message(-100123, "Hallo", message_thread_id=topic.message_thread_id)
    assert in_topic.message_thread_id == topic.message_thread_id
    assert in_topic.chat.type == "supergroup"

    member = await bot.get_chat_member(-100123, CHAT)
    assert member.status == "member"
    fake.set_chat_member(-100123, CHAT, "administrator", can_manage_topics=True)
    admin = await bot.get_chat_member(-100123, CHAT)
    assert admin.status == "administrator"
    chat = await bot.get_chat(CHAT)
    assert chat.id == CHAT and chat.type == "private"
    info = await bot.get_webhook_info()
    assert info.url == "" and info.pending_update_count == 1

    fake.set_blocked(CHAT)
    with pytest.raises(Forbidden, match=r"(?i)blocked"):
        await bot.send_message(CHAT, "weg?")
    assert fake.violations == []


async def test_documented_limits_are_violations(fake: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)reserved"):
        await bot.send_message(CHAT, "Ende.", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(CHAT, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(
            CHAT,
            "x",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("a", callback_data="d" * 65)]]
            ),
        )
    assert len(fake.violations) == 3
    assert fake.sent_messages(CHAT) == []


def test_formatting_parsers() -> None:
    assert plain_text("<b>a</b> &lt;b&gt; &amp; <a href='x'>l</a>", "HTML") == "a <b> & l"
    assert plain_text("*fett* \\. _kursiv_ [x](http://a.de/\\))", "MarkdownV2") == "fett . kursiv x"
    assert plain_text("*fett* _x_", "Markdown") == "fett x"
    for text, mode in [
        ("<br>", "HTML"),
        ("<b>x", "HTML"),
        ("a - b", "MarkdownV2"),
        ("*x", "MarkdownV2"),
    ]:
        with pytest.raises(EntityParseError):
            plain_text(text, mode)


# ------------------------------------------------------------ raw HTTP checks


def test_raw_requests_are_validated(fake: FakeBotApi) -> None:
    fake.send_text(CHAT, "hi")
    unknown = _post(fake, "sendMessages", data={"chat_id": CHAT, "text": "x"})
    missing = _post(fake, "sendMessage", data={"chat_id": CHAT})
    extra = _post(fake, "sendMessage", data={"chat_id": CHAT, "text": "x", "colour": "red"})
    wrong_type = _post(fake, "sendMessage", json={"chat_id": CHAT, "text": "x", "reply_markup": 5})
    for response in (unknown, missing, extra, wrong_type):
        assert response.status_code == 400
        body = response.json()
        assert body["ok"] is False and body["error_code"] == 400
        assert body["description"].startswith("Bad Request: ")
    violations = fake.violations
    assert len(violations) == 4
    assert "unknown method" in violations[0]
    assert "missing required field 'text'" in violations[1]
    assert "unknown field 'colour'" in violations[2]
    assert "reply_markup" in violations[3]
    assert fake.sent_messages(CHAT) == []

    # case-insensitive method names, JSON bodies and query strings are all fine
    ok_json = _post(fake, "SENDMESSAGE", json={"chat_id": CHAT, "text": "json"})
    ok_query = httpx.get(f"{fake.url}/bot{fake.token}/sendMessage?chat_id={CHAT}&text=query")
    assert ok_json.status_code == 200 and ok_json.json()["result"]["text"] == "json"
    assert ok_query.status_code == 200
    assert [m["text"] for m in fake.sent_messages(CHAT)] == ["json", "query"]
    assert len(fake.violations) == 4


def test_wrong_token_is_unauthorized(fake: FakeBotApi) -> None:
    response = _post(fake, "getMe", token="999:WRONG")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert fake.violations == []


def test_long_polling_offsets_limit_and_allowed_updates(fake: FakeBotApi) -> None:
    results: list[Any] = []

    def poll() -> None:
        results.append(_post(fake, "getUpdates", data={"timeout": 5}).json())

    started = time.monotonic()
    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.2)
    first = fake.send_text(CHAT, "eins")
    poller.join(5)
    assert time.monotonic() - started < 2
    assert [u["update_id"] for u in results[0]["result"]] == [first["update_id"]]

    second = fake.send_text(CHAT, "zwei")
    fake.send_message_of_kind(CHAT, "sticker")
    again = _post(fake, "getUpdates", data={"timeout": 0, "limit": 1}).json()["result"]
    assert [u["update_id"] for u in again] == [first["update_id"]]  # not confirmed yet
    after = _post(fake, "getUpdates", data={"offset": second["update_id"], "timeout": 0}).json()
    assert [u["message"].get("text") for u in after["result"]] == ["zwei", None]
    assert len(fake.pending_updates()) == 2

    only_queries = _post(
        fake, "getUpdates", data={"timeout": 0, "allowed_updates": '["callback_query"]'}
    ).json()
    assert only_queries["result"] == []
    empty_started = time.monotonic()
    _post(fake, "getUpdates", data={"offset": second["update_id"] + 2, "timeout": 1})
    assert 0.9 < time.monotonic() - empty_started < 3
    assert fake.pending_updates() == []
    assert fake.violations == []
    fractional = _post(fake, "getUpdates", data={"timeout": 0.5})  # Integer required
    assert fractional.status_code == 400 and "'timeout'" in fake.violations[-1]


def test_second_poller_terminates_first(fake: FakeBotApi) -> None:
    results: list[Any] = []
    first = threading.Thread(
        target=lambda: results.append(_post(fake, "getUpdates", data={"timeout": 5}))
    )
    first.start()
    time.sleep(0.2)
    second = _post(fake, "getUpdates", data={"timeout": 0})
    first.join(5)
    assert second.status_code == 200
    assert (
        results[0].status_code == 409 and "terminated by other" in results[0].json()["description"]
    )


def test_injected_updates_match_the_spec(fake: FakeBotApi) -> None:
    assert set(UPDATE_TYPES) == {f for f in fake.spec.types["Update"].fields} - {"update_id"}
    _assert_valid(fake, "User", fake.bot_user)
    updates = [fake.send_text(CHAT, "hallo", language_code="uk")]
    updates.append(fake.send_command(-100777, "/start@wegweiser_test_bot x", message_thread_id=3))
    updates.extend(fake.send_message_of_kind(CHAT, kind) for kind in MESSAGE_KINDS)
    updates.append(fake.send_edited_text(CHAT, updates[0]["message"]["message_id"], "hallo!"))
    sent = _post(
        fake,
        "sendMessage",
        data={
            "chat_id": CHAT,
            "text": "x",
            "reply_markup": '{"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}',
        },
    ).json()["result"]
    _assert_valid(fake, "Message", sent)
    updates.append(fake.press_button(CHAT, sent["message_id"], "a"))
    for update in updates:
        _assert_valid(fake, "Update", update)
    assert updates[1]["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 25}]
    assert updates[0]["message"]["from"]["language_code"] == "uk"
    file_id = updates[2]["message"]["sticker"]["file_id"]
    assert fake.file_bytes(file_id)
    assert fake.violations == []


# -------------------------------------------------------- PTB Application e2e


async def test_application_receives_text_and_replies(fake: FakeBotApi) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_user is not None
        lang = update.effective_user.language_code
        await update.effective_message.reply_text(f"Echo ({lang}): {update.effective_message.text}")

    app: Application[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            fake.send_text(CHAT, "Guten Tag", language_code="ar")
            messages = await fake.await_messages(CHAT, 1, timeout=5)
            assert messages[0]["text"] == "Echo (ar): Guten Tag"
            fake.send_text(-100555, "In der Gruppe", user_id=77)
            group = await fake.await_messages(-100555, 1, timeout=5)
            assert group[0]["reply_to_message"]["text"] == "In der Gruppe"  # PTB quotes in groups
            with pytest.raises(TimeoutError, match="last 5 calls"):
                await fake.await_for(lambda: False, timeout=0.05)
        finally:
            await app.updater.stop()
            await app.stop()
    assert fake.violations == []
    assert fake.pending_updates() == []


# ------------------------------------------------------------ fault injection


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_fault_injection(fake: FakeBotApi, bot: Bot) -> None:
    fake.send_text(CHAT, "hi")
    fake.faults.set(rate=1.0, kinds=("429",), methods={"sendMessage"}, retry_after=3)
    with pytest.raises(RetryAfter, match=r"3 seconds|0:00:03"):
        await bot.send_message(CHAT, "eins")
    assert await bot.send_chat_action(CHAT, "typing")  # other methods unaffected
    failed = fake.calls_for("sendMessage")[-1]
    assert failed.ok is False and failed.fault == "429" and failed.error_code == 429
    assert fake.sent_messages(CHAT) == []  # no side effect
    fake.faults.clear()

    fake.faults.fail_next("500")
    with pytest.raises(NetworkError, match=r"(?i)Internal Server Error"):
        await bot.send_message(CHAT, "zwei")
    fake.faults.fail_next("drop", method="sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(CHAT, "drei")
    fake.faults.set(rate=1.0, kinds=("timeout",), timeout_seconds=1.0)
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "vier", read_timeout=0.2)
    fake.faults.clear()
    assert fake.faults.injected == {"429": 1, "500": 1, "drop": 1, "timeout": 1}
    assert (await bot.send_message(CHAT, "fünf")).text == "fünf"
    assert [m["text"] for m in fake.sent_messages(CHAT)] == ["fünf"]
    assert fake.violations == []


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_rate_limit_emulation(fake: FakeBotApi) -> None:
    fake.limits.enable(per_chat_per_second=1, chat_burst=2)
    request = HTTPXRequest()
    async with Bot(fake.token, base_url=fake.base_url, request=request) as bot:
        await bot.send_message(CHAT, "1")
        await bot.send_message(CHAT, "2")
        with pytest.raises(RetryAfter):
            await bot.send_message(CHAT, "3")
        await bot.send_message(CHAT + 1, "other chat")
    assert fake.limits.hits["chat"] == 1
    fake.limits.disable()


def test_wait_for_reports_recent_calls(fake: FakeBotApi) -> None:
    _post(fake, "getMe")
    with pytest.raises(TimeoutError, match=r"(?i)getMe"):
        fake.wait_for(lambda: False, timeout=0.1)
    with pytest.raises(TimeoutError, match=r"(?i)expected 1 messages"):
        fake.wait_for_messages(CHAT, 1, timeout=0.1)


async def test_many_concurrent_clients(fake: FakeBotApi) -> None:
    async with httpx.AsyncClient(base_url=f"{fake.base_url}{fake.token}", timeout=10) as client:

        async def user(chat_id: int) -> None:
            fake.send_text(chat_id, "hi")
            for index in range(3):
                response = await client.post(
                    "/sendMessage", data={"chat_id": chat_id, "text": f"m{index}"}
                )
                assert response.status_code == 200

        await asyncio.gather(*(user(1000 + n) for n in range(100)))
    assert all(len(fake.sent_messages(1000 + n)) == 3 for n in range(100))
    assert fake.violations == []
