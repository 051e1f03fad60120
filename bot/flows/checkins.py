"""Check-ins flow: the offer (asked once, at booking or when following a course) and what the
newcomer answers under a check-in message (went, could not go, fine, problems and why, stop).

A check-in message comes from the outbox; its buttons arrive as :class:`CheckinIn` events
from any step. Answers that need a person open (or add to) the case in the counsellors' group.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from bot.core.checkins import ANSWER_LABELS, REASONS
from bot.core.events import CheckinIn
from bot.core.messages import N_, Msg, Option, Reply
from bot.core.state import State
from bot.flows.base import CheckinAnswered, CheckinConsent, Ctx, OpenCase, Outcome
from bot.flows.guidance import CASE_OPEN, CASE_OPENED, TO_MENU, online_reply, person_reply

OFFER = N_(
    "May I check in with you now and then? The day after your visit, and during and after "
    "your course. You can say stop under every message."
)
OFFER_YES = Option("ci_yes", Msg(N_("Yes, check in with me")))
OFFER_NO = Option("ci_no", Msg(N_("No, thank you")))
OFFER_KEYS = frozenset({OFFER_YES.key, OFFER_NO.key})
AGREED = N_("Thank you. I will check in with you. Under every message you can say stop.")
DECLINED = N_("All right. I will not check in with you. You can write to me at any time.")
STOPPED = N_("I will not check in with you any more. You can write to me at any time.")
THANKS_WENT = N_("Thank you. Good that you went. Your counselling service will keep helping you.")
THANKS_FINE = N_("Thank you. Good to hear. Good luck with your course!")
THANKS_NOTED = N_("Thank you for telling me.")
REBOOK = N_("No problem. Let us find a new appointment.")
WHY = N_("I am sorry to hear that. What is the problem?")
PASSED_ON = N_(
    "Thank you. I have passed this on to the counsellors. A counsellor will write to you here."
)
ASK_PROVIDER = N_(
    "Thank you. Please talk to your course provider or a counselling service about it."
)


def with_offer(replies: list[Reply], ctx: Ctx) -> list[Reply]:
    """A step's replies with the check-in offer after them, if the newcomer has not answered
    it yet: the step's buttons move under the offer (buttons only ever end an answer)."""
    if ctx.checkins is not None or not replies:
        return replies
    *before, last = replies
    question = Reply(Msg(OFFER), options=(OFFER_YES, OFFER_NO, *last.options))
    return [*before, replace(last, options=()), question]


def consent(after: State, key: str) -> Outcome:
    """The answer to the offer; the core then shows the step ``after``."""
    yes = key == OFFER_YES.key
    reply = Reply(Msg(AGREED if yes else DECLINED))
    return Outcome(after, (reply,), (CheckinConsent(yes, then_prompt=True),))


class CheckinReasonStep:
    """Problems during the course: what kind (a case for the counsellors gets the reason)."""

    name: Final = "checkin_reason"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        options = tuple(Option(key, ANSWER_LABELS[key]) for key in REASONS)
        return [Reply(Msg(WHY), options=(*options, TO_MENU))]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        menu = state.go("menu", remember=False, answers=state.without("checkin"))
        checkin = state.answers.get("checkin", "")
        if key not in REASONS or not checkin.isdigit():
            return Outcome(menu, ())
        answered = CheckinAnswered(int(checkin), key)
        return _help(menu, ctx, answered)


def _help(menu: State, ctx: Ctx, answered: CheckinAnswered) -> Outcome:
    """A counsellor hears of it: a new case, or a note on the open one."""
    if not ctx.counselling_available:
        return Outcome(menu, (Reply(Msg(ASK_PROVIDER)),), (answered,))
    return Outcome(menu, (Reply(Msg(PASSED_ON)),), (answered, OpenCase("checkin")))


def answer(state: State, event: CheckinIn, ctx: Ctx) -> Outcome:
    """A button under a check-in message, pressed in any step."""
    answered = CheckinAnswered(event.checkin_id, event.answer)
    menu = state.go("menu", remember=False)
    if event.answer == "stop":
        return Outcome(state, (Reply(Msg(STOPPED)),), (answered, CheckinConsent(False)))
    if event.answer in ("went",):
        return Outcome(state, (Reply(Msg(THANKS_WENT)),), (answered,))
    if event.answer == "fine":
        return Outcome(state, (Reply(Msg(THANKS_FINE)),), (answered,))
    if event.answer == "notneeded":
        return Outcome(state, (Reply(Msg(THANKS_NOTED)),), (answered,))
    if event.answer in ("missed", "rebook"):
        booking = state.go("book_point", answers=state.without("reschedule", "alts"))
        return Outcome(booking, (Reply(Msg(REBOOK)),), (answered,))
    if event.answer == "courses":
        return Outcome(state.go("courses", answers=state.answer("cf_page", "0")), (), (answered,))
    if event.answer == "problems":
        asking = state.go("checkin_reason", answers=state.answer("checkin", str(event.checkin_id)))
        return Outcome(asking, (), (answered,))
    if event.answer in REASONS:
        return _help(menu, ctx, answered)
    # "person": as "Talk to a person" in the menu.
    if not ctx.counselling_available:
        return Outcome(menu, (online_reply(ctx, state),), (answered,))
    if ctx.open_case:
        return Outcome(menu, (Reply(Msg(CASE_OPEN)),), (answered, OpenCase("checkin")))
    expect = person_reply(ctx, state)
    opened = (Reply(Msg(CASE_OPENED)), *((expect,) if expect else ()))
    return Outcome(menu, opened, (answered, OpenCase("checkin")))
