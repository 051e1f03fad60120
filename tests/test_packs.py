"""Content packs: a second, made-up city (tests/data/packs/musterstadt) walks a journey with
nothing of Stuttgart in sight; the terminal channel delivers an outbox reminder."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app.conversation import Answer, Wegweiser
from bot.channels.terminal.chat import terminal_dispatcher
from bot.content.parse import ContentError, parse_content, read_city
from bot.core.address import Address
from bot.core.events import ChoiceIn, CommandIn, TextIn
from bot.runtime.config import ConfigError
from bot.storage.db import Database
from bot.storage.models import BookingRow
from tests.conftest import FIXED_NOW, settings_for
from tests.support.cli import run_bot
from tests.support.clock import Clock

PACKS = Path(__file__).resolve().parent / "data" / "packs"
HOME = "stuttgart"


@pytest.fixture()
async def musterstadt(db_url: str) -> AsyncIterator[tuple[Wegweiser, Clock]]:
    clock = Clock(FIXED_NOW)
    settings = settings_for(db_url, CITY="musterstadt", CONTENT_DIR=str(PACKS))
    app = Wegweiser(settings, Database(db_url), clock=clock)
    await app.load_content()
    yield app, clock
    await app.db.dispose()


def everything(answer: Answer) -> str:
    parts: list[str] = []
    for reply in answer.replies:
        parts += [reply.title or "", reply.body, *(label for _k, label in reply.options)]
    return "\n".join(parts)


async def press(app: Wegweiser, to: Address, key: str) -> Answer:
    current = await app.current(to)
    return await app.handle(to, ChoiceIn(key, current.version))


def keys(answer: Answer) -> list[str]:
    return [k for r in answer.replies for k, _l in r.options]


def test_the_pack_names_its_city_and_region() -> None:
    content = parse_content(read_city("musterstadt", PACKS), "musterstadt")
    assert content.name == "Musterstadt" and content.city == "musterstadt"
    assert content.points["advice"].booking is not None
    assert content.points["advice"].booking.holidays == ("DE", "HH")
    assert content.other_statuses is None


def test_special_statuses_need_their_button() -> None:
    raw = read_city("musterstadt", PACKS)
    raw["status"] = {**raw["status"], "eu": {"label": "EU", "ask_benefits": False}}
    raw["status"]["eu"]["special"] = True
    raw["rule"] = [*raw["rule"], {"when": {"status": "eu"}, "routes": ["new_arrival"]}]
    with pytest.raises(ContentError, match=r"statuses\.other"):
        parse_content(raw, "musterstadt")


async def test_a_journey_in_a_second_city(musterstadt: tuple[Wegweiser, Clock]) -> None:
    app, clock = musterstadt
    me = Address("terminal", "5")
    seen: list[str] = []
    welcome = await app.handle(me, CommandIn("start"))
    seen.append(everything(welcome))
    assert "Musterstadt" in everything(welcome)
    for key in ("en", "agree"):
        seen.append(everything(await press(app, me, key)))
    status = await press(app, me, "new_arrival")
    seen.append(everything(status))
    result = await press(app, me, "27_plus")
    seen.append(everything(result))
    text = everything(result)
    assert "Ausländerbehörde Musterstadt, Hafenamt" in text
    where = await press(app, me, "d:where")
    seen.append(everything(where))
    assert "Kaiweg 1, 20001 Musterstadt" in everything(where)
    assert "Hafenstraße 5, 20001 Musterstadt" in everything(where)
    # A pack without special statuses or triage questions offers neither.
    menu = await app.current(me)
    assert "special" not in keys(menu) and "unsure" not in keys(menu)
    book = await press(app, me, "book")
    seen.append(everything(book))
    point = await press(app, me, "advice") if "advice" in keys(book) else book
    day = [k for k in keys(point) if k.startswith("d")][2]
    times = await press(app, me, day)
    slot = next(k for k in keys(times) if k.startswith("s"))
    booked = await press(app, me, slot)
    seen.append(everything(booked))
    assert booked.step == "booked"
    assert "Migrationsberatung Musterstadt, MBE" in everything(booked)
    # The pack's FAQ answers typed questions.
    answer = await app.handle(me, TextIn("Where is the harbour office?"))
    seen.append(everything(answer))
    assert "Kaiweg 1" in everything(answer)
    assert not [s for s in seen if "Stuttgart" in s]

    # The terminal channel delivers the 24-hour reminder from the outbox.
    async with app.db.sessions() as session:
        starts = (await session.execute(select(BookingRow.starts_at))).scalar_one()
    printed: list[str] = []
    dispatcher = terminal_dispatcher(app, printed.append)
    clock.now = starts.replace(tzinfo=FIXED_NOW.tzinfo) - timedelta(hours=23)
    await dispatcher.run_once()
    reminder = "\n".join(printed)
    assert "Migrationsberatung Musterstadt, MBE" in reminder, printed
    assert "Stuttgart" not in reminder
    printed.clear()
    clock.now += timedelta(minutes=5)
    await dispatcher.run_once()
    assert printed == []  # sent once


def test_the_terminal_chat_runs_the_second_city(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "CITY")}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path}/chat.db",
        "CITY": "musterstadt",
        "CONTENT_DIR": str(PACKS),
    }
    # Deutsch, agree, new arrival, 27 or older
    printed = run_bot("chat", typed="1\n1\n1\n2\n", cwd=tmp_path, env=env)
    assert "Wegweiser Musterstadt" in printed
    assert "Ausländerbehörde Musterstadt, Hafenamt" in printed
    assert "Stuttgart" not in printed


def test_an_unknown_city_is_refused_with_the_choices() -> None:
    with pytest.raises(ConfigError, match=HOME):
        settings_for("sqlite://", CITY="atlantis")
