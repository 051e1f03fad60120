"""A course as a short card: the same lines in the course list and in course messages."""

from __future__ import annotations

from decimal import Decimal

from bot.core.courses.matching import CourseView, distance_km
from bot.core.courses.model import COURSE_TYPES
from bot.core.messages import N_, Arg, Day, DayNames, Lines, Msg, Term


def card(number: int, course: CourseView, near: tuple[float, float] | None = None) -> Lines:
    """A course in a few short lines."""
    lines: list[Arg] = [
        Msg(
            N_("{number}. {type}, {level}"),
            {
                "number": number,
                "type": Msg(COURSE_TYPES.get(course.type, course.type)),
                "level": Term(course.level),
            },
        ),
        Msg(N_("Provider: {provider}"), {"provider": Term(course.provider)}),
        Msg(
            N_("From {first} to {last}"),
            {"first": Day(course.starts_on), "last": Day(course.ends_on)},
        ),
        Msg(
            N_("{days}, {start}–{end}"),
            {
                "days": DayNames(course.weekdays),
                "start": Term(course.time_from),
                "end": Term(course.time_to),
            },
        ),
        Msg(
            N_("Place: {district}, {address}"),
            {"district": Term(course.district), "address": Term(course.address)},
        ),
        Msg(
            N_("Childcare: {answer}"), {"answer": Msg(N_("Yes") if course.childcare else N_("No"))}
        ),
    ]
    if course.free_places is not None:
        lines.append(Msg(N_("Free places: {n}"), {"n": course.free_places}))
    if near is not None and course.latitude is not None and course.longitude is not None:
        km = Decimal(str(round(distance_km(near, (course.latitude, course.longitude)), 1)))
        lines.append(Msg(N_("{km} km from you"), {"km": km}))
    lines.append(Msg(N_("How to register: {text}"), {"text": Term(course.registration)}))
    return Lines(tuple(lines))
