"""Check-ins: short questions after the first visit, during the course and after it, the
accompaniment the first-counselling model intends. When each falls due is worked out here,
from the content pack's schedule; what a newcomer may answer, too. No framework, no storage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from bot.content.model import CHECKIN_KINDS, CheckinKind, CheckinRule
from bot.core.messages import N_, Msg

__all__ = ["CHECKIN_KINDS", "CheckinKind", "CheckinRule"]

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
class Schedule:
    """The city's check-ins, by kind."""

    rules: Mapping[CheckinKind, CheckinRule]

    def rule(self, kind: CheckinKind) -> CheckinRule | None:
        rule = self.rules.get(kind)
        return rule if rule is not None and rule.enabled else None

    def _on(self, day: date, rule: CheckinRule, tz: ZoneInfo) -> datetime:
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

    def for_course(
        self, starts: date, ends: date | None, tz: ZoneInfo
    ) -> dict[CheckinKind, datetime]:
        """When a course's check-ins fall due; without an end date only the first week's."""
        due: dict[CheckinKind, datetime] = {}
        week = self.rule("course_week")
        if week is not None:
            due["course_week"] = self._on(starts + timedelta(days=week.days), week, tz)
        if ends is None or ends <= starts:
            return due
        half = self.rule("course_half")
        middle = starts + (ends - starts) / 2
        if half is not None and middle > starts + timedelta(days=week.days if week else 0):
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


# What the buttons say (newcomers), and how counsellors read the history (in German).
ANSWER_LABELS: dict[Answer, Msg] = {
    "went": Msg(N_("Yes, I went")),
    "missed": Msg(N_("I could not go")),
    "notneeded": Msg(N_("I do not need it any more")),
    "fine": Msg(N_("Yes, it is going well")),
    "problems": Msg(N_("There are problems")),
    "courses": Msg(N_("Show me courses")),
    "person": Msg(N_("Talk to a person")),
    "rebook": Msg(N_("Book a new appointment")),
    "stop": Msg(N_("Stop check-ins")),
    "r_time": Msg(N_("The course times")),
    "r_child": Msg(N_("Childcare")),
    "r_level": Msg(N_("The level is not right")),
    "r_money": Msg(N_("Money or costs")),
    "r_other": Msg(N_("Something else")),
}
KIND_LABELS: dict[CheckinKind, Msg] = {
    "after_visit": Msg(N_("after the first visit")),
    "no_course": Msg(N_("no course yet")),
    "course_week": Msg(N_("first course week")),
    "course_half": Msg(N_("half-way through the course")),
    "before_exam": Msg(N_("before the exams")),
    "after_course": Msg(N_("after the course")),
    "counsellor": Msg(N_("asked for by a counsellor")),
    "noshow": Msg(N_("missed visit")),
}
