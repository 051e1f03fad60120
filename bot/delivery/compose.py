"""What each kind of outbox message says, rendered when it is sent, in its reader's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.content.model import Content
from bot.core.courses.cards import card
from bot.core.labels import AGE, LANGUAGE_NAMES, YES_NO
from bot.core.messages import N_, Arg, Clock, Day, Lines, Msg, Named, Term, When, counted
from bot.core.rules.timing import course_start
from bot.core.serial import arg_from_json
from bot.delivery.dispatcher import Skip
from bot.i18n.render import Renderer
from bot.storage import bookings as booking_repo
from bot.storage.cases import remember_message
from bot.storage.courses import to_view
from bot.storage.db import Database
from bot.storage.models import (
    CaseRow,
    CourseRow,
    CourseSubscriptionRow,
    MatchSubscriptionRow,
    OutboxRow,
)
from bot.storage.users import as_utc

COUNSELLOR_LANGUAGE = "de"
Buttons = list[list[tuple[str, str]]]

EVENTS = {
    "opened": N_("New case"),
    "booked": N_("Appointment booked"),
    "cancelled": N_("Appointment cancelled"),
    "rescheduled": N_("Appointment changed"),
    "person": N_("Wants to talk to a person"),
}
COURSE_EVENTS = {
    "changed": N_("A course you follow has changed:"),
    "cancelled": N_("A course you follow has been cancelled:"),
    "new": N_("A new course that fits your wishes:"),
}
CASE_BUTTONS = (
    ("confirm", N_("Confirm")),
    ("propose", N_("Propose another time")),
    ("attended", N_("Attended")),
    ("noshow", N_("No-show")),
    ("close", N_("Close")),
)


REMINDER = N_(
    "Reminder: you have an appointment at {point} on {when}. To cancel or change it: /appointments"
)
REMINDER_TODAY = N_(
    "Reminder: your appointment at {point} is today at {time}. To cancel or change it: "
    "/appointments"
)
REMINDER_TOMORROW = N_(
    "Reminder: your appointment at {point} is tomorrow at {time}. To cancel or change it: "
    "/appointments"
)
COURSE_TODAY = N_("Your course starts today at {time}.")
COURSE_TOMORROW = N_("Your course starts tomorrow at {time}.")


class Transport(Protocol):
    """Where messages go (Telegram). Raises the dispatcher's Retry, Blocked or Permanent."""

    async def send(
        self,
        chat_id: int,
        html: str,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
        buttons: Buttons | None = None,
    ) -> int:
        """Send HTML text; returns the message id."""
        ...

    async def create_topic(self, chat_id: int, name: str) -> int | None:
        """Create a forum topic; ``None`` if the chat has no topics."""
        ...

    async def close_topic(self, chat_id: int, thread_id: int) -> None:
        """Close a forum topic."""
        ...


class Composer:
    """Turns outbox rows into messages and sends them through a transport."""

    def __init__(
        self,
        db: Database,
        renderer: Renderer,
        content: Callable[[], Content],
        transport: Transport,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tz: str = "Europe/Berlin",
    ) -> None:
        self.db, self.renderer, self.content, self.transport = db, renderer, content, transport
        self.clock, self.tz = clock, ZoneInfo(tz)

    def _days_until(self, moment: datetime) -> int:
        """Whole calendar days from today to ``moment``, in local time (0: today)."""
        today = self.clock().astimezone(self.tz).date()
        return (moment.astimezone(self.tz).date() - today).days

    def _starts(self, moment: datetime) -> Msg:
        """ "Your course starts tomorrow at 09:30", worked out now, when it is sent."""
        days = self._days_until(moment)
        if days <= 0:
            return Msg(COURSE_TODAY, {"time": Clock(moment)})
        if days == 1:
            return Msg(COURSE_TOMORROW, {"time": Clock(moment)})
        local = moment.astimezone(self.tz)
        return counted(
            "Your course starts in {n} day, on {day}, at {time}.",
            "Your course starts in {n} days, on {day}, at {time}.",
            days,
            {"day": Day(local.date()), "time": Clock(moment)},
        )

    def _html(self, arg: Arg, lang: str, title: Msg | None = None) -> str:
        body = escape(self.renderer.text(arg, lang), quote=False)
        if title is None:
            return body
        return f"<b>{escape(self.renderer.text(title, lang), quote=False)}</b>\n{body}"

    async def __call__(self, row: OutboxRow) -> None:
        handler = getattr(self, f"_send_{row.kind}", None)
        if handler is None:
            raise Skip(f"unknown kind {row.kind}")
        await handler(row)

    async def _send_to_user(self, row: OutboxRow) -> None:
        msg = arg_from_json(row.payload["msg"])
        await self.transport.send(row.chat_id, self._html(msg, row.payload["lang"]))

    async def _send_relay_to_user(self, row: OutboxRow) -> None:
        lang = row.payload["lang"]
        text = self._html(Msg(N_("Your counsellor:")), lang)
        await self.transport.send(
            row.chat_id, f"<b>{text}</b>\n{escape(row.payload['text'], quote=False)}"
        )

    async def _send_reminder(self, row: OutboxRow) -> None:
        async with self.db.sessions() as session:
            booking = await booking_repo.get_booking(session, row.payload["booking_id"])
        if booking is None or booking.status != booking_repo.ACTIVE:
            raise Skip("appointment no longer active")
        start = as_utc(booking.starts_at)
        if start <= self.clock():
            raise Skip("appointment has begun")
        point = self.content().points.get(booking.point)
        named: Arg = Named(point.name, point.name_de) if point else Term(booking.point)
        days = self._days_until(start)
        if days <= 1:
            text = REMINDER_TODAY if days <= 0 else REMINDER_TOMORROW
            msg = Msg(text, {"point": named, "time": Clock(start)})
        else:
            msg = Msg(REMINDER, {"point": named, "when": When(start)})
        await self.transport.send(row.chat_id, self._html(msg, booking.language))

    async def _case(self, case_id: int) -> CaseRow:
        async with self.db.sessions() as session:
            case = await session.get(CaseRow, case_id)
        if case is None:
            raise Skip("case gone")
        return case

    async def _ensure_topic(self, case: CaseRow, chat_id: int) -> CaseRow:
        if case.thread_id is not None:
            return case
        name = f"#{case.id} · {case.language} · {'Termin' if case.booking_id else 'Gespräch'}"
        thread = await self.transport.create_topic(chat_id, name)
        if thread is not None:
            async with self.db.transaction() as session:
                stored = await session.get(CaseRow, case.id)
                if stored is not None:
                    stored.thread_id = thread
            case.thread_id = thread
        return case

    async def _post(
        self, case: CaseRow, chat_id: int, html: str, buttons: Buttons | None = None
    ) -> None:
        reply_to = None if case.thread_id is not None else case.anchor_message_id
        message_id = await self.transport.send(
            chat_id, html, thread_id=case.thread_id, reply_to=reply_to, buttons=buttons
        )
        async with self.db.transaction() as session:
            await remember_message(session, chat_id, message_id, case.id)
            stored = await session.get(CaseRow, case.id)
            if stored is not None and stored.thread_id is None and stored.anchor_message_id is None:
                stored.anchor_message_id = message_id

    async def _send_case(self, row: OutboxRow) -> None:
        case = await self._ensure_topic(await self._case(row.payload["case_id"]), row.chat_id)
        lang = COUNSELLOR_LANGUAGE
        lines: list[Arg] = [Msg(EVENTS.get(row.payload["event"], EVENTS["opened"]))]
        profile = row.payload.get("profile") or {}
        content = self.content()
        status = content.statuses.get(profile.get("status", ""))
        if status is not None:
            lines.append(Msg(N_("Situation: {status}"), {"status": Msg(status.label)}))
        if profile.get("benefits") in YES_NO:
            lines.append(
                Msg(N_("Bürgergeld: {answer}"), {"answer": Msg(YES_NO[profile["benefits"]])})
            )
        if profile.get("age") in AGE:
            lines.append(Msg(N_("Age: {band}"), {"band": Msg(AGE[profile["age"]])}))
        code = profile.get("lang", case.language)
        lines.append(
            Msg(
                N_("Language: {language}"),
                {"language": Term(f"{LANGUAGE_NAMES.get(code, code)} ({code})")},
            )
        )
        booking_id = row.payload.get("booking_id") or case.booking_id
        if booking_id:
            async with self.db.sessions() as session:
                booking = await booking_repo.get_booking(session, booking_id)
            if booking is not None:
                point = content.points.get(booking.point)
                named: Arg = Named(point.name, point.name_de) if point else Term(booking.point)
                lines.append(
                    Msg(
                        N_("Appointment: {point}, {when}"),
                        {"point": named, "when": When(as_utc(booking.starts_at))},
                    )
                )
        title = Msg(N_("Case #{number}"), {"number": Term(str(case.id))})
        buttons = [
            [(self.renderer.text(Msg(label), lang), f"c:{case.id}:{action}")]
            for action, label in CASE_BUTTONS
        ]
        await self._post(case, row.chat_id, self._html(Lines(tuple(lines)), lang, title), buttons)

    async def _send_relay_to_group(self, row: OutboxRow) -> None:
        case = await self._ensure_topic(await self._case(row.payload["case_id"]), row.chat_id)
        head = self._html(
            Msg(
                N_("Case #{number}, message in {language}:"),
                {"number": Term(str(case.id)), "language": Term(row.payload["lang"])},
            ),
            COUNSELLOR_LANGUAGE,
        )
        await self._post(
            case, row.chat_id, f"<b>{head}</b>\n{escape(row.payload['text'], quote=False)}"
        )

    async def _send_case_closed(self, row: OutboxRow) -> None:
        case = await self._case(row.payload["case_id"])
        title = Msg(N_("Case #{number}"), {"number": Term(str(case.id))})
        await self._post(
            case, row.chat_id, self._html(Msg(N_("Case closed")), COUNSELLOR_LANGUAGE, title)
        )
        if case.thread_id is not None:
            await self.transport.close_topic(row.chat_id, case.thread_id)

    async def _course_for(self, row: OutboxRow) -> CourseRow:
        """The course a message is about, if the reader still wants to hear of it."""
        async with self.db.sessions() as session:
            course = await session.get(CourseRow, row.payload["course_id"])
            if course is None:
                raise Skip("course gone")
            if row.payload.get("event") == "new":
                wanted = await session.get(MatchSubscriptionRow, row.payload.get("match"))
                if wanted is None:
                    raise Skip("news no longer wanted")
            elif await session.get(CourseSubscriptionRow, (row.chat_id, course.id)) is None:
                raise Skip("course no longer followed")
        return course

    async def _send_course_text(
        self, row: OutboxRow, course: CourseRow, head: Arg, stop: tuple[str, Msg]
    ) -> None:
        lang = row.payload.get("lang", "de")
        body = Lines((head, card(1, to_view(course))))
        buttons = [[(self.renderer.text(stop[1], lang), stop[0])]]
        await self.transport.send(row.chat_id, self._html(body, lang), buttons=buttons)

    async def _send_course_start(self, row: OutboxRow) -> None:
        course = await self._course_for(row)
        start = course_start(course.starts_on, course.time_from, self.tz)
        planned = datetime.fromisoformat(row.payload["starts_at"])
        if course.status != "active" or start != planned:
            raise Skip("start changed or course cancelled")
        if start <= self.clock():
            raise Skip("course has begun")
        stop = ("u:c:" + str(course.id), Msg(N_("Stop these reminders")))
        await self._send_course_text(row, course, self._starts(start), stop)

    async def _send_course(self, row: OutboxRow) -> None:
        course = await self._course_for(row)
        event = row.payload["event"]
        if event not in COURSE_EVENTS:
            raise Skip(f"unknown course event {event}")
        if event == "new":
            stop = ("u:m:0", Msg(N_("Stop news of new courses")))
        else:
            stop = ("u:c:" + str(course.id), Msg(N_("Stop these reminders")))
        await self._send_course_text(row, course, Msg(COURSE_EVENTS[event]), stop)
