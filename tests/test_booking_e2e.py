"""End to end through the fake Bot API: a newcomer books, the counsellors' group gets the case,
the counsellor and the newcomer talk through the bot, strangers are refused, reminders arrive."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot.app.conversation import Wegweiser
from bot.channels.telegram.app import build_application, start_polling, stop_polling
from bot.core.messages import Msg, When
from bot.core.text import split_for_relay
from bot.delivery.compose import REMINDER, REMINDER_TODAY, REMINDER_TOMORROW
from bot.delivery.dispatcher import Dispatcher
from bot.i18n.bidi import strip_controls
from bot.i18n.catalogs import Catalogs
from bot.storage.db import Database
from bot.storage.models import AuditRow, BookingRow, CaseMessageRow
from tests.conftest import FIXED_NOW, settings_for
from tests.fakeapi import FakeBotApi
from tests.tgclient import User, texts

pytestmark = pytest.mark.e2e
GROUP = -1001234567
BERLIN = ZoneInfo("Europe/Berlin")
COUNSELLOR = 7770
STRANGER = 6660


class MovableClock:
    def __init__(self) -> None:
        self.now = FIXED_NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Bot:
    core: Wegweiser
    app: Application  # type: ignore[type-arg]
    clock: MovableClock


@asynccontextmanager
async def running(fake: FakeBotApi, db_url: str, **env: str) -> AsyncIterator[Bot]:
    """The real Application against the fake, with a clock the test moves."""
    settings = settings_for(db_url, BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.url, **env)
    clock = MovableClock()
    core = Wegweiser(settings, Database(db_url), clock=clock)
    application = build_application(settings, core)
    await start_polling(application, timeout=1)
    try:
        yield Bot(core, application, clock)
    finally:
        await stop_polling(application)


@pytest.fixture()
async def bot(fake: FakeBotApi, db_url: str) -> AsyncIterator[Bot]:
    # The counsellors' group is a forum supergroup; a stranger is not a member.
    fake.send_text(GROUP, "Willkommen", user_id=COUNSELLOR, message_thread_id=1, language_code="de")
    fake.set_chat_member(GROUP, STRANGER, status="left")
    async with running(fake, db_url, COUNSELLOR_CHAT_ID=str(GROUP)) as started:
        yield started


def group_texts(fake: FakeBotApi, thread: int | None = None) -> list[dict[str, object]]:
    return [
        m
        for m in fake.sent_messages(GROUP)
        if thread is None or m.get("message_thread_id") == thread
    ]


async def book(user: User, lang: str) -> list[dict[str, object]]:
    await user.say("/start")
    for key in (lang, "agree", "new_arrival", "no", "27_plus", "book", "mbe"):
        days = await user.press(key)
    day = next(d.split(":", 1)[1] for _l, d in user.fake.buttons(days[-1]) if ":d" in d)
    times = await user.press(day)
    slot = next(d.split(":", 1)[1] for _l, d in user.fake.buttons(times[-1]) if ":s" in d)
    return await user.press(slot)


@pytest.mark.parametrize("lang", ["tr", "ar", "uk"])
async def test_newcomer_books_and_talks_to_a_counsellor(
    fake: FakeBotApi, bot: Bot, catalogs: Catalogs, lang: str
) -> None:
    user = User(fake, 8100, language_code=lang)
    booked = await book(user, lang)
    # Confirmation with the calendar file, in the newcomer's language and in German for the desk.
    documents = [m for m in fake.sent_messages(8100) if m.get("method") == "sendDocument"]
    assert len(documents) == 1
    confirmation = strip_controls(texts(booked))
    assert "Migrationsberatung für erwachsene Zugewanderte, MBE" in confirmation
    assert "Montag, 23. November 2026" in confirmation

    # The group gets a forum topic with the German summary and the case buttons.
    await fake.await_for(lambda: len(fake.topics(GROUP)) == 1)
    thread = fake.topics(GROUP)[0]["message_thread_id"]
    await fake.await_for(lambda: len(group_texts(fake, thread)) >= 1)
    summary = group_texts(fake, thread)[0]
    assert "Fall #1" in str(summary["text"])
    assert catalogs.gettext("de", "New case") in str(summary["text"])
    actions = {d.split(":")[2] for _l, d in fake.buttons(summary)}
    assert actions == {"confirm", "propose", "attended", "noshow", "checkin", "close"}

    # A stranger's button press and message are refused and change nothing.
    before = fake.message_count(8100)
    confirm = next(d for _l, d in fake.buttons(summary) if d.endswith(":confirm"))
    fake.press_button(GROUP, int(summary["message_id"]), confirm, user_id=STRANGER)
    fake.send_text(GROUP, "I am not a counsellor", user_id=STRANGER, message_thread_id=thread)
    await fake.await_for(
        lambda: any(
            c.method == "answerCallbackQuery" and c.params.get("show_alert") for c in fake.calls
        )
    )

    # The counsellor confirms: the newcomer is told in their language.
    fake.press_button(GROUP, int(summary["message_id"]), confirm, user_id=COUNSELLOR)
    await fake.await_messages(8100, before + 1)
    async with bot.core.db.sessions() as session:
        start = (await session.execute(select(BookingRow))).scalar_one().starts_at
    when = When(start.replace(tzinfo=UTC))
    expected = bot.core.text(Msg("Your appointment on {when} is confirmed.", {"when": when}), lang)
    assert fake.sent_messages(8100)[-1]["text"] == expected

    # The counsellor writes in the topic; the newcomer reads it as "your counsellor".
    fake.send_text(
        GROUP, "Bitte bringen Sie Ihren Pass mit.", user_id=COUNSELLOR, message_thread_id=thread
    )
    await fake.await_messages(8100, before + 2)
    relayed = fake.sent_messages(8100)[-1]
    assert "Bitte bringen Sie Ihren Pass mit." in str(relayed["text"])
    assert strip_controls(catalogs.gettext(lang, "Your counsellor:")) in strip_controls(
        str(relayed["text"])
    )
    # The counsellor's id is in no field (the send time and message id are numbers that may
    # contain its digits by chance).
    fields = {k: v for k, v in relayed.items() if k not in ("date", "message_id")}
    assert str(COUNSELLOR) not in str(fields)

    # The newcomer answers; it lands in the topic, marked with their language.
    in_topic = len(group_texts(fake, thread))
    await user.say_raw("Tamam, teşekkürler")
    await fake.await_for(lambda: len(group_texts(fake, thread)) > in_topic)
    note = group_texts(fake, thread)[-1]
    assert "Tamam, teşekkürler" in str(note["text"]) and f"({lang})" not in str(note["text"])
    assert lang in str(note["text"])

    # The stranger's attempts were refused and written to the audit log.
    async with bot.core.db.sessions() as session:
        audit = [(a.role, a.action) for a in (await session.execute(select(AuditRow))).scalars()]
    assert ("stranger", "refused-button") in audit
    assert ("stranger", "refused-message") in audit
    assert ("counsellor", "confirm") in audit and ("counsellor", "relay") in audit
    relayed_texts = [str(m["text"]) for m in fake.sent_messages(8100)]
    assert not any("I am not a counsellor" in t for t in relayed_texts)

    # /close in the topic ends the relay and the newcomer is told.
    count = fake.message_count(8100)
    fake.send_command(GROUP, "/close", user_id=COUNSELLOR, message_thread_id=thread)
    await fake.await_messages(8100, count + 1)
    assert "/start" in strip_controls(str(fake.sent_messages(8100)[-1]["text"]))
    await fake.await_for(lambda: bool(fake.topics(GROUP)[0].get("closed")))


async def test_long_relays_arrive_whole_in_several_messages(
    fake: FakeBotApi, bot: Bot, catalogs: Catalogs
) -> None:
    user = User(fake, 8150, language_code="de")
    await user.say("/start")
    for key in ("de", "agree", "new_arrival", "no", "27_plus"):
        await user.press(key)
    await user.press("person")
    await fake.await_for(lambda: len(fake.topics(GROUP)) == 1)
    thread = fake.topics(GROUP)[0]["message_thread_id"]
    # A counsellor answers once the case's summary is in its topic (the bot links the topic
    # to the case before it posts the summary there).
    await fake.await_for(lambda: bool(group_texts(fake, thread)))
    # 4,000 characters that escaping more than doubles, both ways through the bot.
    long_text = "Sie & ich <Termin> " * 200
    pieces = len(split_for_relay(long_text))
    assert pieces == 2
    before = fake.message_count(8150)
    fake.send_text(GROUP, long_text, user_id=COUNSELLOR, message_thread_id=thread)
    await fake.await_for(lambda: fake.message_count(8150) >= before + 1, 20)
    bot.clock.now += timedelta(seconds=pieces)  # the pieces are due a second apart
    await fake.await_for(lambda: fake.message_count(8150) >= before + pieces, 20)
    relayed = fake.sent_messages(8150)[before:]
    heading = catalogs.gettext("de", "Your counsellor:")
    bodies = [str(m["text"]).split(heading, 1)[1].lstrip("\n") for m in relayed]
    assert "".join(bodies) == long_text  # in order, nothing cut (the fake checks 4,096)
    in_topic = len(group_texts(fake, thread))
    await user.say_raw(long_text)
    await fake.await_for(lambda: len(group_texts(fake, thread)) >= in_topic + 1, 20)
    bot.clock.now += timedelta(seconds=pieces)
    await fake.await_for(lambda: len(group_texts(fake, thread)) >= in_topic + pieces, 20)
    notes = group_texts(fake, thread)[in_topic:]
    assert "".join(str(m["text"]).split("\n", 1)[1] for m in notes) == long_text.strip()


async def test_cancel_and_reschedule_reach_the_group(
    fake: FakeBotApi, bot: Bot, catalogs: Catalogs
) -> None:
    user = User(fake, 8200, language_code="uk")
    await book(user, "uk")
    days = await user.press("reschedule")
    day = [d.split(":", 1)[1] for _l, d in fake.buttons(days[-1]) if ":d" in d][1]
    times = await user.press(day)
    slot = next(d.split(":", 1)[1] for _l, d in fake.buttons(times[-1]) if ":s" in d)
    await user.press(slot)
    await user.press("cancel")
    changed = catalogs.gettext("de", "Appointment changed")
    cancelled = catalogs.gettext("de", "Appointment cancelled")

    def told() -> str:
        return "\n".join(str(m["text"]) for m in group_texts(fake))

    await fake.await_for(lambda: changed in told() and cancelled in told())
    async with bot.core.db.sessions() as session:
        statuses = sorted(b.status for b in (await session.execute(select(BookingRow))).scalars())
    assert statuses == ["cancelled", "cancelled"]


async def test_reminders_arrive_once_at_24_and_2_hours(
    fake: FakeBotApi, bot: Bot, catalogs: Catalogs
) -> None:
    user = User(fake, 8300, language_code="ro")
    await book(user, "ro")
    async with bot.core.db.sessions() as session:
        booking = (await session.execute(select(BookingRow))).scalar_one()
    start = booking.starts_at.replace(tzinfo=UTC)
    # The text names the day as seen when it is sent: "today", "tomorrow" or the date.
    heads = {
        strip_controls(catalogs.gettext("ro", text).split("{")[0]).strip()
        for text in (REMINDER, REMINDER_TODAY, REMINDER_TOMORROW)
    }

    def reminders() -> int:
        return sum(
            any(head in strip_controls(str(m["text"])) for head in heads)
            for m in fake.sent_messages(8300)
        )

    dispatcher: Dispatcher = bot.app.bot_data.dispatcher
    dispatcher.limits.now = lambda: bot.clock.now.timestamp()  # Telegram's limits on our clock
    bot.clock.now = start - timedelta(hours=24, minutes=1)
    await dispatcher.run_once()
    assert reminders() == 0  # not due yet
    bot.clock.now = start - timedelta(hours=24)
    await dispatcher.run_once()
    assert reminders() == 1
    # Two hours before, unless that is in the quiet hours (until 08:00): then at 08:00.
    two_hours = start - timedelta(hours=2)
    morning = datetime.combine(
        start.astimezone(BERLIN).date(), time(8, 0), tzinfo=BERLIN
    ).astimezone(UTC)
    bot.clock.now = two_hours
    await dispatcher.run_once()
    assert reminders() == (2 if two_hours >= morning else 1)
    bot.clock.now = max(two_hours, morning)
    await dispatcher.run_once()
    assert reminders() == 2
    for minutes in (1, 2, 3):
        bot.clock.now = max(two_hours, morning) + timedelta(minutes=minutes)
        await dispatcher.run_once()
    assert reminders() == 2  # each reminder once
    # Both reminders say where to go.
    address = bot.core.content.points[booking.point].details["address"].value
    sent = [
        strip_controls(str(m["text"]))
        for m in fake.sent_messages(8300)
        if any(head in strip_controls(str(m["text"])) for head in heads)
    ]
    assert len(sent) == 2 and all(address in text for text in sent)


async def test_admin_commands_need_the_admin_role(fake: FakeBotApi, db_url: str) -> None:
    admin_id, other = 9100, 9200
    async with running(fake, db_url, ADMIN_IDS=str(admin_id)) as bot:
        core = bot.core
        stranger = User(fake, other, language_code="de")
        answer = await stranger.say("/capacity mbe 0")
        assert "/capacity" in answer[0]["text"]  # "I do not know the command /capacity."
        fake.send_command(admin_id, "/capacity mbe 0", language_code="de")
        fake.send_command(admin_id, "/close jmd 2026-11-23 Teamtag", language_code="de")
        fake.send_command(admin_id, "/close nowhere 2026-11-23", language_code="de")
        await fake.await_messages(admin_id, 3)
        replies = [str(m["text"]) for m in fake.sent_messages(admin_id)]
        assert "capacity of mbe is now 0" in replies[0]
        assert "jmd is closed on 2026-11-23" in replies[1]
        assert "unknown point 'nowhere'" in replies[2]
        async with core.db.sessions() as session:
            free = await core.appointments.availability(session, core.content, FIXED_NOW)
            audit = [a.action for a in (await session.execute(select(AuditRow))).scalars()]
        assert free["mbe"] == ()
        assert all(s.start.date() != datetime(2026, 11, 23).date() for s in free["jmd"])
        assert audit == ["capacity", "close"]


async def _await_link(core: Wegweiser, chat_id: int, message_id: int) -> None:
    for _ in range(200):
        async with core.db.sessions() as session:
            if await session.get(CaseMessageRow, (chat_id, message_id)) is not None:
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"message {message_id} was never linked to a case")


async def test_plain_group_without_topics_uses_reply_threads(fake: FakeBotApi, db_url: str) -> None:
    plain = -1007000
    fake.send_text(plain, "Hallo", user_id=COUNSELLOR)  # a supergroup without topics
    async with running(fake, db_url, COUNSELLOR_CHAT_ID=str(plain)) as bot:
        user = User(fake, 8400, language_code="ru")
        await user.say("/start")
        for key in ("ru", "agree", "buergergeld", "under_27"):
            await user.press(key)
        await user.press("person")  # "talk to a person" opens a case
        await fake.await_for(lambda: len(fake.sent_messages(plain)) >= 1)
        summary = fake.sent_messages(plain)[0]
        assert fake.topics(plain) == [] and "message_thread_id" not in summary
        # The bot links the summary to its case just after Telegram answers the send;
        # a reply faster than that is not routed, so wait for the link as a person would.
        await _await_link(bot.core, plain, int(summary["message_id"]))
        before = fake.message_count(8400)
        fake.send_reply(
            plain, int(summary["message_id"]), "Здравствуйте! Чем помочь?", user_id=COUNSELLOR
        )
        await fake.await_messages(8400, before + 1)
        assert "Чем помочь?" in str(fake.sent_messages(8400)[-1]["text"])
        # The newcomer's answer goes to the group as a reply to the case.
        await user.say_raw("Мне нужен курс")
        await fake.await_for(lambda: len(fake.sent_messages(plain)) >= 2)
        answer = fake.sent_messages(plain)[-1]
        assert "Мне нужен курс" in str(answer["text"])
        assert answer.get("reply_to_message", {}).get("message_id") == summary["message_id"]
