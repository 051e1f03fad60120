"""What works on every step: commands, back, start over, stale and forged buttons, bad input."""

from __future__ import annotations

import pytest

from bot.core.events import (
    ChoiceIn,
    CommandIn,
    InvalidChoiceIn,
    LocationIn,
    TextIn,
    UnsupportedIn,
)
from bot.core.messages import Msg
from bot.core.state import State
from bot.flows.base import ERASE, Ctx
from bot.flows.engine import BACK, RESTART, STEPS, current_options, handle, prompt
from tests.journey import walk

STALE = "This button is no longer valid. Here is the current step."
# A state at every step of the journey, reached by real button presses.
PATHS = {
    "language": [],
    "language_more": ["more"],
    "privacy": ["de"],
    "declined": ["de", "decline"],
    "status": ["de", "agree"],
    "special": ["de", "agree", "special"],
    "unsure": ["de", "agree", "unsure"],
    "benefits": ["de", "agree", "new_arrival"],
    "age": ["de", "agree", "new_arrival", "no"],
    "result": ["de", "agree", "new_arrival", "no", "27_plus"],
    "menu": ["de", "agree", "new_arrival", "no", "27_plus", "question"],
    "courses": ["de", "agree", "new_arrival", "no", "27_plus", "courses"],
    "course_filters": ["de", "agree", "new_arrival", "no", "27_plus", "courses", "filters"],
    "course_district": [
        "de",
        "agree",
        "new_arrival",
        "no",
        "27_plus",
        "courses",
        "filters",
        "district",
    ],
    "course_time": ["de", "agree", "new_arrival", "no", "27_plus", "courses", "filters", "time"],
    "course_weeks": ["de", "agree", "new_arrival", "no", "27_plus", "courses", "filters", "weeks"],
    "book_point": ["de", "agree", "new_arrival", "no", "27_plus", "book"],
    "restart": ["de", "agree", "new_arrival", "no", "27_plus", RESTART],
    "book_day": ["de", "agree", "new_arrival", "no", "27_plus", "book", "mbe"],
    "book_time": ["de", "agree", "new_arrival", "no", "27_plus", "book", "mbe", "d20261123"],
}
# Reached through the core's booking results or /appointments (see test_booking_flow.py), or
# a check-in's "problems" button (see test_checkins.py).
ELSEWHERE = {"delete", "book_alt", "booked", "appointments", "reminders", "checkin_reason"}


def _ids(outcome) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.body.msgid for r in outcome.replies if isinstance(r.body, Msg)]


def test_every_step_is_reachable(ctx: Ctx) -> None:
    for name, keys in PATHS.items():
        assert walk(ctx, *keys).state.step == name
    assert set(PATHS) | ELSEWHERE == set(STEPS)


# The second language page has its own "« Back" to the first (tested in test_languages.py).
@pytest.mark.parametrize(
    "name", [n for n in PATHS if n not in ("language", "language_more", "restart")]
)
def test_every_step_offers_back_and_start_over_once_consented(ctx: Ctx, name: str) -> None:
    state = walk(ctx, *PATHS[name]).state
    keys = {o.key for o in current_options(state, ctx)}
    assert BACK in keys
    if state.consent:
        assert RESTART in keys


@pytest.mark.parametrize("name", list(PATHS))
@pytest.mark.parametrize(
    "event",
    [
        UnsupportedIn("sticker"),
        UnsupportedIn("photo"),
        UnsupportedIn("voice"),
        LocationIn(48.78, 9.18),
        TextIn(""),
        TextIn("x" * 10_000),
        TextIn("hello"),
        CommandIn("nonsense"),
        InvalidChoiceIn(),
        ChoiceIn("forged-key", None),
    ],
)
def test_bad_input_gets_an_answer_and_loses_nothing(ctx: Ctx, name: str, event: object) -> None:
    before = walk(ctx, *PATHS[name])
    after = handle(before.state, event, ctx)  # type: ignore[arg-type]
    assert after.replies, "every input gets an answer"
    # The answer ends with the current step again, options and all; answers are kept.
    if not (isinstance(event, LocationIn) and name.startswith("course")):
        assert after.state.answers == before.state.answers
    assert after.state.lang == before.state.lang
    assert after.replies[-1].options or after.state.step in ("result",)
    moved_by_location = isinstance(event, LocationIn) and name.startswith("course")
    if (not isinstance(event, TextIn) or name not in ("result", "menu")) and not moved_by_location:
        assert after.state.step == before.state.step


def test_stale_button_from_an_older_message_is_refused(ctx: Ctx) -> None:
    at_benefits = walk(ctx, "de", "agree", "new_arrival")
    at_age = handle(at_benefits.state, ChoiceIn("no", at_benefits.state.version), ctx)
    # "yes" from the benefits message, pressed again now that the user is at the age step:
    again = handle(at_age.state, ChoiceIn("yes", at_benefits.state.version), ctx)
    assert again.state == at_age.state
    assert _ids(again)[0] == STALE
    assert again.replies[-1].options == at_age.replies[-1].options


def test_forged_option_with_current_token_is_refused(ctx: Ctx) -> None:
    at_status = walk(ctx, "de", "agree")
    forged = handle(at_status.state, ChoiceIn("result", at_status.state.version), ctx)
    assert forged.state == at_status.state
    assert _ids(forged)[0] == STALE


def test_back_returns_to_the_previous_question(ctx: Ctx) -> None:
    at_age = walk(ctx, "de", "agree", "new_arrival", "yes")
    back = handle(at_age.state, ChoiceIn(BACK, at_age.state.version), ctx)
    assert back.state.step == "benefits"
    back2 = handle(back.state, ChoiceIn(BACK, back.state.version), ctx)
    assert back2.state.step == "status"


def test_start_over_keeps_language_and_consent_but_clears_answers(ctx: Ctx) -> None:
    done = walk(ctx, "uk", "agree", "buergergeld", "under_27")
    asked = handle(done.state, ChoiceIn(RESTART, done.state.version), ctx)
    assert asked.state.step == "restart"
    assert asked.state.answers == done.state.answers  # nothing cleared before "yes"
    again = handle(asked.state, ChoiceIn("yes", asked.state.version), ctx)
    assert again.state.step == "status"
    assert again.state.lang == "uk" and again.state.consent
    assert again.state.answers == {}


def test_start_over_asks_with_yes_and_no_only(ctx: Ctx) -> None:
    state = walk(ctx, *PATHS["restart"]).state
    assert [o.key for o in current_options(state, ctx)] == ["yes", "no"]


def test_start_over_can_be_taken_back(ctx: Ctx) -> None:
    done = walk(ctx, "uk", "agree", "buergergeld", "under_27", "courses")
    asked = handle(done.state, ChoiceIn(RESTART, done.state.version), ctx)
    kept = handle(asked.state, ChoiceIn("no", asked.state.version), ctx)
    assert kept.state.step == "courses"
    assert kept.state.answers == {**done.state.answers}


def test_start_command_from_anywhere(ctx: Ctx) -> None:
    mid = walk(ctx, "ar", "agree", "special")
    restarted = handle(mid.state, CommandIn("start"), ctx)
    assert restarted.state.step == "status"
    new_user = handle(State(), CommandIn("start"), ctx)
    assert new_user.state.step == "language"


def test_language_command_returns_to_the_same_step(ctx: Ctx) -> None:
    at_age = walk(ctx, "de", "agree", "long_resident", "no")
    lang = handle(at_age.state, CommandIn("language"), ctx)
    assert lang.state.step == "language"
    chosen = handle(lang.state, ChoiceIn("fa", lang.state.version), ctx)
    assert chosen.state.step == "age"
    assert chosen.state.lang == "fa"
    assert chosen.state.answers == at_age.state.answers


@pytest.mark.parametrize("command", ["help", "privacy"])
def test_help_and_privacy_show_text_then_the_current_step(ctx: Ctx, command: str) -> None:
    at_age = walk(ctx, "de", "agree", "long_resident", "no")
    out = handle(at_age.state, CommandIn(command), ctx)
    assert out.state == at_age.state
    assert len(out.replies) == 2
    assert out.replies[-1].options == prompt(at_age.state, ctx)[-1].options


def test_no_personal_question_before_consent(ctx: Ctx) -> None:
    declined = walk(ctx, "de", "decline")
    assert declined.state.step == "declined"
    assert not declined.state.consent
    # Pressing a status button from nowhere does not record anything.
    forged = handle(declined.state, ChoiceIn("new_arrival", declined.state.version), ctx)
    assert forged.state.answers == {}
    agreed = handle(declined.state, ChoiceIn("agree", declined.state.version), ctx)
    assert agreed.state.step == "status" and agreed.state.consent


def test_delete_asks_first_then_erases(ctx: Ctx) -> None:
    done = walk(ctx, "de", "agree", "buergergeld", "27_plus")
    asking = handle(done.state, CommandIn("delete"), ctx)
    assert asking.state.step == "delete"
    keep = handle(asking.state, ChoiceIn("keep", asking.state.version), ctx)
    assert keep.effects == () and keep.state.step == "result"
    asking = handle(keep.state, CommandIn("delete"), ctx)
    erased = handle(asking.state, ChoiceIn("erase", asking.state.version), ctx)
    assert erased.effects == (ERASE,)
    assert erased.state.lang is None and erased.state.answers == {}


def test_saved_state_that_no_longer_fits_the_content_restarts_safely(ctx: Ctx) -> None:
    broken = State(step="result", lang="de", consent=True, answers={"status": "gone", "age": "x"})
    out = handle(broken, TextIn("hi"), ctx)
    assert out.state.step == "status"
    unknown_step = State(step="removed-step", lang="de", consent=True)
    assert handle(unknown_step, TextIn("hi"), ctx).state.step == "status"


def test_state_survives_json_round_trip(ctx: Ctx) -> None:
    state = walk(ctx, "ru", "agree", "special", "ukraine", "yes").state
    assert State.from_json(state.to_json()) == state
    assert State.from_json({"step": None, "version": "x1"} | {"version": 0}).step == "language"
