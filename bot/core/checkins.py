"""Check-ins: short questions after the first visit, during the course and after it, as the
Stuttgart model's accompaniment intends. When each falls due is worked out here, from the
content pack's schedule; what a newcomer may answer, too. No framework, no storage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

CheckinKind = Literal[
    "after_visit",  # the day after the first-counselling visit: did you go?
    "no_course",  # some days after the visit, if no course is followed: courses starting soon
    "course_week",  # a week into a followed course: is it going well?
    "course_half",  # half-way through it
    "before_exam",  # before its end: the final exams
    "after_course",  # after it: next steps
    "counsellor",  # planned by a counsellor from the case
    "noshow",  # a counsellor marked the visit missed: a new appointment?
]
CHECKIN_KINDS: tuple[CheckinKind, ...] = get_args(CheckinKind)
VISIT_KINDS: tuple[CheckinKind, ...] = ("after_visit", "no_course")
COURSE_KINDS: tuple[CheckinKind, ...] = (
    "course_week",
    "course_half",
    "before_exam",
    "after_course",
)

# What a newcomer can answer (button data: ``k:<check-in id>:<answer>``, at most 64 bytes).
Answer = Literal[
    "went",
    "missed",
    "notneeded",
    "fine",
    "problems",
    "courses",
    "person",
    "rebook",
    "stop",
    "r_time",
    "r_child",
    "r_level",
    "r_money",
    "r_other",
]
ANSWERS: tuple[Answer, ...] = get_args(Answer)
REASONS: tuple[Answer, ...] = ("r_time", "r_child", "r_level", "r_money", "r_other")
# The answers offered under each kind's message ("stop" goes under every one).
OFFERED: dict[CheckinKind, tuple[Answer, ...]] = {
    "after_visit": ("went", "missed", "notneeded"),
    "no_course": ("courses", "person"),
    "course_week": ("fine", "problems"),
    "course_half": ("fine", "problems"),
    "before_exam": ("person",),
    "after_course": ("person",),
    "counsellor": ("fine", "problems"),
    "noshow": ("rebook", "notneeded"),
}
# Answers a counsellor should hear of: they open or update the newcomer's case.
NEEDS_HELP: frozenset[Answer] = frozenset({"person", *REASONS})


@dataclass(frozen=True)
class Rule:
    """When one kind of check-in falls due.

    Attributes:
        kind: The check-in.
        days: Days from its anchor: after the visit (``after_visit``, ``no_course``), after the
            course's start (``course_week``), before its end (``before_exam``), after its end
            (``after_course``), after a counsellor planned it (``counsellor``); ignored for
            ``course_half`` (the middle) and ``noshow`` (at once).
        at: Local time of day it is sent.
        enabled: Whether the city uses it (admins can switch it off as well).
        text: The question or note (English source; the pack's catalogs translate it).
    """

    kind: CheckinKind
    days: int
    at: time
    enabled: bool
    text: str


@dataclass(frozen=True)
class Schedule:
    """The city's check-ins, by kind."""

    rules: dict[CheckinKind, Rule]

    def rule(self, kind: CheckinKind) -> Rule | None:
        rule = self.rules.get(kind)
        return rule if rule is not None and rule.enabled else None

    def _on(self, day: date, rule: Rule, tz: ZoneInfo) -> datetime:
        return datetime.combine(day, rule.at, tzinfo=tz)

    def after_visit(self, visit: datetime, tz: ZoneInfo) -> dict[CheckinKind, datetime]:
        """When the visit's check-ins fall due (only the enabled ones)."""
        due: dict[CheckinKind, datetime] = {}
        day = visit.astimezone(tz).date()
        for kind in VISIT_KINDS:
            rule = self.rule(kind)
            if rule is not None:
                due[kind] = self._on(day + timedelta(days=max(rule.days, 1)), rule, tz)
        return due

    def for_course(self, starts: date, ends: date | None, tz: ZoneInfo) -> dict[CheckinKind, datetime]:
        """When a course's check-ins fall due; without an end date only the first week's."""
        due: dict[CheckinKind, datetime] = {}
        week = self.rule("course_week")
        if week is not None:
            due["course_week"] = self._on(starts + timedelta(days=week.days), week, tz)
        if ends is None or ends <= starts:
            return due
        half = self.rule("course_half")
        if half is not None:
            middle = starts + (ends - starts) / 2
            if "course_week" not in due or middle > starts + timedelta(days=week.days if week else 0):
                due["course_half"] = self._on(middle, half, tz)
        exam = self.rule("before_exam")
        if exam is not None:
            due["before_exam"] = self._on(max(starts, ends - timedelta(days=exam.days)), exam, tz)
        after = self.rule("after_course")
        if after is not None:
            due["after_course"] = self._on(ends + timedelta(days=after.days), after, tz)
        return due

    def by_counsellor(self, now: datetime, tz: ZoneInfo) -> datetime | None:
        """When a check-in a counsellor plans now falls due."""
        rule = self.rule("counsellor")
        if rule is None:
            return None
        return self._on(now.astimezone(tz).date() + timedelta(days=max(rule.days, 1)), rule, tz)
