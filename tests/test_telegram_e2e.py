"""End to end: the real python-telegram-bot Application against the local fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app.conversation import Wegweiser
from bot.channels.telegram.app import build_application, start_polling, stop_polling
from bot.channels.telegram.texts import COMMANDS
from bot.flows.questions import DONT_KNOW
from bot.i18n.bidi import strip_controls
from bot.i18n.catalogs import LANGUAGES, Catalogs, client_codes
from bot.storage.db import Database
from tests.conftest import FIXED_NOW, settings_for
from tests.fakeapi import FakeBotApi
from tests.support.people import tg, user_id_of
from tests.tgclient import User

pytestmark = pytest.mark.e2e


@pytest.fixture()
async def bot(fake: FakeBotApi, db_url: str) -> AsyncIterator[Wegweiser]:
    settings = settings_for(db_url, BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.url)
    core = Wegweiser(settings, Database(db_url), clock=lambda: FIXED_NOW)
    application = build_application(settings, core)
    await start_polling(application, timeout=1)
    yield core
    await stop_polling(application)


async def test_commands_and_descriptions_are_set_in_every_language(
    fake: FakeBotApi, bot: Wegweiser, catalogs: Catalogs
) -> None:
    published = {code: lang for lang in LANGUAGES for code in client_codes(lang)}
    # Every language a client can report has its menu; Dari and simple German have no code.
    assert {"de", "ti", "so", "ps", "ku", "bs", "hr", "sr"} <= set(published)
    for code, lang in published.items():
        commands = fake.commands(language_code=code)
        assert [c["command"] for c in commands] == [name for name, _ in COMMANDS]
        expected = catalogs.gettext(lang, COMMANDS[0][1])
        assert strip_controls(commands[0]["description"]) == expected
        assert fake.bot_text("description", code)
        assert fake.bot_text("short_description", code)
    assert fake.commands()  # the default for all other languages


async def test_bad_input_gets_translated_answers_and_loses_nothing(
    fake: FakeBotApi, bot: Wegweiser, catalogs: Catalogs
) -> None:
    user = User(fake, 6100, language_code="uk")
    await user.say("/start")
    await user.press("uk")
    await user.press("agree")
    at_benefits = await user.press("new_arrival")
    stale_id, stale_data = user.button_data("new_arrival")

    please = strip_controls(
        catalogs.gettext(
            "uk", "I can only read text and buttons. Please choose one of the options below."
        )
    )
    for kind in ("sticker", "photo", "voice", "document", "video"):
        answer = await user.send_kind(kind)
        assert answer[0]["text"] == please
    answer = await user.send_kind("location")
    assert answer[0]["text"] == catalogs.gettext(
        "uk", "Thank you, but I do not need a location here."
    )
    answer = await user.say("   ")
    assert answer[0]["text"] == catalogs.gettext("uk", "Please choose one of the options below.")
    # Typed text is a question for the FAQ; what it cannot answer it says honestly.
    dont_know = catalogs.gettext("uk", DONT_KNOW)
    for text in ("x" * 10_000, "qwrtzp blorf vmxk"):
        answer = await user.say(text)
        assert strip_controls(answer[0]["text"]) == strip_controls(dont_know)
    answer = await user.say("/nonsense")
    assert "/nonsense" in answer[0]["text"]

    no_longer = catalogs.gettext("uk", "This button is no longer valid. Here is the current step.")
    answer = await user.press_raw(stale_id, stale_data)  # from the status message, already used
    assert answer[0]["text"] == no_longer
    for forged in ("garbage", "999:result", "x" * 64, ":"):
        answer = await user.press_raw(at_benefits[-1]["message_id"], forged, strict=False)
        assert answer[0]["text"] == no_longer

    # Nothing was lost: the user is still at the Bürgergeld question and can go on.
    assert (await bot.current(tg(6100))).step == "benefits"
    await user.press("no")
    assert (await bot.current(tg(6100))).step == "age"


async def test_edited_messages_and_group_chats(fake: FakeBotApi, bot: Wegweiser) -> None:
    user = User(fake, 6200, language_code="de")
    await user.say("/start")
    sent = fake.send_text(6200, "hallo")
    await fake.await_messages(6200, len(user.messages) + 2)
    count = len(user.messages)
    fake.send_edited_text(6200, sent["message"]["message_id"], "edited")
    group = -100777
    fake.send_text(group, "hello everyone", language_code="tr")
    fake.send_command(group, "/start", language_code="tr")
    await fake.await_messages(group, 1)
    notice = fake.sent_messages(group)
    assert len(notice) == 1 and "private" not in notice[0]["text"].lower()  # Turkish text
    assert len(user.messages) == count  # the edit got no answer
    assert (await bot.current(tg(6200))).step == "language"


async def test_a_button_without_a_message_is_answered(fake: FakeBotApi, bot: Wegweiser) -> None:
    """A press on a message sent in inline mode has no chat; its spinner still stops."""
    with fake.state.cond:
        query_id = fake.state.next_callback_id()
    user = {"id": 6300, "is_bot": False, "first_name": "A", "language_code": "de"}
    fake.push_update(
        {
            "callback_query": {
                "id": query_id,
                "from": user,
                "chat_instance": "-42",
                "inline_message_id": "AAAA1234",
                "data": "1:start",
            }
        }
    )
    await fake.await_for(lambda: fake.callback_answer(query_id) is not None)
    assert fake.sent_messages(6300) == []
    assert await user_id_of(bot.db, tg(6300)) is None  # nothing stored about the presser


async def test_a_failing_step_apologises_and_loses_nothing(
    fake: FakeBotApi, bot: Wegweiser, catalogs: Catalogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = User(fake, 6300, language_code="ro")
    await user.say("/start")
    real = bot.handle

    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("database went away")

    monkeypatch.setattr(bot, "handle", broken)
    before = len(user.messages)
    message_id, data = user.button_data("ro")
    fake.press_button(6300, message_id, data, language_code="ro")
    sorry = await fake.await_messages(6300, before + 1)
    expected = "Sorry, something went wrong on my side. Please try again in a moment."
    assert sorry[-1]["text"] == catalogs.gettext("ro", expected)
    monkeypatch.setattr(bot, "handle", real)
    await user.press("ro")  # the same button works once the fault is gone
    assert (await bot.current(tg(6300))).step == "privacy"
