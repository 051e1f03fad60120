"""Check-ins: when they fall due (table), what an answer does (table), the wire format, and a
newcomer walked with an injected clock from booking through the visit, the course's first
week, half-way, the exams and after the course, on Telegram against the fake Bot API, in two
languages: each check-in once, none in quiet hours, none after "stop", a problem opens a case.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.content.model import CheckinRule
from bot.core import buttons
from bot.core.actions import CheckinReply
from bot.core.checkins import ANSWERS, Schedule
from bot.core.courses.csvfile import read_courses
from bot.core.events import CheckinIn, ChoiceIn, InvalidChoiceIn
from bot.core.state import State
from bot.delivery.dispatcher import Dispatcher
from bot.flows.base import CheckinAnswered, CheckinConsent, Ctx, OpenCase
from bot.flows.checkins import PASSED_ON, STOPPED, THANKS_WENT
from bot.flows.engine import handle
from bot.i18n.bidi import strip_controls
from bot.i18n.catalogs import Catalogs
from bot.storage.models import CheckinRow, CourseRow, StatsEventRow
from tests.fakeapi import FakeBotApi
from tests.test_booking_e2e import COUNSELLOR, GROUP, book, group_texts, running
from tests.tgclient import User

TZ = ZoneInfo("Europe/Berlin")
SAMPLE = Path(__file__).resolve().parents[1] / "bot/content/packs/stuttgart/courses.sample.csv"


def rule(kind: str, days: int = 0, at: str = "10:00", enabled: bool = True) -> CheckinRule:
    return CheckinRule(kind, days, time.fromisoformat(at), enabled, "text")  # type: ignore[arg-type]


SCHEDULE = Schedule(
    {
        "after_visit": rule("after_visit", 1),
        "no_course": rule("no_course", 14),
        "course_week": rule("course_week", 7, "17:00"),
        "course_half": rule("course_half", at="17:00"),
        "before_exam": rule("before_exam", 21, "17:00"),
        "after_course": rule("after_course", 7),
        "counsellor": rule("counsellor", 7),
    }
)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.mark.parametrize(
    ("visit", "expected"),
    [
        # A visit on a Monday morning: the next day at 10:00, and two weeks later.
        (
            local("2026-11-23T09:00"),
            {"after_visit": local("2026-11-24T10:00"), "no_course": local("2026-12-07T10:00")},
        ),
        # Late in the evening (UTC already the next day): the local day counts.
        (
            datetime(2026, 11, 23, 23, 30, tzinfo=UTC),
            {"after_visit": local("2026-11-25T10:00"), "no_course": local("2026-12-08T10:00")},
        ),
    ],
)
def test_visit_check_ins_fall_due_on_local_days(
    visit: datetime, expected: dict[str, datetime]
) -> None:
    assert SCHEDULE.after_visit(visit, TZ) == expected


@pytest.mark.parametrize(
    ("starts", "ends", "expected"),
    [
        (
            date(2026, 12, 7),
            date(2027, 5, 28),
            {
                "course_week": local("2026-12-14T17:00"),
                "course_half": local("2027-03-03T17:00"),
                "before_exam": local("2027-05-07T17:00"),
                "after_course": local("2027-06-04T10:00"),
            },
        ),
        # Without an end date: only the first week.
        (date(2026, 12, 7), None, {"course_week": local("2026-12-14T17:00")}),
        # A very short course: the middle is not after the first week, so no half-way one; the
        # exam note never before the start.
        (
            date(2026, 12, 7),
            date(2026, 12, 18),
            {
                "course_week": local("2026-12-14T17:00"),
                "before_exam": local("2026-12-07T17:00"),
                "after_course": local("2026-12-25T10:00"),
            },
        ),
    ],
)
def test_course_check_ins_fall_due_from_start_and_end(
    starts: date, ends: date | None, expected: dict[str, datetime]
) -> None:
    assert SCHEDULE.for_course(starts, ends, TZ) == expected


def test_a_switched_off_kind_is_not_planned() -> None:
    off = Schedule({**SCHEDULE.rules, "after_visit": rule("after_visit", 1, enabled=False)})
    assert set(off.after_visit(local("2026-11-23T09:00"), TZ)) == {"no_course"}
    assert Schedule({}).by_counsellor(local("2026-11-23T09:00"), TZ) is None
    assert SCHEDULE.by_counsellor(local("2026-11-23T09:00"), TZ) == local("2026-11-30T10:00")


@pytest.mark.parametrize("answer", ANSWERS)
def test_every_answer_survives_the_wire_and_fits_telegram(answer: str) -> None:
    data = buttons.action(CheckinReply(123456789, answer))  # type: ignore[arg-type]
    assert len(data.encode()) <= 64
    assert buttons.read(data) == CheckinReply(123456789, answer)  # type: ignore[arg-type]


@pytest.mark.parametrize("data", ["k:1:nonsense", "k:x:fine", "k:1", "k:-1:fine", "k:1:fine:x"])
def test_forged_check_in_buttons_are_refused(data: str) -> None:
    assert isinstance(buttons.read(data), InvalidChoiceIn)


@pytest.mark.parametrize(
    ("answer", "step", "effects", "desk"),
    [
        ("went", "result", [CheckinAnswered(7, "went")], True),
        ("fine", "result", [CheckinAnswered(7, "fine")], True),
        ("notneeded", "result", [CheckinAnswered(7, "notneeded")], True),
        ("stop", "result", [CheckinAnswered(7, "stop"), CheckinConsent(False)], True),
        ("missed", "book_point", [CheckinAnswered(7, "missed")], True),
        ("rebook", "book_point", [CheckinAnswered(7, "rebook")], True),
        ("courses", "courses", [CheckinAnswered(7, "courses")], True),
        ("problems", "checkin_reason", [CheckinAnswered(7, "problems")], True),
        ("person", "menu", [CheckinAnswered(7, "person"), OpenCase("checkin")], True),
        ("person", "menu", [CheckinAnswered(7, "person")], False),
        ("r_child", "menu", [CheckinAnswered(7, "r_child"), OpenCase("checkin")], True),
        ("r_money", "menu", [CheckinAnswered(7, "r_money")], False),
    ],
)
def test_what_an_answer_does(
    ctx: Ctx, answer: str, step: str, effects: list[object], desk: bool
) -> None:
    state = State(step="result", lang="en", consent=True, answers=_answers())
    outcome = handle(state, CheckinIn(7, answer), replace(ctx, counselling_available=desk))  # type: ignore[arg-type]
    assert outcome.state.step == step
    assert list(outcome.effects) == effects
    assert outcome.replies  # always a word back


def test_an_answer_before_consent_changes_nothing(ctx: Ctx) -> None:
    state = State(step="privacy", lang="en")
    outcome = handle(state, CheckinIn(7, "stop"), ctx)
    assert outcome.state.step == "privacy" and not outcome.effects


def test_a_reason_is_asked_then_passed_on(ctx: Ctx) -> None:
    state = State(step="result", lang="en", consent=True, answers=_answers())
    asked = handle(state, CheckinIn(9, "problems"), replace(ctx, counselling_available=True))
    keys = [o.key for o in asked.replies[-1].options]
    assert keys[:5] == ["r_time", "r_child", "r_level", "r_money", "r_other"]
    chosen = handle(
        asked.state,
        ChoiceIn("r_level", asked.state.version),
        replace(ctx, counselling_available=True),
    )
    assert list(chosen.effects) == [CheckinAnswered(9, "r_level"), OpenCase("checkin")]
    assert chosen.state.step == "menu" and "checkin" not in chosen.state.answers


def _answers() -> dict[str, str]:
    return {"status": "new_arrival", "benefits": "no", "age": "27_plus"}


# The whole accompaniment, on Telegram with a clock the test moves.


def checkin_messages(fake: FakeBotApi, chat: int) -> list[dict[str, Any]]:
    return [
        m for m in fake.sent_messages(chat) if any(d.startswith("k:") for _l, d in fake.buttons(m))
    ]


async def answer(fake: FakeBotApi, user: User, message: dict[str, Any], what: str) -> list[str]:
    data = next(d for _l, d in fake.buttons(message) if d.endswith(f":{what}"))
    before = fake.message_count(user.chat_id)
    fake.press_button(user.chat_id, message["message_id"], data, language_code=user.language_code)
    await fake.await_messages(user.chat_id, before + 1)
    await fake.await_for(lambda: not fake.unanswered_callbacks(), 5)
    return [
        strip_controls(str(m.get("text", ""))) for m in fake.sent_messages(user.chat_id)[before:]
    ]


async def run_at(bot: Any, moment: datetime) -> None:
    """The dispatcher's runs at ``moment`` and a few seconds after (one message per chat and
    second: course reminders due at the same time go first)."""
    dispatcher: Dispatcher = bot.app.bot_data.dispatcher
    for step in range(6):
        bot.clock.now = moment.astimezone(UTC) + timedelta(seconds=2 * step)
        await dispatcher.run_once()


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["uk", "ar"])
async def test_a_newcomer_is_accompanied_from_booking_to_after_the_course(
    fake: FakeBotApi, db_url: str, catalogs: Catalogs, lang: str
) -> None:
    fake.send_text(GROUP, "Willkommen", user_id=COUNSELLOR, message_thread_id=1, language_code="de")
    async with running(fake, db_url, COUNSELLOR_CHAT_ID=str(GROUP), FLOOD_LIMIT="200/30") as bot:
        dispatcher: Dispatcher = bot.app.bot_data.dispatcher
        dispatcher.limits.now = lambda: bot.clock.now.timestamp()
        async with bot.core.db.transaction() as session:
            await bot.core.catalogue.import_courses(
                session, read_courses(SAMPLE.read_text("utf-8")), source="sample", now=bot.clock.now
            )
        chat = 9400 + len(lang)
        user = User(fake, chat, language_code=lang)
        booked = await book(user, lang)
        # Asked once, right under the confirmation.
        offer = catalogs.gettext(lang, "Yes, check in with me")
        labels = [strip_controls(label) for label, _d in fake.buttons(booked[-1])]
        assert strip_controls(offer) in labels
        await user.press("ci_yes")
        assert "ci_yes" not in str(fake.buttons(fake.sent_messages(chat)[-1]))  # not asked again

        # The day after the visit, 10:00 local: "did you go?", once.
        async with bot.core.db.sessions() as session:
            visit = (
                await session.scalars(select(CheckinRow).where(CheckinRow.kind == "after_visit"))
            ).one()
        due = visit.due_at.astimezone(TZ)
        assert due.time() == time(10, 0)
        await run_at(bot, due - timedelta(minutes=1))
        assert checkin_messages(fake, chat) == []
        await run_at(bot, due + timedelta(minutes=1))
        await run_at(bot, due + timedelta(minutes=30))
        first = checkin_messages(fake, chat)
        assert len(first) == 1
        keys = [d.rsplit(":", 1)[1] for _l, d in fake.buttons(first[0])]
        assert keys == ["went", "missed", "notneeded", "stop"]
        replied = await answer(fake, user, first[0], "went")
        thanks = catalogs.gettext(lang, THANKS_WENT)
        assert strip_controls(thanks) in replied[-1]

        # They follow a course: its check-ins are planned; "no course yet" will not come.
        shown = await user.say("/start")
        for key in (lang, "agree", "new_arrival", "no", "27_plus"):
            shown = await user.press(key)
        shown = await user.press("courses")
        follow = next(d.split(":", 1)[1] for _l, d in fake.buttons(shown[-1]) if ":follow" in d)
        await user.press(follow)
        async with bot.core.db.sessions() as session:
            planned = {
                r.kind: r
                for r in await session.scalars(
                    select(CheckinRow).where(CheckinRow.course_id.is_not(None))
                )
            }
            course = await session.get(CourseRow, next(iter(planned.values())).course_id)
        assert set(planned) == {"course_week", "course_half", "before_exam", "after_course"}
        assert course is not None

        # A week in: fine.
        await run_at(bot, planned["course_week"].due_at + timedelta(minutes=1))
        week = checkin_messages(fake, chat)[1:]
        assert len(week) == 1
        await answer(fake, user, week[0], "fine")

        # Half-way falls due at 17:00; the bot was down until 21:30 (quiet hours): it waits
        # for the morning.
        half_due = planned["course_half"].due_at.astimezone(TZ)
        await run_at(bot, half_due.replace(hour=21, minute=30))
        assert len(checkin_messages(fake, chat)) == 2
        await run_at(bot, (half_due + timedelta(days=1)).replace(hour=7, minute=30))
        assert len(checkin_messages(fake, chat)) == 2
        await run_at(bot, (half_due + timedelta(days=1)).replace(hour=8, minute=1))
        half = checkin_messages(fake, chat)[2:]
        assert len(half) == 1
        # Problems: childcare. The counsellors' topic gets a note with the history.
        await answer(fake, user, half[0], "problems")
        reasons = fake.sent_messages(chat)[-1]
        child = next(d for _l, d in fake.buttons(reasons) if d.endswith(":r_child"))
        in_topic = len(group_texts(fake))
        before = fake.message_count(chat)
        fake.press_button(chat, reasons["message_id"], child, language_code=lang)
        await fake.await_messages(chat, before + 1)
        passed = catalogs.gettext(lang, PASSED_ON)
        assert any(
            strip_controls(passed) in strip_controls(str(m.get("text")))
            for m in fake.sent_messages(chat)[before:]
        )
        await run_at(bot, bot.clock.now + timedelta(seconds=5))
        await fake.await_for(lambda: len(group_texts(fake)) > in_topic)
        note = strip_controls(str(group_texts(fake)[-1]["text"]))
        assert catalogs.gettext("de", "Childcare") in note
        assert catalogs.gettext("de", "Asks for help after a check-in") in note
        assert catalogs.gettext("de", "after the first visit") in note  # the history

        # Before the exams, and after the course.
        await run_at(bot, planned["before_exam"].due_at + timedelta(minutes=1))
        exam = checkin_messages(fake, chat)[3:]
        assert len(exam) == 1 and "DTZ" in strip_controls(str(exam[0]["text"]))
        await run_at(bot, planned["after_course"].due_at + timedelta(minutes=1))
        after = checkin_messages(fake, chat)[4:]
        assert len(after) == 1
        assert "(Berufssprachkurs)" in strip_controls(str(after[0]["text"]))

        # Each once, "no course yet" never (a course was followed), none in quiet hours.
        await run_at(bot, bot.clock.now + timedelta(days=30))
        sent = checkin_messages(fake, chat)
        assert len(sent) == 5
        async with bot.core.db.sessions() as session:
            counted = [
                e.detail
                for e in await session.scalars(
                    select(StatsEventRow).where(StatsEventRow.kind == "checkin")
                )
            ]
        assert sorted(counted) == sorted(
            ["after_visit:went", "course_week:fine", "course_half:problems", "course_half:r_child"]
        )


@pytest.mark.e2e
async def test_after_stop_no_check_in_comes(
    fake: FakeBotApi, db_url: str, catalogs: Catalogs
) -> None:
    async with running(fake, db_url) as bot:
        dispatcher: Dispatcher = bot.app.bot_data.dispatcher
        dispatcher.limits.now = lambda: bot.clock.now.timestamp()
        user = User(fake, 9500, language_code="tr")
        await book(user, "tr")
        await user.press("ci_yes")
        async with bot.core.db.sessions() as session:
            due = {r.kind: r.due_at for r in await session.scalars(select(CheckinRow))}
        await run_at(bot, due["after_visit"] + timedelta(minutes=1))
        [first] = checkin_messages(fake, 9500)
        replied = await answer(fake, user, first, "stop")
        stopped = catalogs.gettext("tr", STOPPED)
        assert strip_controls(stopped) in replied[-1]
        await run_at(bot, due["no_course"] + timedelta(minutes=1))
        await run_at(bot, due["no_course"] + timedelta(days=60))
        assert len(checkin_messages(fake, 9500)) == 1
        # A counsellor's check-in cannot be planned for someone who said stop.
        assert await _counsellor_plans(bot) is None


async def _counsellor_plans(bot: Any) -> datetime | None:
    async with bot.core.db.transaction() as session:
        user_id = (await session.scalars(select(CheckinRow.user_id))).first()
        return await bot.core.checkins.by_counsellor(session, user_id, bot.clock.now)


@pytest.mark.e2e
async def test_someone_who_says_no_gets_none_and_is_not_asked_again(
    fake: FakeBotApi, db_url: str
) -> None:
    async with running(fake, db_url) as bot:
        dispatcher: Dispatcher = bot.app.bot_data.dispatcher
        dispatcher.limits.now = lambda: bot.clock.now.timestamp()
        user = User(fake, 9600, language_code="de")
        await book(user, "de")
        await user.press("ci_no")
        async with bot.core.db.sessions() as session:
            assert (await session.scalars(select(CheckinRow))).all() == []
        await run_at(bot, bot.clock.now + timedelta(days=20))
        assert checkin_messages(fake, 9600) == []
        shown = await user.say("/appointments")
        key = next(d.split(":", 1)[1] for _l, d in fake.buttons(shown[-1]) if ":show" in d)
        again = await user.press(key)
        assert not any("ci_yes" in d for m in again for _l, d in fake.buttons(m))


@pytest.mark.e2e
async def test_a_missed_visit_gets_one_rebooking_offer_and_admins_switch_check_ins_off(
    fake: FakeBotApi, db_url: str, catalogs: Catalogs
) -> None:
    admin = 4242
    fake.send_text(GROUP, "Willkommen", user_id=COUNSELLOR, message_thread_id=1, language_code="de")
    env = {"COUNSELLOR_CHAT_ID": str(GROUP), "ADMIN_IDS": str(admin), "FLOOD_LIMIT": "200/30"}
    async with running(fake, db_url, **env) as bot:
        dispatcher: Dispatcher = bot.app.bot_data.dispatcher
        dispatcher.limits.now = lambda: bot.clock.now.timestamp()
        fake.send_command(admin, "/checkins off no_course", language_code="en")
        reply = await fake.await_messages(admin, 1)
        assert "no_course off" in str(reply[-1]["text"])
        user = User(fake, 9700, language_code="ro")
        await book(user, "ro")
        await user.press("ci_yes")
        async with bot.core.db.sessions() as session:
            due = {r.kind: r.due_at for r in await session.scalars(select(CheckinRow))}
        assert set(due) == {"after_visit"}  # "no course yet" is off

        # The visit passes; the counsellor marks it missed: one friendly offer, at once.
        await run_at(bot, due["after_visit"] - timedelta(hours=22))  # noon, not quiet
        await fake.await_for(lambda: any(fake.buttons(m) for m in group_texts(fake)))
        summary = next(m for m in group_texts(fake) if fake.buttons(m))
        noshow = next(d for _l, d in fake.buttons(summary) if d.endswith(":noshow"))
        for _ in range(2):  # a second press changes nothing
            queued = fake.press_button(GROUP, summary["message_id"], noshow, user_id=COUNSELLOR)
            query = str(queued["callback_query"]["id"])
            await fake.await_for(lambda q=query: fake.callback_answer(q) is not None)
        await run_at(bot, bot.clock.now + timedelta(seconds=1))
        offers = checkin_messages(fake, 9700)
        assert len(offers) == 1
        keys = [d.rsplit(":", 1)[1] for _l, d in fake.buttons(offers[0])]
        assert keys == ["rebook", "notneeded", "stop"]
        # "Did you go?" does not come after that.
        await run_at(bot, due["after_visit"] + timedelta(minutes=1))
        assert len(checkin_messages(fake, 9700)) == 1
        # One tap leads to the booking steps.
        data = next(d for _l, d in fake.buttons(offers[0]) if d.endswith(":rebook"))
        shown = await user.press_raw(offers[0]["message_id"], data)
        keys = {d.split(":", 1)[1] for m in shown for _l, d in fake.buttons(m)}
        assert {"mbe", "jmd"} & keys

        # /delete erases the check-ins with everything else.
        await user.say("/delete")
        message_id, erase = user.button_data("erase")
        before = fake.message_count(9700)
        fake.press_button(9700, message_id, erase, language_code="ro")
        await fake.await_messages(9700, before + 1)
        async with bot.core.db.sessions() as session:
            assert (await session.scalars(select(CheckinRow))).all() == []
