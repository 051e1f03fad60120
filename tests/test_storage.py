"""Storage on SQLite and PostgreSQL: state saved after every step, consent, erase, redelivery."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.app.conversation import Wegweiser
from bot.core.events import ChoiceIn, CommandIn, TextIn
from bot.storage.db import Database
from bot.storage.migrate import downgrade, upgrade
from bot.storage.models import ContentDocument, Conversation, User
from tests.conftest import FIXED_NOW, settings_for
from tests.support.people import tg, user_id_of


async def _press(app: Wegweiser, user: int, *keys: str) -> None:
    for key in keys:
        answer = await app.current(tg(user))
        await app.handle(tg(user), ChoiceIn(key, answer.version))


async def test_state_is_saved_after_every_step_and_survives_a_restart(db_url: str) -> None:
    first = Wegweiser(settings_for(db_url), Database(db_url), clock=lambda: FIXED_NOW)
    await first.load_content()
    await first.handle(tg(42), CommandIn("start"), client_language="uk")
    await _press(first, 42, "uk", "agree", "long_resident")
    await first.db.dispose()  # the process "dies" here

    second = Wegweiser(settings_for(db_url), Database(db_url), clock=lambda: FIXED_NOW)
    await second.load_content(from_files=False)
    answer = await second.current(tg(42))
    assert answer.step == "benefits"
    assert answer.lang == "uk"
    await _press(second, 42, "yes", "27_plus")
    assert (await second.current(tg(42))).step == "result"
    uid = await user_id_of(second.db, tg(42))
    async with second.db.sessions() as session:
        user = await session.get(User, uid)
        assert user is not None
        assert (user.language, user.status, user.benefits, user.age_band) == (
            "uk",
            "long_resident",
            "yes",
            "27_plus",
        )
    await second.db.dispose()


async def test_nothing_personal_is_stored_before_consent(app: Wegweiser) -> None:
    await app.handle(tg(7), CommandIn("start"))
    await _press(app, 7, "tr", "decline")
    uid = await user_id_of(app.db, tg(7))
    async with app.db.sessions() as session:
        user = await session.get(User, uid)
        assert user is not None and user.language == "tr"
        assert (user.status, user.benefits, user.age_band, user.consent_at) == (None,) * 4
        conv = await session.get(Conversation, uid)
        assert conv is not None and conv.state["answers"] == {}


async def test_erase_removes_every_row_of_the_user(app: Wegweiser) -> None:
    await app.handle(tg(8), CommandIn("start"))
    await _press(app, 8, "de", "agree", "buergergeld", "27_plus")
    await app.handle(tg(9), CommandIn("start"))
    gone, kept = await user_id_of(app.db, tg(8)), await user_id_of(app.db, tg(9))
    await app.handle(tg(8), CommandIn("delete"))
    await _press(app, 8, "erase")
    async with app.db.sessions() as session:
        assert await session.get(User, gone) is None
        assert await session.get(Conversation, gone) is None
        assert await user_id_of(app.db, tg(8)) is None  # the chat is forgotten too
        assert await session.get(User, kept) is not None  # others untouched


async def test_a_redelivered_update_is_not_applied_twice(app: Wegweiser) -> None:
    await app.handle(tg(5), CommandIn("start"), update_id=100)
    state = await app.current(tg(5))
    first = await app.handle(tg(5), ChoiceIn("de", state.version), update_id=101)
    assert first.step == "privacy"
    again = await app.handle(tg(5), ChoiceIn("de", state.version), update_id=101)
    assert again.step == "privacy"
    assert again.version == first.version  # nothing applied, the current step shown again
    older = await app.handle(tg(5), TextIn("late"), update_id=99)
    assert older.version == first.version


async def test_many_users_at_once_keep_their_own_state(app: Wegweiser) -> None:
    async def journey(user: int) -> str:
        await app.handle(tg(user), CommandIn("start"))
        path = ["special", "asylum"] if user % 2 else ["buergergeld"]
        await _press(app, user, "ru", "agree", *path)
        return (await app.current(tg(user))).step

    steps = await asyncio.gather(*(journey(1000 + i) for i in range(20)))
    assert set(steps) == {"age"}
    async with app.db.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(User))
        assert count == 20


async def test_content_is_stored_once_and_reloaded_from_the_database(app: Wegweiser) -> None:
    async with app.db.sessions() as session:
        doc = await session.get(ContentDocument, "stuttgart")
        assert doc is not None and doc.version == 1
    await app.load_content()  # same files: no new version
    async with app.db.sessions() as session:
        doc = await session.get(ContentDocument, "stuttgart")
        assert doc is not None and doc.version == 1
    assert app.content.routes["long_resident"].paused


def test_migrations_go_down_and_up_again(db_url: str) -> None:
    downgrade(db_url, "base")
    upgrade(db_url)
