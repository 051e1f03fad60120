"""Triage flow: find the user's situation (status, Bürgergeld, age band)."""

from __future__ import annotations

from typing import Final

from bot.core.messages import N_, Msg, Option, Reply
from bot.core.state import State, StepName
from bot.flows.base import Ctx, Outcome

YES_NO = (Option("yes", Msg(N_("Yes"))), Option("no", Msg(N_("No"))))
DONT_KNOW = Option("unknown", Msg(N_("I do not know")))
AGE_OPTIONS = (
    Option("under_27", Msg(N_("Under 27"))),
    Option("27_plus", Msg(N_("27 or older"))),
)


def _after_status(state: State, status: str, ctx: Ctx, unsure: bool = False) -> Outcome:
    answers = {**state.without("benefits", "triage", "unsure"), "status": status}
    if unsure:
        answers["unsure"] = "1"
    nxt: StepName = "benefits" if ctx.content.statuses[status].ask_benefits else "age"
    return Outcome(state.go(nxt, answers=answers), ())


class StatusStep:
    """Which of these describes you?"""

    name: Final = "status"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        main = [s for s in ctx.content.statuses.values() if not s.special]
        options = [Option(s.key, Msg(s.label)) for s in main]
        if ctx.content.other_statuses:
            options.append(Option("special", Msg(ctx.content.other_statuses)))
        if ctx.content.triage:
            options.append(Option("unsure", Msg(N_("I am not sure"))))
        return [Reply(Msg(N_("Which of these describes you best?")), options=tuple(options))]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        if key == "special":
            return Outcome(state.go("special"), ())
        if key == "unsure":
            answers = {**state.without("unsure"), "triage": "0"}
            return Outcome(state.go("unsure", answers=answers), ())
        return _after_status(state, key, ctx)


class SpecialStep:
    """The special cases: EU citizens, asylum seekers or Duldung, Ukrainians with § 24."""

    name: Final = "special"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        special = [s for s in ctx.content.statuses.values() if s.special]
        return [
            Reply(
                Msg(N_("Which of these describes you best?")),
                options=tuple(Option(s.key, Msg(s.label)) for s in special),
            )
        ]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        return _after_status(state, key, ctx)


class UnsureStep:
    """Short yes/no questions, one at a time, until the status is clear."""

    name: Final = "unsure"

    def _index(self, state: State, ctx: Ctx) -> int:
        try:
            index = int(state.answers.get("triage", "0"))
        except ValueError:
            index = 0
        return min(max(index, 0), len(ctx.content.triage) - 1)

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        question = ctx.content.triage[self._index(state, ctx)]
        return [Reply(Msg(question.question), options=(*YES_NO, DONT_KNOW), columns=2)]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        index = self._index(state, ctx)
        question = ctx.content.triage[index]
        unsure = key == "unknown" or state.answers.get("unsure") == "1"
        if key == "yes":
            return _after_status(state, question.yes, ctx, unsure)
        last = index == len(ctx.content.triage) - 1
        if key == "unknown" and last:
            return _after_status(state, question.unknown or question.no or question.yes, ctx, True)
        if key == "no" and question.no is not None:
            return _after_status(state, question.no, ctx, unsure)
        answers = {**state.answer("triage", str(index + 1))}
        if unsure:
            answers["unsure"] = "1"
        return Outcome(state.go("unsure", answers=answers), ())


class BenefitsStep:
    """Does the user also receive Bürgergeld? That can add the Jobcenter's route."""

    name: Final = "benefits"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        text = N_("Do you receive Bürgergeld (formerly ALG II) from the Jobcenter?")
        return [Reply(Msg(text), options=YES_NO, columns=2)]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        return Outcome(state.go("age", answers=state.answer("benefits", key)), ())


class AgeStep:
    """The age band decides between youth (JMD) and adult (MBE) counselling."""

    name: Final = "age"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        text = N_("How old are you? This decides which counselling service is for you.")
        return [Reply(Msg(text), options=AGE_OPTIONS, columns=2)]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        return Outcome(state.go("result", answers=state.answer("age", key)), ())
