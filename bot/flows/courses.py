"""Courses flow: courses that fit the newcomer, filters, following a course or new ones."""

from __future__ import annotations

from typing import Final

from bot.core.courses.cards import card
from bot.core.courses.matching import (
    RADIUS_KM,
    TIMES_OF_DAY,
    CourseView,
    Filters,
    eligible_types,
    find,
)
from bot.core.messages import (
    N_,
    Arg,
    Lines,
    Msg,
    Option,
    Reply,
    Term,
    counted,
)
from bot.core.rules.routing import decide
from bot.core.state import State, StepName
from bot.flows import checkins
from bot.flows.base import Ctx, Follow, FollowNews, Outcome
from bot.flows.guidance import fact_args

PAGE = 5
FOLLOWING = N_(
    "You follow this course now. I will remind you before it starts and tell you if it "
    "changes. /reminders shows what you follow."
)
MENU = Option("menu", Msg(N_("Back to the menu")))
TO_LIST = Option("list", Msg(N_("Show the courses")))
TIME_LABELS = {
    "morning": N_("Mornings"),
    "afternoon": N_("Afternoons"),
    "evening": N_("Evenings"),
}
WEEKS = (4, 8, 12)
COURSE_STEPS = frozenset(
    {"courses", "course_filters", "course_district", "course_time", "course_weeks", "reminders"}
)


def filters_of(state: State) -> Filters:
    """The user's course filters, kept in their answers."""
    a = state.answers
    near = None
    if a.get("cf_lat") and a.get("cf_lon"):
        try:
            near = (float(a["cf_lat"]), float(a["cf_lon"]))
        except ValueError:
            near = None
    weeks = a.get("cf_weeks", "")
    return Filters(
        district=a.get("cf_district") or None,
        near=near,
        time_of_day=a.get("cf_time") if a.get("cf_time") in TIMES_OF_DAY else None,
        childcare=a.get("cf_childcare") == "yes",
        within_weeks=int(weeks) if weeks.isdigit() else None,
    )


def _found(state: State, ctx: Ctx) -> list[CourseView]:
    return find(ctx.courses, filters_of(state), eligible_types(state.answers.get("age")), ctx.today)


def _summary(state: State) -> Msg:
    f = filters_of(state)
    parts: list[Arg] = []
    if f.district:
        parts.append(Term(f.district))
    if f.near:
        parts.append(Msg(N_("within {km} km"), {"km": int(RADIUS_KM)}))
    if f.time_of_day:
        parts.append(Msg(TIME_LABELS[f.time_of_day]))
    if f.childcare:
        parts.append(Msg(N_("with childcare")))
    if f.within_weeks:
        parts.append(
            counted("starting within {n} week", "starting within {n} weeks", f.within_weeks)
        )
    if not parts:
        return Msg(N_("Filters: none"))
    return Msg(N_("Filters: {filters}"), {"filters": Lines(tuple(parts))})


def _admission_stop(state: State, ctx: Ctx) -> tuple[Arg, ...]:
    """For someone whose every route is stopped: no admission now, and what paying costs."""
    try:
        routes = decide(ctx.content, state.answers).routes
    except LookupError:
        return ()
    if not routes or not all(r.paused for r in routes):
        return ()
    facts = fact_args(ctx.content)
    if "selfpay_per_unit" not in facts:
        return (Msg(N_("Because of the admission stop you cannot be admitted now.")),)
    text = N_(
        "Because of the admission stop you cannot be admitted now. You can join a course if "
        "you pay yourself, at least {selfpay_per_unit} per teaching unit; ask the provider "
        "for the price and a free place."
    )
    return (Msg(text, facts),)


class CoursesStep:
    """Courses that fit, five at a time, each to follow."""

    name: Final = "courses"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        found = _found(state, ctx)
        page = int(state.answers.get("cf_page", "0") or 0)
        shown = found[page * PAGE : (page + 1) * PAGE]
        near = filters_of(state).near
        options: list[Option] = [
            Option(
                f"follow{c.id}", Msg(N_("Follow course {number}"), {"number": page * PAGE + i + 1})
            )
            for i, c in enumerate(shown)
            if c.id not in {f.id for f in ctx.followed}
        ]
        if len(found) > (page + 1) * PAGE:
            options.append(Option("next", Msg(N_("More courses"))))
        options += [
            Option("filters", Msg(N_("Change the filters"))),
            Option("news", Msg(N_("Tell me about new courses"))),
            MENU,
        ]
        stop = _admission_stop(state, ctx)
        if not shown:
            body: Arg = Lines(
                (*stop, _summary(state), Msg(N_("No course fits these filters right now.")))
            )
        else:
            cards = tuple(card(page * PAGE + i + 1, c, near) for i, c in enumerate(shown))
            head = counted("{n} course fits.", "{n} courses fit.", len(found))
            if stop:
                head = counted(
                    "{n} course you could join as a self-payer.",
                    "{n} courses you could join as a self-payer.",
                    len(found),
                )
            body = Lines((*stop, head, _summary(state), *cards))
        courses = Reply(body, title=Msg(N_("Courses for you")), options=tuple(options))
        # Someone who follows a course is asked once whether they want check-ins.
        return checkins.with_offer([courses], ctx) if ctx.followed else [courses]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        if key in checkins.OFFER_KEYS:
            return checkins.consent(state, key)
        if key == "menu":
            return Outcome(state.go("menu", remember=False), ())
        if key == "filters":
            return Outcome(state.go("course_filters"), ())
        if key == "next":
            page = int(state.answers.get("cf_page", "0") or 0) + 1
            return Outcome(
                state.go("courses", remember=False, answers=state.answer("cf_page", str(page))), ()
            )
        if key == "news":
            wish = {**filters_of(state).to_json(), "age": state.answers.get("age")}
            told = Reply(
                Msg(N_("I will tell you when a new course that fits these filters is announced."))
            )
            return Outcome(state, (told,), (FollowNews(wish),))
        course_id = int(key.removeprefix("follow"))
        return Outcome(state, (Reply(Msg(FOLLOWING)),), (Follow(course_id),))


class CourseFiltersStep:
    """Which filter to change."""

    name: Final = "course_filters"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        childcare = state.answers.get("cf_childcare") == "yes"
        options = (
            Option("district", Msg(N_("District"))),
            Option("time", Msg(N_("Time of day"))),
            Option("weeks", Msg(N_("Start within"))),
            Option(
                "childcare",
                Msg(N_("Only with childcare: on"))
                if not childcare
                else Msg(N_("Only with childcare: off")),
            ),
            Option("reset", Msg(N_("Clear all filters"))),
            TO_LIST,
        )
        text = Lines(
            (
                _summary(state),
                Msg(N_("To search near you, share your location with the paperclip button.")),
            )
        )
        return [Reply(text, options=options)]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        steps: dict[str, StepName] = {
            "district": "course_district",
            "time": "course_time",
            "weeks": "course_weeks",
        }
        if key in steps:
            return Outcome(state.go(steps[key]), ())
        if key == "childcare":
            value = "no" if state.answers.get("cf_childcare") == "yes" else "yes"
            return Outcome(
                state.go(
                    "course_filters", remember=False, answers=state.answer("cf_childcare", value)
                ),
                (),
            )
        if key == "reset":
            cleared = {k: v for k, v in state.answers.items() if not k.startswith("cf_")}
            return Outcome(state.go("courses", remember=False, answers=cleared), ())
        return _back_to_list(state)


def _back_to_list(state: State, **changes: str) -> Outcome:
    answers = {**state.answers, **changes, "cf_page": "0"}
    return Outcome(state.go("courses", remember=False, answers=answers), ())


class CourseDistrictStep:
    """Districts that have courses."""

    name: Final = "course_district"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        districts = sorted({c.district for c in ctx.courses}, key=str.casefold)
        options = [Option(f"d{i}", Term(d)) for i, d in enumerate(districts)]
        options.append(Option("any", Msg(N_("Any district"))))
        return [Reply(Msg(N_("Which district?")), options=tuple(options), columns=2)]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        districts = sorted({c.district for c in ctx.courses}, key=str.casefold)
        if key == "any":
            return _back_to_list(state, cf_district="")
        index = int(key[1:])
        return _back_to_list(state, cf_district=districts[index], cf_lat="", cf_lon="")


class CourseTimeStep:
    """Mornings, afternoons or evenings."""

    name: Final = "course_time"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        options = [Option(k, Msg(label)) for k, label in TIME_LABELS.items()]
        options.append(Option("any", Msg(N_("Any time"))))
        return [Reply(Msg(N_("When do you have time?")), options=tuple(options), columns=2)]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        return _back_to_list(state, cf_time="" if key == "any" else key)


class CourseWeeksStep:
    """How soon the course should start."""

    name: Final = "course_weeks"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        options = [Option(str(w), counted("Within {n} week", "Within {n} weeks", w)) for w in WEEKS]
        options.append(Option("any", Msg(N_("Any start"))))
        return [
            Reply(Msg(N_("How soon should the course start?")), options=tuple(options), columns=2)
        ]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        return _back_to_list(state, cf_weeks="" if key == "any" else key)


def with_location(state: State, latitude: float, longitude: float) -> Outcome:
    """A shared location: search near it (courses with coordinates only)."""
    return _back_to_list(state, cf_lat=f"{latitude:.5f}", cf_lon=f"{longitude:.5f}", cf_district="")


class RemindersStep:
    """/reminders: what the user follows, each to stop."""

    name: Final = "reminders"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        options: list[Option] = []
        lines: list[Arg] = []
        for i, course in enumerate(ctx.followed, start=1):
            lines.append(card(i, course))
            options.append(
                Option(f"stop{course.id}", Msg(N_("Stop course {number}"), {"number": i}))
            )
        if ctx.wants_news:
            lines.append(Msg(N_("You get news of new matching courses.")))
            options.append(Option("stopnews", Msg(N_("Stop news of new courses"))))
        if not lines:
            lines.append(Msg(N_("You do not get any reminders.")))
        options += [Option("courses", Msg(N_("See courses"))), MENU]
        return [Reply(Lines(tuple(lines)), title=Msg(N_("Your reminders")), options=tuple(options))]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        if key == "menu":
            return Outcome(state.go("menu", remember=False), ())
        if key == "courses":
            return Outcome(state.go("courses"), ())
        stopped = Reply(Msg(N_("Stopped.")))
        if key == "stopnews":
            return Outcome(state, (stopped,), (FollowNews(None),))
        return Outcome(state, (stopped,), (Follow(int(key.removeprefix("stop")), follow=False),))
