"""End to end: a newcomer finds and follows a course in their language, gets the reminder at the
right time, hears of a change from a re-imported plan, and stops the reminders."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.courses.csvfile import read_courses
from bot.delivery.dispatcher import Dispatcher
from bot.i18n.bidi import strip_controls
from bot.i18n.catalogs import Catalogs
from tests.fakeapi import FakeBotApi
from tests.support.people import person
from tests.test_booking_e2e import running
from tests.tgclient import User

pytestmark = pytest.mark.e2e
SAMPLE = Path(__file__).resolve().parents[1] / "bot/content/packs/stuttgart/courses.sample.csv"


def texts(fake: FakeBotApi, chat: int) -> list[str]:
    return [strip_controls(str(m["text"])) for m in fake.sent_messages(chat)]


@pytest.mark.parametrize("lang", ["uk", "ar", "tr"])
async def test_find_follow_remind_change_stop(
    fake: FakeBotApi, db_url: str, catalogs: Catalogs, lang: str
) -> None:
    async with running(fake, db_url) as bot:
        async with bot.core.db.transaction() as session:
            await bot.core.catalogue.import_courses(
                session, read_courses(SAMPLE.read_text("utf-8")), source="sample", now=bot.clock.now
            )
        chat = 9300
        user = User(fake, chat, language_code=lang)
        await user.say("/start")
        for key in (lang, "agree", "new_arrival", "no", "27_plus"):
            await user.press(key)
        shown = await user.press("courses")
        page = strip_controls(str(shown[-1]["text"]))
        assert "Königstraße 10, 70173 Stuttgart" in page  # provider data as written
        assert "JIK-2027-01" not in page  # no youth course at 27+
        follow = next(d.split(":", 1)[1] for _l, d in fake.buttons(shown[-1]) if ":follow" in d)
        await user.press(follow)

        dispatcher: Dispatcher = bot.app.bot_data.dispatcher
        dispatcher.limits.now = lambda: bot.clock.now.timestamp()
        before = len(texts(fake, chat))
        bot.clock.now = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)  # 7 days before, 08:30 local
        await dispatcher.run_once()
        reminder = texts(fake, chat)[before:]
        seven = catalogs.ngettext(
            lang,
            "Your course starts in {n} day, on {day}, at {time}.",
            "Your course starts in {n} days, on {day}, at {time}.",
            7,
        )
        assert len(reminder) == 1 and strip_controls(seven.split("{n}")[0]).strip() in reminder[0]
        stop_button = fake.buttons(fake.sent_messages(chat)[-1])
        assert stop_button and stop_button[0][1].startswith("u:c:")

        # The provider moves the start by a week: the follower is told.
        moved = SAMPLE.read_text("utf-8").replace("2026-12-01;2027-06-30", "2026-12-08;2027-07-07")
        async with bot.core.db.transaction() as session:
            report = await bot.core.catalogue.import_courses(
                session, read_courses(moved), source="update", now=bot.clock.now
            )
        assert report.changed == 1
        bot.clock.now = bot.clock.now.replace(minute=31)  # past the one-per-second chat limit
        await dispatcher.run_once()
        changed = catalogs.gettext(lang, "A course you follow has changed:")
        assert strip_controls(changed) in texts(fake, chat)[-1]

        # "Stop these reminders": no more messages about this course.
        message = fake.sent_messages(chat)[-1]
        count = len(texts(fake, chat))
        fake.press_button(
            chat, int(message["message_id"]), fake.buttons(message)[0][1], language_code=lang
        )
        await fake.await_for(lambda: len(texts(fake, chat)) > count)
        assert (
            strip_controls(
                catalogs.gettext(lang, "Stopped. You will not get these messages any more.")
            )
            in texts(fake, chat)[-1]
        )
        bot.clock.now = datetime(2026, 12, 7, 7, 30, tzinfo=UTC)  # the day before the new start
        await dispatcher.run_once()
        assert len(texts(fake, chat)) == count + 1
        answer = await user.say("/reminders")
        assert strip_controls(
            catalogs.gettext(lang, "You do not get any reminders.")
        ) in strip_controls(str(answer[-1]["text"]))


async def test_admins_add_edit_and_cancel_courses_in_telegram(
    fake: FakeBotApi, db_url: str, catalogs: Catalogs
) -> None:
    admin = 9500
    async with running(fake, db_url, ADMIN_IDS=str(admin)) as bot:
        row = (
            "Testträger;T-1;general;A1;2027-02-01;2027-07-30;Mo-Fr;09:00;12:00;"
            "Weg 1, 70173 Stuttgart;Stuttgart-Mitte;;;;nein;5;Telefon 0711 1;"
        )
        fake.send_command(admin, f"/course_add {row}", language_code="de")
        fake.send_command(admin, "/course_add kaputt;T-2", language_code="de")
        await fake.await_messages(admin, 2)
        replies = [str(m["text"]) for m in fake.sent_messages(admin)]
        assert "1 added" in replies[0]
        assert "column missing" in replies[1] or "is empty" in replies[1]
        fake.send_command(admin, f"/course_add {row.replace(';5;', ';2;')}", language_code="de")
        fake.send_command(admin, "/course_list Testträger", language_code="de")
        await fake.await_messages(admin, 4)
        replies = [str(m["text"]) for m in fake.sent_messages(admin)]
        assert "1 updated" in replies[2]
        course_id = int(replies[3].split("#")[1].split()[0])

        # A follower hears of the cancellation.
        await person(bot.core.db, 9600)
        async with bot.core.db.transaction() as session:
            await bot.core.catalogue.follow(
                session, user_id=9600, course_id=course_id, language="fa", now=bot.clock.now
            )
        fake.send_command(admin, f"/course_cancel {course_id}", language_code="de")
        await fake.await_messages(admin, 5)
        assert "cancelled" in str(fake.sent_messages(admin)[-1]["text"])
        await fake.await_messages(9600, 1)
        cancelled = catalogs.gettext("fa", "A course you follow has been cancelled:")
        assert strip_controls(cancelled) in strip_controls(
            str(fake.sent_messages(9600)[-1]["text"])
        )

        # Not an admin: the command does not exist for them.
        stranger = User(fake, 9700, language_code="de")
        answer = await stranger.say(f"/course_cancel {course_id}")
        assert "/course_cancel" in str(answer[0]["text"])


async def test_admins_keep_faq_answers_current_in_telegram(fake: FakeBotApi, db_url: str) -> None:
    admin, other = 9800, 9810
    async with running(fake, db_url, ADMIN_IDS=f"{admin},{other}") as bot:
        fake.send_command(admin, "/faq_status course-cost", language_code="de")
        await fake.await_messages(admin, 1)
        assert "uk: machine" in str(fake.sent_messages(admin)[-1]["text"])
        new = "Der Kurs kostet 2,29 € pro Unterrichtseinheit; mit Bürgergeld oft kostenlos."
        fake.send_command(admin, f"/faq_set course-cost de {new}", language_code="de")
        await fake.await_messages(admin, 3)  # the reply and the notice to every admin
        assert any("outdated now" in str(m["text"]) for m in fake.sent_messages(admin))
        # Every admin is told which translations are now outdated.
        await fake.await_messages(other, 1)
        assert "course-cost" in strip_controls(str(fake.sent_messages(other)[-1]["text"]))
        assert bot.core.faq is not None
        answer = bot.core.faq.answer("course-cost", "uk")
        assert answer is not None and answer.outdated  # shown, but marked
        # A user's unanswered question is kept without identity, admins can read it.
        user = User(fake, 9820, language_code="de")
        await user.say("/start")
        await user.say("qwrtzp blorf vmxk")
        fake.send_command(admin, "/faq_unanswered", language_code="de")
        await fake.await_for(lambda: "qwrtzp" in str(fake.sent_messages(admin)[-1]["text"]))
        # Not an admin: unknown command.
        answer_msgs = await user.say("/faq_list")
        assert "/faq_list" in str(answer_msgs[0]["text"])
