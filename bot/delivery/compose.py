"""What each kind of outbox message says, rendered when it is sent, in its reader's language.

The composer reads a row's intent, checks that it is still wanted, renders it in the reader's
language (counsellors read German) and hands it to the row's channel: to its transport for a
newcomer, to its desk for a case. Markup, splitting and buttons' wire format are the channel's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.content.model import Content
from bot.core.actions import Action, CaseAction, CaseVerb, CheckinReply, StopCourse, StopNews
from bot.core.checkins import ANSWER_LABELS, KIND_LABELS, OFFERED
from bot.core.courses.cards import card
from bot.core.labels import AGE, LANGUAGE_NAMES, YES_NO
from bot.core.messages import N_, Arg, Clock, Day, Lines, Msg, Named, Term, When, counted
from bot.core.rules.timing import course_start
from bot.delivery.dispatcher import Skip
from bot.delivery.intents import (
    CaseNote,
    Checkin,
    CourseNews,
    CourseStart,
    Intent,
    RelayToDesk,
    RelayToUser,
    ToUser,
    VisitReminder,
    read,
)
from bot.delivery.ports import CaseRef, ChannelPort, Desk, Outgoing
from bot.i18n.render import Renderer
from bot.storage import bookings as booking_repo
from bot.storage import checkins as checkin_store
from bot.storage.courses import to_view, upcoming
from bot.storage.db import Database
from bot.storage.models import (
    CaseRow,
    CheckinRow,
    CourseRow,
    CourseSubscriptionRow,
    MatchSubscriptionRow,
    OutboxRow,
    User,
)
from bot.storage.users import as_utc

COUNSELLOR_LANGUAGE = "de"

EVENTS = {
    "opened": N_("New case"),
    "booked": N_("Appointment booked"),
    "cancelled": N_("Appointment cancelled"),
    "rescheduled": N_("Appointment changed"),
    "person": N_("Wants to talk to a person"),
    "checkin": N_("Asks for help after a check-in"),
}
COURSE_EVENTS = {
    "changed": N_("A course you follow has changed:"),
    "cancelled": N_("A course you follow has been cancelled:"),
    "new": N_("A new course that fits your wishes:"),
}
CASE_BUTTONS: tuple[tuple[CaseVerb, str], ...] = (
    ("confirm", N_("Confirm")),
    ("propose", N_("Propose another time")),
    ("attended", N_("Attended")),
    ("noshow", N_("No-show")),
    ("checkin", N_("Plan a check-in")),
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


class Composer:
    """Turns outbox rows into messages and hands them to their channel."""

    def __init__(
        self,
        db: Database,
        renderer: Renderer,
        content: Callable[[], Content],
        channels: Mapping[str, ChannelPort],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tz: str = "Europe/Berlin",
    ) -> None:
        self.db, self.renderer, self.content = db, renderer, content
        self.channels = channels
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

    def _outgoing(
        self,
        body: Arg,
        lang: str,
        title: Msg | None = None,
        buttons: tuple[tuple[Msg, Action], ...] = (),
    ) -> Outgoing:
        return Outgoing(
            body=self.renderer.text(body, lang),
            title=self.renderer.text(title, lang) if title is not None else None,
            buttons=tuple((self.renderer.text(label, lang), act) for label, act in buttons),
        )

    def _channel(self, row: OutboxRow) -> ChannelPort:
        channel = self.channels.get(row.channel)
        if channel is None:
            raise Skip(f"no channel {row.channel}")
        return channel

    async def _to_user(self, row: OutboxRow, message: Outgoing) -> None:
        await self._channel(row).transport.send(row.address, message)

    def _desk(self, row: OutboxRow) -> Desk:
        desk = self._channel(row).desk
        if desk is None:
            raise Skip(f"no desk on {row.channel}")
        return desk

    async def __call__(self, row: OutboxRow) -> None:
        try:
            intent = read(row.kind, row.payload)
        except (KeyError, ValueError, TypeError) as exc:
            raise Skip(f"unreadable {row.kind}: {type(exc).__name__}") from exc
        await self._send(row, intent)

    async def _send(self, row: OutboxRow, intent: Intent) -> None:
        if isinstance(intent, ToUser):
            await self._to_user(row, self._outgoing(intent.msg, intent.lang))
        elif isinstance(intent, RelayToUser):
            heading = Msg(N_("Your counsellor:"))
            message = Outgoing(intent.text, self.renderer.text(heading, intent.lang))
            await self._to_user(row, message)
        elif isinstance(intent, VisitReminder):
            await self._reminder(row, intent)
        elif isinstance(intent, CourseStart):
            await self._course_start(row, intent)
        elif isinstance(intent, CourseNews):
            await self._course_news(row, intent)
        elif isinstance(intent, CaseNote):
            await self._case_note(row, intent)
        elif isinstance(intent, Checkin):
            await self._checkin(row, intent)
        elif isinstance(intent, RelayToDesk):
            case = await self._case(intent.case_id)
            head = Msg(
                N_("Case #{number}, message in {language}:"),
                {"number": Term(str(case.id)), "language": Term(intent.lang)},
            )
            message = Outgoing(intent.text, self.renderer.text(head, COUNSELLOR_LANGUAGE))
            await self._desk(row).post(row.address, case, message)
        else:
            case = await self._case(intent.case_id)
            title = Msg(N_("Case #{number}"), {"number": Term(str(case.id))})
            desk = self._desk(row)
            await desk.post(
                row.address,
                case,
                self._outgoing(Msg(N_("Case closed")), COUNSELLOR_LANGUAGE, title),
            )
            await desk.close(row.address, case)

    async def _reminder(self, row: OutboxRow, intent: VisitReminder) -> None:
        async with self.db.sessions() as session:
            booking = await booking_repo.get_booking(session, intent.booking_id)
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
        address = point.details.get("address") if point else None
        if address is not None and address.showable:
            where = Msg(N_("Address: {address}"), {"address": Term(address.value)})
            msg_with_place: Arg = Lines((msg, where))
        else:
            msg_with_place = msg
        await self._to_user(row, self._outgoing(msg_with_place, booking.language))

    async def _case(self, case_id: int) -> CaseRef:
        async with self.db.sessions() as session:
            case = await session.get(CaseRow, case_id)
        if case is None:
            raise Skip("case gone")
        return CaseRef(case.id, case.language, case.booking_id is not None)

    async def _case_note(self, row: OutboxRow, intent: CaseNote) -> None:
        async with self.db.sessions() as session:
            stored = await session.get(CaseRow, intent.case_id)
            if stored is None:
                raise Skip("case gone")
            booking_id = intent.booking_id or stored.booking_id
            booking = await booking_repo.get_booking(session, booking_id) if booking_id else None
        case = CaseRef(stored.id, stored.language, stored.booking_id is not None)
        lines: list[Arg] = [Msg(EVENTS.get(intent.event, EVENTS["opened"]))]
        profile = intent.profile
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
        if booking is not None:
            point = content.points.get(booking.point)
            named: Arg = Named(point.name, point.name_de) if point else Term(booking.point)
            lines.append(
                Msg(
                    N_("Appointment: {point}, {when}"),
                    {"point": named, "when": When(as_utc(booking.starts_at))},
                )
            )
        lines += await self._checkin_history(stored.user_id)
        title = Msg(N_("Case #{number}"), {"number": Term(str(case.id))})
        buttons = tuple((Msg(label), CaseAction(case.id, verb)) for verb, label in CASE_BUTTONS)
        message = self._outgoing(Lines(tuple(lines)), COUNSELLOR_LANGUAGE, title, buttons)
        await self._desk(row).post(row.address, case, message)

    async def _checkin_history(self, user_id: int | None) -> list[Arg]:
        """The newcomer's answered check-ins, for the case (codes only, no free text)."""
        if user_id is None:
            return []
        async with self.db.sessions() as session:
            rows = [r for r in await checkin_store.history(session, user_id) if r.answer]
        if not rows:
            return []
        lines: list[Arg] = [Msg(N_("Check-ins:"))]
        for r in rows:
            answer = ANSWER_LABELS.get(r.answer, Term(str(r.answer)))  # type: ignore[call-overload]
            if r.reason:
                reason = ANSWER_LABELS.get(r.reason, Term(r.reason))  # type: ignore[call-overload]
                answer = Msg(N_("{answer}: {reason}"), {"answer": answer, "reason": reason})
            kind = KIND_LABELS.get(r.kind, Term(r.kind))  # type: ignore[call-overload]
            day = Day(as_utc(r.answered_at or r.due_at).astimezone(self.tz).date())
            lines.append(
                Msg(N_("{kind}, {day}: {answer}"), {"kind": kind, "day": day, "answer": answer})
            )
        return [Lines(tuple(lines), bullet=False)]

    async def _checkin(self, row: OutboxRow, intent: Checkin) -> None:
        """A check-in, if it is still wanted and still makes sense."""
        content = self.content()
        extra: list[Arg] = []
        async with self.db.sessions() as session:
            checkin = await session.get(CheckinRow, intent.checkin_id)
            if checkin is None or checkin.answered_at is not None:
                raise Skip("check-in gone or answered")
            user = await session.get(User, checkin.user_id)
            asked_by_us = checkin.kind in ("counsellor", "noshow")
            if user is None or user.checkins is False or (not asked_by_us and not user.checkins):
                raise Skip("check-ins not wanted")
            rule = content.checkins.get(checkin.kind)  # type: ignore[call-overload]
            off = await checkin_store.switched_off(session)
            if rule is None or not rule.enabled or checkin.kind in off:
                raise Skip("check-in switched off")
            if checkin.booking_id is not None:
                booking = await booking_repo.get_booking(session, checkin.booking_id)
                wanted = "no_show" if checkin.kind == "noshow" else booking_repo.ACTIVE
                if booking is None or booking.status != wanted:
                    raise Skip("visit cancelled, moved or marked")
                point = content.points.get(booking.point)
                named: Arg = Named(point.name, point.name_de) if point else Term(booking.point)
                start = as_utc(booking.starts_at)
                extra.append(Msg(N_("{point}: {when}"), {"point": named, "when": When(start)}))
            if checkin.course_id is not None:
                course = await session.get(CourseRow, checkin.course_id)
                key = (checkin.user_id, checkin.course_id)
                if course is None or await session.get(CourseSubscriptionRow, key) is None:
                    raise Skip("course no longer followed")
                if course.status != "active":
                    raise Skip("course cancelled")
                extra.append(card(1, to_view(course)))
            if checkin.kind == "no_course":
                followed = await session.scalar(
                    select(CourseSubscriptionRow.course_id)
                    .where(CourseSubscriptionRow.user_id == checkin.user_id)
                    .limit(1)
                )
                if followed is not None:
                    raise Skip("follows a course")
                today = self.clock().astimezone(self.tz).date()
                soon = await upcoming(session, today, limit=3)
                extra = [card(i + 1, c) for i, c in enumerate(soon)]
            lang = user.language or COUNSELLOR_LANGUAGE
        answers = (*OFFERED.get(checkin.kind, ()), "stop")  # type: ignore[call-overload]
        buttons = tuple((ANSWER_LABELS[a], CheckinReply(checkin.id, a)) for a in answers)
        body = Lines((Msg(rule.text), *extra))
        await self._to_user(row, self._outgoing(body, lang, Msg(N_("Check-in")), buttons))

    async def _course_for(self, row: OutboxRow, course_id: int, match: int | None) -> CourseRow:
        """The course a message is about, if the reader still wants to hear of it."""
        async with self.db.sessions() as session:
            course = await session.get(CourseRow, course_id)
            if course is None:
                raise Skip("course gone")
            if match is not None:
                if await session.get(MatchSubscriptionRow, match) is None:
                    raise Skip("news no longer wanted")
            elif (
                row.user_id is None
                or await session.get(CourseSubscriptionRow, (row.user_id, course.id)) is None
            ):
                raise Skip("course no longer followed")
        return course

    async def _course_text(
        self, row: OutboxRow, course: CourseRow, head: Arg, lang: str, stop: tuple[Msg, Action]
    ) -> None:
        body = Lines((head, card(1, to_view(course))))
        await self._to_user(row, self._outgoing(body, lang, buttons=(stop,)))

    async def _course_start(self, row: OutboxRow, intent: CourseStart) -> None:
        course = await self._course_for(row, intent.course_id, None)
        start = course_start(course.starts_on, course.time_from, self.tz)
        if course.status != "active" or start != intent.starts_at:
            raise Skip("start changed or course cancelled")
        if start <= self.clock():
            raise Skip("course has begun")
        stop = (Msg(N_("Stop these reminders")), StopCourse(course.id))
        await self._course_text(row, course, self._starts(start), intent.lang, stop)

    async def _course_news(self, row: OutboxRow, intent: CourseNews) -> None:
        match = intent.match if intent.event == "new" else None
        if intent.event == "new" and match is None:
            raise Skip("news without a wish")
        course = await self._course_for(row, intent.course_id, match)
        stop: tuple[Msg, Action]
        if intent.event == "new":
            stop = (Msg(N_("Stop news of new courses")), StopNews())
        else:
            stop = (Msg(N_("Stop these reminders")), StopCourse(course.id))
        head = Msg(COURSE_EVENTS[intent.event])
        await self._course_text(row, course, head, intent.lang, stop)
