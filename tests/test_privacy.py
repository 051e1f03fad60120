"""Privacy on SQLite and PostgreSQL: /mydata gives a user all their rows and nobody else's,
/delete and the inactivity purge leave no row anywhere with the user's Telegram id."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import MetaData, Text, cast, select

from bot.app.conversation import Answer, Wegweiser
from bot.app.privacy import FILE_NAME, NOTHING
from bot.channels.telegram.app import build_application, start_polling, stop_polling
from bot.channels.telegram.jobs import purge_job
from bot.channels.terminal.chat import chat
from bot.channels.terminal.texts import TERMINAL_FILE_SAVED
from bot.cli import main
from bot.core.courses.csvfile import read_courses
from bot.core.events import ChoiceIn, CommandIn, TextIn
from bot.core.messages import Msg
from bot.core.state import State
from bot.delivery.compose import Composer
from bot.delivery.dispatcher import Dispatcher, Limits
from bot.flows.base import EXPORT, Ctx
from bot.flows.engine import handle
from bot.i18n.bidi import strip_controls
from bot.runtime.config import ConfigError, load_settings
from bot.storage.cases import open_case_of
from bot.storage.db import Database
from bot.storage.models import (
    AuditRow,
    BookingRow,
    CaseMessageRow,
    CaseRow,
    FaqUnansweredRow,
    OutboxRow,
    User,
)
from bot.storage.personal import collect
from tests.conftest import FIXED_NOW, settings_for
from tests.fakeapi import FakeBotApi
from tests.support.channels import threaded
from tests.support.people import tg, user_id_of
from tests.tgclient import User as TgUser
from tests.tgclient import texts

GROUP = -1005550000
COUNSELLOR = 4242
# Long, distinctive ids: a substring match anywhere in the database means a real leak. In a
# private chat the chat id is the user id, so this finds chat ids too.
A, B = 7301234567, 7309876543
SAMPLE = Path(__file__).resolve().parents[1] / "bot/content/packs/stuttgart/courses.sample.csv"
GIBBERISH = "qxz vwpl krrt bnnq"


def unanswered_of(user: int) -> str:
    """A question the FAQ cannot answer, with something personal in it."""
    return f"{GIBBERISH} Olena Nr {user % 1000}"


def question_of(user: int) -> str:
    return f"Ich habe eine Frage zu meinem Termin (Nr. {user % 1000})."


class MovableClock:
    def __init__(self) -> None:
        self.now = FIXED_NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Bot:
    core: Wegweiser
    clock: MovableClock
    dispatcher: Dispatcher


@pytest.fixture()
async def bot(db_url: str) -> AsyncIterator[Bot]:
    clock = MovableClock()
    settings = settings_for(db_url, COUNSELLOR_CHAT_ID=str(GROUP))
    core = Wegweiser(settings, Database(db_url), clock=clock)
    await core.load_content()
    async with core.db.transaction() as session:
        courses = read_courses(SAMPLE.read_text(encoding="utf-8"))
        await core.catalogue.import_courses(session, courses, source="sample.csv", now=clock())
    channels, _desk = threaded(core.db)
    composer = Composer(core.db, core.renderer, lambda: core.content, channels, clock=clock)
    limits = Limits(per_second=1000, private_interval=0.0, group_per_minute=1000)
    yield Bot(core, clock, Dispatcher(core.db, composer, clock, limits))
    await core.db.dispose()


async def press(core: Wegweiser, user: int, key: str) -> Answer:
    current = await core.current(tg(user))
    return await core.handle(tg(user), ChoiceIn(key, current.version))


def option(answer: Answer, prefix: str) -> str:
    return next(k for r in answer.replies for k, _l in r.options if k.startswith(prefix))


async def live(bot: Bot, user: int, lang: str) -> None:
    """Everything a newcomer can leave behind: answers, an unanswered question, a booking with
    reminders, a followed course, a wish for course news, a case with messages both ways."""
    core = bot.core
    await core.handle(tg(user), CommandIn("start"))
    for key in (lang, "agree", "new_arrival", "no", "27_plus"):
        await press(core, user, key)
    asked = await core.handle(tg(user), TextIn(unanswered_of(user)))  # not in the FAQ
    if any(k == "faq:none" for r in asked.replies for k, _l in r.options):
        await press(core, user, "faq:none")  # "None of these": kept for admins
    for key in ("book", "mbe"):
        answer = await press(core, user, key)
    answer = await press(core, user, option(answer, "d"))
    booked = await press(core, user, option(answer, "s"))
    assert booked.step == "booked"
    await core.handle(tg(user), CommandIn("reminders"))
    courses = await press(core, user, "courses")
    await press(core, user, option(courses, "follow"))
    await press(core, user, "news")
    await core.handle(tg(user), TextIn(question_of(user)))  # relayed to the group
    await bot.dispatcher.run_once()  # case summary and relay reach the group, linked to the case
    uid = await user_id_of(core.db, tg(user))
    assert uid is not None
    async with core.db.transaction() as session:
        case = await open_case_of(session, uid)
        assert case is not None
        link = (
            await session.scalars(select(CaseMessageRow).where(CaseMessageRow.case_id == case.id))
        ).first()
        assert link is not None
        await core.casework.relay_from_counsellor(
            session,
            case=case,
            actor_id=COUNSELLOR,
            text="Bitte bringen Sie Ihren Pass mit.",
            message_id=link.message_id + 1000,
            now=bot.clock(),
        )
        await core.casework.act(
            session, case=case, actor_id=COUNSELLOR, action="confirm", now=bot.clock()
        )
    await bot.dispatcher.run_once()


async def everything(db: Database) -> dict[str, list[tuple[str | None, ...]]]:
    """Every row of every table (reflected, not from the models), all values cast to text."""
    metadata = MetaData()
    async with db.engine.connect() as conn:
        await conn.run_sync(lambda sync: metadata.reflect(sync))
        tables = {}
        for table in metadata.sorted_tables:
            query = select(*(cast(column, Text) for column in table.columns))
            tables[table.name] = [tuple(row) for row in (await conn.execute(query)).all()]
    return tables


def mentions(tables: dict[str, list[tuple[str | None, ...]]], needle: int) -> list[str]:
    """Rows that hold the Telegram id anywhere (it is long and distinctive)."""
    return [
        f"{name}: {row}"
        for name, rows in tables.items()
        for row in rows
        if any(value is not None and str(needle) in value for value in row)
    ]


async def owned(db: Database, user_id: int) -> list[str]:
    """Rows whose user column holds the internal id (short: compared exactly, by column)."""
    metadata = MetaData()
    found = []
    async with db.engine.connect() as conn:
        await conn.run_sync(lambda sync: metadata.reflect(sync))
        for table in metadata.sorted_tables:
            for column in ("user_id", "id" if table.name == "users" else ""):
                if column and column in table.columns:
                    rows = await conn.execute(select(table).where(table.c[column] == user_id))
                    found += [f"{table.name}: {tuple(r)}" for r in rows]
    return found


async def snapshot(core: Wegweiser, user: int) -> dict[str, Any]:
    uid = await user_id_of(core.db, tg(user))
    assert uid is not None
    async with core.db.sessions() as session:
        return await collect(session, uid)


async def assert_forgotten(core: Wegweiser, gone: int, kept: int, gone_id: int) -> None:
    tables = await everything(core.db)
    assert "users" in tables and "outbox" in tables and "audit_log" in tables
    assert mentions(tables, gone) == []
    assert await owned(core.db, gone_id) == []
    kept_id = await user_id_of(core.db, tg(kept))
    assert kept_id is not None
    # What they wrote to their counsellor is gone too (it never carried their id).
    dump = repr(tables)
    assert question_of(gone) not in dump and question_of(kept) in dump
    assert mentions(tables, kept)  # the other user is still there
    async with core.db.sessions() as session:
        bookings = list(await session.scalars(select(BookingRow).order_by(BookingRow.id)))
        assert len(bookings) == 2 and {b.user_id for b in bookings} == {None, kept_id}
        anonymous = next(b for b in bookings if b.user_id is None)
        assert anonymous.status == "cancelled"  # its seat was freed; the count remains
        # Typed questions go with their asker (admins never saw who asked).
        unanswered = list(await session.scalars(select(FaqUnansweredRow.text)))
        assert unanswered == [unanswered_of(kept)]
        cases = list(await session.scalars(select(CaseRow).order_by(CaseRow.id)))
        assert {c.user_id for c in cases} == {None, kept_id}
        assert all(c.status == "closed" for c in cases if c.user_id is None)
        # The counsellors' work stays audited, with the counsellor as the actor.
        actors = set(await session.scalars(select(AuditRow.actor_id)))
        assert COUNSELLOR in actors


async def test_mydata_sends_a_summary_and_every_row_of_the_user_only(bot: Bot) -> None:
    await live(bot, A, "tr")
    await live(bot, B, "uk")
    answer = await bot.core.handle(tg(A), CommandIn("mydata"))
    export = next(r for r in answer.replies if r.attachment is not None)
    name, data = export.attachment  # type: ignore[misc]
    assert name == FILE_NAME
    text = data.decode("utf-8")
    assert str(B) not in text
    document = json.loads(text)
    uid = await user_id_of(bot.core.db, tg(A))
    assert document["user_id"] == uid and document["user"]["id"] == uid
    assert [(i["channel"], i["external_id"]) for i in document["identities"]] == [
        ("telegram", str(A))
    ]
    assert document["user"]["status"] == "new_arrival"
    assert document["conversation"]["state"]["lang"] == "tr"
    assert [b["user_id"] for b in document["bookings"]] == [uid]
    assert len(document["course_subscriptions"]) == 1
    assert document["course_subscriptions"][0]["course"]["code"]
    assert len(document["match_subscriptions"]) == 1
    (case,) = document["cases"]
    assert case["group_messages"] and {a["action"] for a in case["counsellor_actions"]} == {
        "relay",
        "confirm",
    }
    assert all("actor_id" not in a for a in case["counsellor_actions"])  # not the user's data
    kinds = {m["kind"] for m in document["messages"]}
    assert {
        "reminder",
        "course_start",
        "case",
        "relay_to_group",
        "relay_to_user",
        "to_user",
    } <= kinds
    assert [q["text"] for q in document["unanswered_questions"]] == [unanswered_of(A)]
    assert all("user_id" not in q for q in document["unanswered_questions"])
    texts = [m["payload"].get("text") for m in document["messages"]]
    assert question_of(A) in texts and question_of(B) not in texts
    assert "Bitte bringen Sie Ihren Pass mit." in texts
    # The summary is in the user's language; the current step follows.
    body = strip_controls(export.body)
    assert str(A) in body
    assert bot.core.text(Msg("Appointments: {n}", {"n": 1}), "tr") in body
    assert answer.replies[-1].options  # the step the user was at, again
    again = await bot.core.current(tg(A))
    assert again.step == answer.step


def test_mydata_is_an_effect_that_keeps_the_step(ctx: Ctx) -> None:
    asked = handle(State(step="status", lang="de", consent=True), CommandIn("mydata"), ctx)
    assert asked.effects == (EXPORT,) and asked.replies == ()
    assert asked.state == State(step="status", lang="de", consent=True)


async def test_the_terminal_saves_the_file(app: Wegweiser, tmp_path: Path) -> None:
    out: list[str] = []
    await chat(
        app, user_id=78, stdin=io.StringIO("1\n/mydata\n/quit\n"), out=out.append, files=tmp_path
    )
    saved = tmp_path / FILE_NAME
    assert json.loads(saved.read_text(encoding="utf-8"))["user"]["language"] == "de"
    assert app.text(Msg(TERMINAL_FILE_SAVED, {"path": str(saved)}), "de") in out


async def test_mydata_of_an_unknown_user_says_nothing_is_stored(app: Wegweiser) -> None:
    answer = await app.handle(tg(99), CommandIn("mydata"), client_language="de")
    export = next(r for r in answer.replies if r.attachment is not None)
    assert strip_controls(export.body) == app.text(Msg(NOTHING), "de")
    assert json.loads(export.attachment[1])["user"] is None  # type: ignore[index]


async def test_delete_leaves_no_trace_of_the_user_in_any_table(bot: Bot) -> None:
    await live(bot, A, "ar")
    await live(bot, B, "ru")
    before = await snapshot(bot.core, B)
    assert mentions(await everything(bot.core.db), A)
    gone_id = await user_id_of(bot.core.db, tg(A))
    assert gone_id is not None
    await bot.core.handle(tg(A), CommandIn("delete"))
    erased = await press(bot.core, A, "erase")
    assert erased.step == "language"
    await assert_forgotten(bot.core, A, B, gone_id)
    assert await snapshot(bot.core, B) == before
    async with bot.core.db.sessions() as session:
        # The counsellors' group is told that A's case ended (no personal data in it).
        closing = list(
            await session.scalars(select(OutboxRow).where(OutboxRow.kind == "case_closed"))
        )
        assert len(closing) == 1
    await bot.dispatcher.run_once()  # and it goes out without trouble
    await assert_forgotten(bot.core, A, B, gone_id)


async def test_purge_erases_only_users_inactive_longer_than_the_setting(bot: Bot) -> None:
    await live(bot, A, "fa")
    await live(bot, B, "ro")
    gone_id = await user_id_of(bot.core.db, tg(A))
    assert gone_id is not None
    bot.clock.now = FIXED_NOW + timedelta(days=100)
    await bot.core.handle(tg(B), CommandIn("help"))  # B is still around
    before = await snapshot(bot.core, B)
    bot.clock.now = FIXED_NOW + timedelta(days=180)
    assert await bot.core.purge_inactive() == 0  # exactly 180 days: not yet
    bot.clock.now = FIXED_NOW + timedelta(days=181)
    assert await bot.core.purge_inactive() == 1
    assert await bot.core.purge_inactive() == 0
    await assert_forgotten(bot.core, A, B, gone_id)
    assert await snapshot(bot.core, B) == before
    async with bot.core.db.sessions() as session:
        purge = (await session.scalars(select(AuditRow).where(AuditRow.action == "purge"))).one()
        assert purge.detail == "1 users, 180 days"


async def test_every_handled_update_counts_as_activity(app: Wegweiser) -> None:
    await app.handle(tg(11), CommandIn("start"))
    await app.handle(tg(12), CommandIn("start"))
    app.clock = lambda: FIXED_NOW + timedelta(days=150)
    await app.handle(tg(12), TextIn("hallo"))
    eleven, twelve = await user_id_of(app.db, tg(11)), await user_id_of(app.db, tg(12))
    assert await app.purge_inactive(FIXED_NOW + timedelta(days=200)) == 1
    async with app.db.sessions() as session:
        assert await session.get(User, eleven) is None
        assert await session.get(User, twelve) is not None


async def test_the_daily_job_purges(app: Wegweiser) -> None:
    await app.handle(tg(13), CommandIn("start"))
    uid = await user_id_of(app.db, tg(13))
    app.clock = lambda: FIXED_NOW + timedelta(days=181)
    context = SimpleNamespace(bot_data=SimpleNamespace(core=app))
    await purge_job(context)  # type: ignore[arg-type]
    async with app.db.sessions() as session:
        assert await session.get(User, uid) is None


@pytest.mark.parametrize("value", ["0", "-5", "abc", "3651", "1.5"])
def test_inactivity_days_must_be_a_positive_number(value: str) -> None:
    assert load_settings({}, None).inactivity_days == 180
    assert load_settings({"INACTIVITY_DAYS": "30"}, None).inactivity_days == 30
    with pytest.raises(ConfigError) as info:
        load_settings({"INACTIVITY_DAYS": value}, None)
    assert [p.split(":")[0] for p in info.value.problems] == ["INACTIVITY_DAYS"]


def test_cli_purge_runs_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/w.db")
    monkeypatch.setenv("INACTIVITY_DAYS", "30")
    for name in ("BOT_TOKEN", "COUNSELLOR_CHAT_ID", "ADMIN_IDS"):
        monkeypatch.delenv(name, raising=False)
    assert main(["purge"]) == 0
    assert "0 users erased after 30 days without a message" in capsys.readouterr().out


@pytest.mark.e2e
async def test_mydata_and_delete_through_telegram(fake: FakeBotApi, db_url: str) -> None:
    settings = settings_for(db_url, BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.url)
    core = Wegweiser(settings, Database(db_url), clock=lambda: FIXED_NOW)
    application = build_application(settings, core)
    await start_polling(application, timeout=1)
    try:
        user = TgUser(fake, A, language_code="uk")
        await user.say("/start")
        for key in ("uk", "agree", "new_arrival", "no", "27_plus"):
            await user.press(key)
        answer = await user.say("/mydata")
        (document,) = [m for m in answer if m.get("method") == "sendDocument"]
        assert document["upload"].filename == FILE_NAME
        data = json.loads(document["upload"].data.decode("utf-8"))
        assert data["identities"][0]["external_id"] == str(A)
        assert data["user"]["language"] == "uk"
        assert data["conversation"]["state"]["answers"]["status"] == "new_arrival"
        summary = strip_controls(texts(answer))
        assert core.text(Msg("Telegram ID: {id}", {"id": str(A)}), "uk") in summary
        assert "/delete" in summary

        await user.say("/delete")
        message_id, button = user.button_data("erase")
        before = fake.message_count(A)
        fake.press_button(A, message_id, button, language_code="uk")
        await fake.await_messages(A, before + 1)
        done = core.text(
            Msg("Everything about you has been deleted. Send /start to begin again."), "uk"
        )
        assert fake.sent_messages(A)[-1]["text"] == done
        assert mentions(await everything(core.db), A) == []
    finally:
        await stop_polling(application)
