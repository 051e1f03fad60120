"""Booking flow: choose a counselling point, a day, a time; see, cancel or change appointments.

The seat itself is reserved by the core (effect :class:`~bot.flows.base.Book`) in the same
transaction that saves the state; the result comes back as ``BookingDone`` or
``BookingFailed`` (with the nearest free times).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Final
from zoneinfo import ZoneInfo

from bot.content.model import Content, CounsellingPoint
from bot.core.events import BookingDone, BookingFailed
from bot.core.messages import (
    N_,
    Arg,
    Calendar,
    Clock,
    Day,
    InLanguage,
    Lines,
    Msg,
    Named,
    Option,
    Reply,
    Term,
    When,
)
from bot.core.rules.routing import AGE_BANDS, counselling, decide
from bot.core.rules.schedule import BookingView, FreeSlot
from bot.core.state import State
from bot.flows import checkins
from bot.flows.base import Book, Cancel, Ctx, Outcome
from bot.flows.guidance import point_lines, visit_lines, where_lines

NO_FREE_TIMES = N_(
    "There are no free times there in the next 14 days. Please choose another place or try "
    "again later."
)
NOT_BOOKABLE = N_(
    "I cannot book a visit here at these services: their address is not confirmed yet. "
    "Please contact them directly:"
)
NOTHING_BOOKABLE = N_("There is no place I can book for you here.")
MENU = Option("menu", Msg(N_("Back to the menu")))
OTHER_DAY = Option("other_day", Msg(N_("Another day")))


def slot_key(start: datetime) -> str:
    """The option key of a slot: its UTC start."""
    return "s" + start.astimezone(UTC).strftime("%Y%m%d%H%M")


def parse_slot_key(key: str) -> datetime | None:
    """The UTC start of a slot key, or ``None`` if it is not one."""
    if not key.startswith("s") or len(key) != 13 or not key[1:].isdigit():
        return None
    try:
        return datetime.strptime(key[1:], "%Y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError:
        return None


def _day_key(day: date) -> str:
    return "d" + day.strftime("%Y%m%d")


def bookable_points(ctx: Ctx, state: State) -> list[CounsellingPoint]:
    """Points that take bookings: those of the user's routes (a Spätaussiedler service is not
    offered to everyone); every point for their age if their routes name none."""
    content = ctx.content
    band = state.answers.get("age")
    points = [
        p for p in content.points.values() if p.booking is not None and not p.online and p.findable
    ]
    if band in AGE_BANDS:
        low, high = AGE_BANDS[band]
        points = [p for p in points if p.serves_age(low) and p.serves_age(high)]
    recommended = _recommended(content, state)
    if recommended:
        points = [p for p in points if p.key in recommended]
    return sorted(
        points,
        key=lambda p: (
            p.key not in recommended,
            recommended.index(p.key) if p.key in recommended else 0,
        ),
    )


def _recommended(content: Content, state: State) -> list[str]:
    band = state.answers.get("age")
    if band not in AGE_BANDS:
        return []
    try:
        decision = decide(content, state.answers)
    except LookupError:
        return []
    return [p.key for p in counselling(content, decision, band) if not p.online]


def _short_when(start: datetime, ctx: Ctx) -> Msg:
    """A day and time short enough for a button: "Mo., 23. Nov., 09:30"."""
    day = Day(start.astimezone(ZoneInfo(ctx.tz)).date())
    return Msg(N_("{day}, {time}"), {"day": day, "time": Clock(start)})


def _local_day(slot: FreeSlot, ctx: Ctx) -> date:
    return slot.start.astimezone(ZoneInfo(ctx.tz)).date()


def _booking(ctx: Ctx, booking_id: str | None) -> BookingView | None:
    return next((b for b in ctx.bookings if str(b.id) == booking_id), None)


class BookPointStep:
    """Where would you like to book your first counselling visit?"""

    name: Final = "book_point"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        bookable = bookable_points(ctx, state)
        options = [Option(point.key, Msg(point.label)) for point in bookable]
        replies: list[Reply] = []
        elsewhere = [
            ctx.content.points[key]
            for key in _recommended(ctx.content, state)
            if key not in {p.key for p in bookable}
        ]
        if elsewhere:
            lines: list[Arg] = [Msg(NOT_BOOKABLE)]
            for point in elsewhere:
                lines += point_lines(point)
            replies.append(Reply(Lines(tuple(lines))))
        if not options:
            return [*replies, Reply(Msg(NOTHING_BOOKABLE), options=(MENU,))]
        names = Lines(tuple(Named(p.name, p.name_de) for p in bookable), bullet=True)
        text = Msg(N_("Where would you like to book your first counselling visit?"))
        return [*replies, Reply(Lines((text, names)), options=(*options, MENU))]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        if key == "menu":
            return Outcome(state.go("menu", remember=False), ())
        if any(b.point == key for b in ctx.bookings) and not state.answers.get("reschedule"):
            already = Reply(Msg(N_("You already have an appointment there.")))
            return Outcome(state.go("appointments", remember=False), (already,))
        if not ctx.free.get(key):
            full = Reply(Msg(NO_FREE_TIMES))
            return Outcome(state, (full,))
        return Outcome(state.go("book_day", answers=state.answer("book_point", key)), ())


class BookDayStep:
    """Days with free times in the next 14 days."""

    name: Final = "book_day"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        point = ctx.content.points.get(state.answers.get("book_point", ""))
        free = ctx.free.get(point.key, ()) if point else ()
        days = sorted({_local_day(s, ctx) for s in free})
        options = tuple(Option(_day_key(d), Day(d)) for d in days)
        if point is None or not options:
            return [
                Reply(
                    Msg(NO_FREE_TIMES),
                    options=(MENU,),
                )
            ]
        text = Msg(
            N_("Which day suits you? Free days at {point}:"),
            {"point": Named(point.name, point.name_de)},
        )
        return [Reply(text, options=options, columns=2)]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        if key == "menu":
            return Outcome(state.go("menu", remember=False), ())
        return Outcome(state.go("book_time", answers=state.answer("book_day", key[1:])), ())


class BookTimeStep:
    """Free times on the chosen day."""

    name: Final = "book_time"

    def _free(self, state: State, ctx: Ctx) -> list[FreeSlot]:
        point = state.answers.get("book_point", "")
        day = state.answers.get("book_day", "")
        return [s for s in ctx.free.get(point, ()) if _local_day(s, ctx).strftime("%Y%m%d") == day]

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        free = self._free(state, ctx)
        if not free:
            gone = Msg(N_("There are no free times left on this day."))
            return [Reply(gone, options=(OTHER_DAY, MENU))]
        options = tuple(Option(slot_key(s.start), Clock(s.start)) for s in free)
        day = datetime.strptime(state.answers["book_day"], "%Y%m%d").date()
        text = Msg(N_("Which time suits you on {day}?"), {"day": Day(day)})
        return [Reply(text, options=(*options, OTHER_DAY), columns=3)]

    def accepts(self, state: State, key: str, ctx: Ctx) -> bool:
        """A time shown earlier on this step may have been taken since: still try it."""
        start = parse_slot_key(key)
        return start is not None and key.startswith("s" + state.answers.get("book_day", "-"))

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        return _choose_time(state, key, ctx)


def _choose_time(state: State, key: str, ctx: Ctx) -> Outcome:
    if key == "other_day":
        return Outcome(state.go("book_day", remember=False), ())
    if key == "menu":
        return Outcome(state.go("menu", remember=False), ())
    start = parse_slot_key(key)
    assert start is not None
    replaces = state.answers.get("reschedule")
    book = Book(state.answers["book_point"], start, int(replaces) if replaces else None)
    return Outcome(state, (), (book,))


class BookAlternativesStep:
    """The chosen time was just taken: the nearest free times instead."""

    name: Final = "book_alt"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        keys = [k for k in state.answers.get("alts", "").split() if parse_slot_key(k)]
        starts = [start for k in keys if (start := parse_slot_key(k)) is not None]
        options = tuple(Option(slot_key(start), _short_when(start, ctx)) for start in starts)
        if not options:
            return [
                Reply(
                    Msg(N_("There are no free times left on this day.")), options=(OTHER_DAY, MENU)
                )
            ]
        text = Msg(N_("Sorry, this time was just taken. These are the nearest free times:"))
        return [Reply(text, options=(*options, OTHER_DAY))]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        return _choose_time(state, key, ctx)


def after_booking(state: State, event: BookingDone | BookingFailed, ctx: Ctx) -> Outcome:
    """Continue after the core tried to reserve the seat."""
    if isinstance(event, BookingDone):
        answers = {
            k: v for k, v in state.answers.items() if k not in ("alts", "reschedule", "book_day")
        }
        answers["booking"] = str(event.booking_id)
        # "Back" from the confirmation leads out of booking, not into a used time list.
        kept = tuple(h for h in state.history if not h.startswith("book_"))
        booked = replace(state, history=kept).go("booked", remember=False, answers=answers)
        return Outcome(booked, ())
    if event.already_booked:
        already = Reply(Msg(N_("You already have an appointment there.")))
        return Outcome(state.go("appointments", remember=False), (already,))
    alts = " ".join(slot_key(s.start) for s in event.alternatives)
    return Outcome(state.go("book_alt", remember=False, answers=state.answer("alts", alts)), ())


def confirmation(ctx: Ctx, state: State, booking: BookingView) -> Reply:
    """The appointment in the user's language, in German for the desk, and as a .ics file."""
    point = ctx.content.points[booking.point]
    named = Named(point.name, point.name_de)
    address = point.details.get("address")
    where = (where_lines(address) or [Msg(point.ask)]) + visit_lines(point.details, point.opening)
    bring: list[Arg] = [Msg(N_("this confirmation, on your phone or printed"))]
    try:
        routes = decide(ctx.content, state.answers).routes if state.answers.get("status") else ()
    except LookupError:
        routes = ()
    seen: list[str] = []
    for route in routes:
        seen += [b for b in route.bring if b not in seen]
    bring += [Msg(b) for b in seen]
    german = InLanguage(
        "de",
        Msg(
            N_("Appointment for first counselling: {point}, {when}"),
            {"point": named, "when": When(booking.start)},
        ),
    )
    status = (
        Msg(N_("The counselling service has confirmed your appointment."))
        if booking.confirmed
        else Msg(
            N_("The counselling service will confirm your appointment. Until then it is a request.")
        )
    )
    body = Lines(
        (
            Msg(N_("{point}: {when}"), {"point": named, "when": When(booking.start)}),
            *where,
            status,
            Msg(N_("For the desk, in German:")),
            german,
            Msg(N_("What to bring:")),
            Lines(tuple(bring), bullet=True),
            Msg(N_("I will remind you one day and two hours before.")),
        )
    )
    calendar = Calendar(
        uid=f"booking-{booking.id}@wegweiser-{ctx.content.city}",
        start=booking.start,
        end=booking.end,
        title=Msg(N_("First counselling: {point}"), {"point": named}),
        location=Term(address.value)
        if address is not None and address.showable
        else Named(point.name, point.name_de),
        description=german,
        stamp=ctx.now,
    )
    return Reply(body, title=Msg(N_("Your appointment")), attachment=calendar)


BOOKED_OPTIONS = (
    Option("cancel", Msg(N_("Cancel the appointment"))),
    Option("reschedule", Msg(N_("Change the time"))),
    MENU,
)


class BookedStep:
    """The confirmation, with cancel and change."""

    name: Final = "booked"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        booking = _booking(ctx, state.answers.get("booking"))
        if booking is None:
            return AppointmentsStep().prompt(state, ctx)
        reply = confirmation(ctx, state, booking)
        shown = Reply(
            reply.body, title=reply.title, attachment=reply.attachment, options=BOOKED_OPTIONS
        )
        return checkins.with_offer([shown], ctx)

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        if key in checkins.OFFER_KEYS:
            return checkins.consent(state.go("menu", remember=False), key)
        booking = _booking(ctx, state.answers.get("booking"))
        if booking is None:
            return Outcome(state.go("appointments", remember=False), ())
        return _manage(state, key, booking, ctx)


def _manage(state: State, key: str, booking: BookingView, ctx: Ctx) -> Outcome:
    if key.startswith("cancel"):
        done = Reply(Msg(N_("Your appointment has been cancelled.")))
        return Outcome(state.go("appointments", remember=False), (done,), (Cancel(booking.id),))
    if key.startswith("reschedule"):
        answers = {**state.answers, "reschedule": str(booking.id), "book_point": booking.point}
        return Outcome(state.go("book_day", answers=answers), ())
    return Outcome(state.go("menu", remember=False), ())


class AppointmentsStep:
    """/appointments: the user's appointments, each with cancel and change."""

    name: Final = "appointments"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        if not ctx.bookings:
            return [
                Reply(
                    Msg(N_("You have no appointments.")),
                    options=(Option("book", Msg(N_("Book a counselling visit"))), MENU),
                )
            ]
        lines: list[Arg] = []
        options: list[Option] = []
        for b in ctx.bookings:
            point = ctx.content.points.get(b.point)
            named: Arg = Named(point.name, point.name_de) if point else Term(b.point)
            lines.append(Msg(N_("{point}: {when}"), {"point": named, "when": When(b.start)}))
            # Buttons name the day, not the place: a place's name does not fit a phone.
            day = {"day": Day(b.start.astimezone(ZoneInfo(ctx.tz)).date())}
            options.append(Option(f"show{b.id}", Msg(N_("Show {day}"), day)))
            options.append(Option(f"cancel{b.id}", Msg(N_("Cancel {day}"), day)))
            options.append(Option(f"reschedule{b.id}", Msg(N_("Change {day}"), day)))
        options.append(Option("book", Msg(N_("Book another visit"))))
        return [
            Reply(Lines(tuple(lines)), title=Msg(N_("Your appointments")), options=(*options, MENU))
        ]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        if key == "book":
            return Outcome(state.go("book_point", answers=state.without("reschedule", "alts")), ())
        if key == "menu":
            return Outcome(state.go("menu", remember=False), ())
        for b in ctx.bookings:
            if key == f"show{b.id}":
                return Outcome(state.go("booked", answers=state.answer("booking", str(b.id))), ())
            if key in (f"cancel{b.id}", f"reschedule{b.id}"):
                return _manage(state, key, b, ctx)
        return Outcome(state, ())
