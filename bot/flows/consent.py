"""Consent flow: the privacy notice before any personal answer, and erasing on request."""

from __future__ import annotations

from typing import Final

from bot.core.messages import N_, Arg, Lines, Msg, Option, Reply, counted
from bot.core.state import START_STEP, State, stored_step
from bot.flows.base import ERASE, Ctx, Outcome
from bot.flows.guidance import point_lines

PRIVACY_TEXT = N_(
    "What I store: your Telegram ID, your language, your answers (your situation, whether you "
    "receive Bürgergeld, your age group) and where you are in this conversation. Also your "
    "appointments, the courses you follow and your messages with a counsellor, if you use "
    "these. I do not store your name or your phone number. Questions I cannot answer are shown "
    "to the team behind this bot without your ID, so that answers can be added. /delete "
    "deletes them too.\n"
    "Why: to show you the right information, to continue where you stopped, and for your "
    "appointments, reminders and counselling. Counsellors see your answers and messages only "
    "when you book an appointment or ask for a person.\n"
    "How long: until you delete it. If you do not write to me for {period}, I delete everything "
    "automatically. Only the number of appointments is kept, without your ID.\n"
    "See your data: send /mydata.\n"
    "Delete: send /delete at any time."
)
# What the web chat and the check-ins add to it.
PRIVACY_MORE = N_(
    "In the web chat I store a random code from your browser instead of a Telegram ID. I also "
    "store our messages there, so that you can read them again. If you said yes to check-ins, "
    "I store when they are due and your answers. /delete deletes this too."
)


def period(days: int) -> Msg:
    """A number of days, e.g. the inactivity period after which a user is deleted."""
    return counted("{n} day", "{n} days", days)


PRIVACY_SHORT = N_(
    "To help you, I store your answers about your situation, not your name. You can see "
    "them with /mydata and delete them with /delete; after {period} without a message I "
    "delete them myself."
)
DECLINED_TEXT = N_(
    "Without your consent I ask nothing about your situation and store only your language. "
    "You can still type questions: I answer them and store nothing about you. You can also "
    "go to a counselling service directly:"
)


def privacy_notice(inactivity_days: int) -> Lines:
    """The privacy notice, also shown by /privacy."""
    return Lines((Msg(PRIVACY_TEXT, {"period": period(inactivity_days)}), Msg(PRIVACY_MORE)))


CONSENT_OPTIONS = (
    Option("agree", Msg(N_("I agree"))),
    Option("decline", Msg(N_("I do not agree"))),
)


class PrivacyStep:
    """Two sentences and a "details" button; only "I agree" lets the journey ask personal
    questions."""

    name: Final = "privacy"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        title = Msg(N_("Your data"))
        if state.answers.get("privacy") == "details":
            return [
                Reply(privacy_notice(ctx.inactivity_days), title=title, options=CONSENT_OPTIONS)
            ]
        short = Msg(PRIVACY_SHORT, {"period": period(ctx.inactivity_days)})
        details = Option("details", Msg(N_("Details on my data")))
        return [Reply(short, title=title, options=(*CONSENT_OPTIONS, details))]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        if key == "agree":
            return Outcome(state.go("status", consent=True, answers=state.without("privacy")), ())
        if key == "details":
            return Outcome(state.go("privacy", answers=state.answer("privacy", "details")), ())
        return Outcome(state.go("declined", answers=state.without("privacy")), ())


class DeclinedStep:
    """Without consent the bot asks nothing personal, says so, and names where to go."""

    name: Final = "declined"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        lines: list[Arg] = [Msg(DECLINED_TEXT)]
        for point in ctx.content.points.values():
            if point.online or point.findable:
                lines += point_lines(point)
        return [Reply(Lines(tuple(lines)), options=(Option("agree", Msg(N_("I agree now"))),))]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        return Outcome(state.go("status", consent=True), ())


class RestartStep:
    """Ask before "start over" clears the answers."""

    name: Final = "restart"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        text = N_(
            "Start over? Your answers about your situation are cleared. Your appointments and "
            "courses stay."
        )
        return [
            Reply(
                Msg(text),
                options=(
                    Option("yes", Msg(N_("Yes, start over"))),
                    Option("no", Msg(N_("No, go back"))),
                ),
                columns=2,
            )
        ]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        if key == "yes":
            return Outcome(state.restarted(), ())
        back = stored_step(state.resume, "status")
        return Outcome(state.go(back, remember=False, resume=None), ())


class DeleteStep:
    """Confirm before erasing everything stored about the user."""

    name: Final = "delete"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        return [
            Reply(
                Msg(N_("Do you want me to delete everything I have stored about you?")),
                options=(
                    Option("erase", Msg(N_("Yes, delete everything"))),
                    Option("keep", Msg(N_("No, keep it"))),
                ),
            )
        ]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        if key == "erase":
            done = Reply(
                Msg(N_("Everything about you has been deleted. Send /start to begin again."))
            )
            return Outcome(State(step=START_STEP, version=state.version + 1), (done,), (ERASE,))
        back = stored_step(state.resume, "status")
        return Outcome(state.go(back, remember=False, resume=None), ())
