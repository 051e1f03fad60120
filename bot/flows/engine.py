"""The conversation engine: routes an event to the current step, handles what works anywhere.

``handle(state, event, ctx)`` is the whole contract: it returns the next state and the replies.
Commands (/start, /help, /language, /privacy, /mydata, /delete), "back", "start over", stale or
forged buttons and input of the wrong kind are handled here, once, for every step.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.events import (
    BookingDone,
    BookingFailed,
    CheckinIn,
    ChoiceIn,
    CommandIn,
    Event,
    InvalidChoiceIn,
    LocationIn,
    TextIn,
    UnsupportedIn,
)
from bot.core.messages import N_, Msg, Option, Reply
from bot.core.state import START_STEP, State
from bot.flows import checkins
from bot.flows.base import (
    EXPORT,
    Book,
    Cancel,
    CheckinConsent,
    Ctx,
    Erase,
    Follow,
    FollowNews,
    Outcome,
    Relay,
    Step,
)
from bot.flows.booking import (
    AppointmentsStep,
    BookAlternativesStep,
    BookDayStep,
    BookedStep,
    BookPointStep,
    BookTimeStep,
    after_booking,
)
from bot.flows.checkins import CheckinReasonStep
from bot.flows.consent import (
    DeclinedStep,
    DeleteStep,
    PrivacyStep,
    RestartStep,
    privacy_notice,
)
from bot.flows.courses import (
    COURSE_STEPS,
    CourseDistrictStep,
    CourseFiltersStep,
    CoursesStep,
    CourseTimeStep,
    CourseWeeksStep,
    RemindersStep,
    with_location,
)
from bot.flows.guidance import TO_MENU, MenuStep, ResultStep
from bot.flows.language import LanguageStep, MoreLanguagesStep
from bot.flows.questions import FAQ_PREFIX, chosen, is_faq_key, question
from bot.flows.triage import AgeStep, BenefitsStep, SpecialStep, StatusStep, UnsureStep

STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        LanguageStep(),
        MoreLanguagesStep(),
        PrivacyStep(),
        DeclinedStep(),
        DeleteStep(),
        RestartStep(),
        StatusStep(),
        SpecialStep(),
        UnsureStep(),
        BenefitsStep(),
        AgeStep(),
        ResultStep(),
        MenuStep(),
        BookPointStep(),
        BookDayStep(),
        BookTimeStep(),
        BookAlternativesStep(),
        BookedStep(),
        AppointmentsStep(),
        CoursesStep(),
        CourseFiltersStep(),
        CourseDistrictStep(),
        CourseTimeStep(),
        CourseWeeksStep(),
        RemindersStep(),
        CheckinReasonStep(),
    )
}
BOOKING_STEPS = frozenset(
    {"book_point", "book_day", "book_time", "book_alt", "booked", "appointments"}
)
BACK = "_back"
FAQ_NONE = FAQ_PREFIX + "none"
RESTART = "_restart"
COMMANDS = (
    "start",
    "help",
    "language",
    "privacy",
    "mydata",
    "delete",
    "appointments",
    "reminders",
)
# Steps the user cannot meaningfully "start over" from.
MAX_RELAY = 4096
LANGUAGE_STEPS = frozenset({"language", "language_more"})
NO_RESTART = LANGUAGE_STEPS | {"privacy", "declined", "delete", "restart"}
# Steps that show the same screen: "back" from one never lands on the other.
SAME_SCREEN = ({"result", "menu"},)

HELP_TEXT = N_(
    "I help newcomers in {city} find out who decides about their integration course, "
    "what that means and where to get counselling.\n"
    "Type a question in your own words at any time; I answer from my list of questions.\n"
    'To talk to a person, choose "Talk to a person" in the menu after your result.\n'
    "/start – start from the beginning\n"
    "/language – change the language\n"
    "/appointments – your appointments\n"
    "/reminders – your course reminders\n"
    "/privacy – what I store about you\n"
    "/mydata – all your stored data, as a file\n"
    "/delete – delete your data\n"
    "/help – this help"
)


def _help(ctx: Ctx) -> Msg:
    return Msg(HELP_TEXT, {"city": Msg(ctx.content.name)})


def _step(state: State) -> Step:
    return STEPS.get(state.step) or STEPS[START_STEP]


def current_options(state: State, ctx: Ctx) -> tuple[Option, ...]:
    """The options of the current step, including "back" and "start over"."""
    replies = _step(state).prompt(state, ctx)
    own = replies[-1].options if replies else ()
    return own + _navigation(state)


def _navigation(state: State) -> tuple[Option, ...]:
    extra: list[Option] = []
    if state.history and state.step != "restart":  # its "No, go back" is the way back
        extra.append(Option(BACK, Msg(N_("« Back"))))
    if state.step not in NO_RESTART and state.consent:
        extra.append(Option(RESTART, Msg(N_("Start over"))))
    return tuple(extra)


def prompt(state: State, ctx: Ctx) -> list[Reply]:
    """The current step's messages, with navigation added to the last one."""
    if state.step not in STEPS or not _valid(state, ctx):
        state = replace(state, step=START_STEP)
    replies = _step(state).prompt(state, ctx)
    nav = _navigation(state)
    if replies and nav:
        last = replies[-1]
        replies[-1] = replace(last, options=last.options + nav)
    return replies


def _valid(state: State, ctx: Ctx) -> bool:
    """Whether the saved answers still fit the content (it may have changed since)."""
    if state.step in BOOKING_STEPS | COURSE_STEPS and not state.consent:
        return False
    if (
        state.step in ("book_day", "book_time")
        and state.answers.get("book_point") not in ctx.content.points
    ):
        return False
    needs_status = state.step in ("benefits", "age", "result", "menu")
    status = state.answers.get("status")
    if needs_status and status not in ctx.content.statuses:
        return False
    if state.step in ("result", "menu"):
        return state.answers.get("age") in ("under_27", "27_plus") and any(
            all(state.answers.get(k) == v for k, v in rule.when.items())
            for rule in ctx.content.rules
        )
    return True


def _lang(state: State, ctx: Ctx) -> str:
    return state.lang or ctx.suggested or ctx.languages[0]


def _say(state: State, ctx: Ctx, *before: Reply) -> Outcome:
    return Outcome(state, (*before, *prompt(state, ctx)))


def _command(state: State, event: CommandIn, ctx: Ctx) -> Outcome:
    name = event.name
    if name == "start":
        return _say(state.restarted(), ctx)
    if name == "help":
        return _say(state, ctx, Reply(_help(ctx)))
    if name == "privacy":
        notice = privacy_notice(ctx.inactivity_days)
        return _say(state, ctx, Reply(notice, title=Msg(N_("Your data"))))
    if name == "mydata":
        return Outcome(state, (), (EXPORT,))  # the core gathers the data, then shows the step
    if name == "language":
        resume = state.step if state.lang is not None and state.step not in LANGUAGE_STEPS else None
        return _say(state.go("language", remember=False, resume=resume), ctx)
    if name in ("appointments", "reminders"):
        if not state.consent:
            return _say(state.go("privacy", remember=False), ctx)
        return _say(state.go("appointments" if name == "appointments" else "reminders"), ctx)
    if name == "delete":
        resume = state.step if state.step != "delete" else state.resume
        return _say(state.go("delete", remember=False, resume=resume), ctx)
    unknown = Msg(N_("I do not know the command /{command}."), {"command": name[:32]})
    return _say(state, ctx, Reply(unknown), Reply(_help(ctx)))


def _choice(state: State, event: ChoiceIn, ctx: Ctx) -> Outcome:
    stale = Reply(Msg(N_("This button is no longer valid. Here is the current step.")))
    if event.token is not None and event.token != state.version:
        return _say(state, ctx, stale)
    if is_faq_key(event.key, ctx):
        if state.step in ("result", "menu"):
            menu = state.go("menu", remember=False)
            return _to_menu(chosen(menu, event.key, _lang(state, ctx), ctx, []))
        return chosen(state, event.key, _lang(state, ctx), ctx, prompt(state, ctx))
    step = _step(state)
    accepts = getattr(step, "accepts", None)
    offered = event.key in {o.key for o in current_options(state, ctx)}
    if not offered and not (accepts is not None and accepts(state, event.key, ctx)):
        return _say(state, ctx, stale)
    if event.key == BACK:
        return _say(_back(state), ctx)
    if event.key == RESTART:
        confirm = state.go("restart", remember=False, resume=state.step)
        return _say(confirm, ctx)
    outcome = step.choose(state, event.key, ctx)
    return _continue(outcome, ctx)


def _to_menu(outcome: Outcome) -> Outcome:
    """After an answer on the result or menu: one button back to the menu, not the whole
    result again (a "did you mean" list keeps its own buttons)."""
    if not outcome.replies:
        return Outcome(
            outcome.state,
            (Reply(Msg(N_("What would you like to do next?")), options=(TO_MENU,)),),
            outcome.effects,
        )
    last = outcome.replies[-1]
    if any(o.key == FAQ_NONE for o in last.options):
        return outcome
    last = replace(last, options=(*last.options, TO_MENU))
    return replace(outcome, replies=(*outcome.replies[:-1], last))


def _same_screen(a: str, b: str) -> bool:
    return a == b or any({a, b} <= group for group in SAME_SCREEN)


def _back(state: State) -> State:
    """The step before this one, skipping steps that showed the same screen."""
    history = list(state.history)
    target = history.pop()
    while history and _same_screen(target, state.step):
        target = history.pop()
    return replace(state, step=target, history=tuple(history), version=state.version + 1)


def _continue(outcome: Outcome, ctx: Ctx) -> Outcome:
    """Add the next step's prompt, unless the core must act first or the user was erased."""
    if any(
        isinstance(e, Erase | Book | Cancel | Follow | FollowNews)
        or (isinstance(e, CheckinConsent) and e.then_prompt)
        for e in outcome.effects
    ):
        return outcome  # the core acts first, then shows the next step
    replies = (*outcome.replies, *prompt(outcome.state, ctx))
    return Outcome(outcome.state, replies, outcome.effects)


def handle(state: State, event: Event, ctx: Ctx) -> Outcome:
    """Apply one event to a state: the single entry point of every channel."""
    if state.step not in STEPS or not _valid(state, ctx):
        state = state.restarted()
    if isinstance(event, CommandIn):
        return _command(state, event, ctx)
    if isinstance(event, ChoiceIn):
        return _choice(state, event, ctx)
    if isinstance(event, InvalidChoiceIn):
        stale = Msg(N_("This button is no longer valid. Here is the current step."))
        return _say(state, ctx, Reply(stale))
    if isinstance(event, CheckinIn):
        if not state.consent:
            return Outcome(state, tuple(prompt(state, ctx)))
        answered = checkins.answer(state, event, ctx)
        # A thank-you leaves the user where they were; a new step shows itself.
        moved = answered.state.step != state.step
        return _continue(answered, ctx) if moved else answered
    if isinstance(event, BookingDone | BookingFailed):
        if state.step not in ("book_time", "book_alt"):
            return Outcome(state, tuple(prompt(state, ctx)))
        return _continue(after_booking(state, event, ctx), ctx)
    if isinstance(event, TextIn) and ctx.open_case and event.text.strip():
        sent = Reply(Msg(N_("Sent to your counsellor.")))
        # Telegram's own limit for one message; long texts go on as several messages.
        return Outcome(state, (sent,), (Relay(event.text.strip()[:MAX_RELAY]),))
    if isinstance(event, TextIn) and ctx.faq is not None and event.text.strip():
        text, lang = event.text.strip()[:500], _lang(state, ctx)
        if state.step in ("result", "menu"):
            return _to_menu(question(state.go("menu", remember=False), text, lang, ctx, []))
        return question(state, text, lang, ctx, prompt(state, ctx))
    if isinstance(event, TextIn) and state.step in ("result", "menu"):
        return _say(state.go("menu", remember=False), ctx, Reply(Msg(COMING_QUESTION)))
    if isinstance(event, TextIn):
        return _say(state, ctx, Reply(Msg(N_("Please choose one of the options below."))))
    if isinstance(event, LocationIn) and state.step in COURSE_STEPS and state.step != "reminders":
        return _continue(with_location(state, event.latitude, event.longitude), ctx)
    if isinstance(event, LocationIn):
        return _say(state, ctx, Reply(Msg(N_("Thank you, but I do not need a location here."))))
    assert isinstance(event, UnsupportedIn)
    unsupported = N_("I can only read text and buttons. Please choose one of the options below.")
    return _say(state, ctx, Reply(Msg(unsupported)))


COMING_QUESTION = N_(
    "I cannot answer typed questions yet; this is coming soon. Until then, a counselling "
    "service can answer them. Please choose one of the options below."
)
