"""End to end on both channels from one table: every persona reaches the right authority on
Telegram (the real Application against the fake Bot API) and in the web chat (its HTTP API on
a real server), with one short first screen and its details behind buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app.conversation import Wegweiser
from bot.channels.telegram.app import build_application, start_polling, stop_polling
from bot.i18n.bidi import RLM, strip_controls
from bot.i18n.catalogs import LANGUAGES, RTL_LANGUAGES
from bot.storage.db import Database
from tests.chats import NewChat, TelegramChat, web_chats
from tests.conftest import FIXED_NOW, settings_for
from tests.fakeapi import FakeBotApi
from tests.test_serve_e2e import free_port

pytestmark = pytest.mark.e2e

JOURNEYS = [
    (
        "de",
        ["new_arrival", "yes", "27_plus"],
        "Jobcenter Stuttgart, Bereich Migration und Teilhabe",
    ),
    ("ar", ["special", "asylum", "under_27"], "Bundesamt für Migration und Flüchtlinge, BAMF"),
    (
        "uk",
        ["special", "ukraine", "yes", "27_plus"],
        "Jobcenter Stuttgart, Bereich Migration und Teilhabe",
    ),
    ("fa", ["spaetaussiedler", "27_plus"], "Bundesverwaltungsamt, BVA"),
    ("en", ["long_resident", "no", "under_27"], "Clearingstelle sprachliche Integration"),
    ("tr", ["buergergeld", "27_plus"], "Jobcenter Stuttgart, Bereich Migration und Teilhabe"),
    ("ru", ["special", "eu_citizen", "no", "27_plus"], "Bundesamt für Migration"),
    (
        "ro",
        ["unsure", "no", "no", "no", "no", "yes", "no", "under_27"],
        "Ausländerbehörde Stuttgart, Amt für öffentliche Ordnung",
    ),
]


@pytest.fixture(params=["telegram", "web"])
async def new_chat(request: pytest.FixtureRequest, db_url: str) -> AsyncIterator[NewChat]:
    channel = request.param
    if channel == "telegram":
        fake: FakeBotApi = request.getfixturevalue("fake")
        settings = settings_for(db_url, BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.url)
        core = Wegweiser(settings, Database(db_url), clock=lambda: FIXED_NOW)
        application = build_application(settings, core)
        await start_polling(application, timeout=1)

        async def telegram(number: int, lang: str | None) -> TelegramChat:
            return TelegramChat(fake, number, lang)

        try:
            yield telegram
        finally:
            await stop_polling(application)
        return
    core = Wegweiser(settings_for(db_url), Database(db_url), clock=lambda: FIXED_NOW)
    await core.load_content()
    try:
        async with web_chats(core, free_port()) as web:
            yield web
    finally:
        await core.db.dispose()


@pytest.mark.parametrize(("lang", "path", "authority_de"), JOURNEYS)
async def test_newcomer_walks_the_journey(
    new_chat: NewChat, lang: str, path: list[str], authority_de: str
) -> None:
    chat = await new_chat(5000 + LANGUAGES.index(lang), lang)
    first = await chat.start()
    # The language menu lists the client's (browser's) language first, by its own name.
    assert first[-1].keys[0] == lang
    await chat.choose_language(lang)
    await chat.press("agree")
    for key in path[:-1]:
        await chat.press(key)
    result = await chat.press(path[-1])
    # One short screen, its details and next steps as buttons.
    assert len(result) == 1 and len(strip_controls(result[0].text)) <= 700  # with <b> tags
    assert set(result[-1].keys) >= {"book", "courses", "person", "d:means", "d:where"}
    means = await chat.press("d:means")
    where = await chat.press("d:where")
    text = strip_controls("\n".join(m.text for m in result + means + where))
    assert authority_de in text
    for message in result + means + where:
        assert len(message.text) <= 4096
        if lang in RTL_LANGUAGES:
            assert all(
                line.startswith(RLM)
                for line in message.text.split("\n")
                if line and not line.startswith("<b>")
            )
