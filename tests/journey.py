"""Helpers to walk the journey through the engine in tests."""

from __future__ import annotations

from bot.core.events import ChoiceIn, CommandIn, Event
from bot.core.state import State
from bot.flows.base import Ctx, Outcome
from bot.flows.engine import handle


def walk(ctx: Ctx, *keys: str, state: State | None = None) -> Outcome:
    """Start, then press the buttons ``keys`` in order, each with the current token."""
    outcome = handle(state or State(), CommandIn("start"), ctx)
    for key in keys:
        outcome = handle(outcome.state, ChoiceIn(key, outcome.state.version), ctx)
    return outcome


def step(outcome: Outcome, event: Event, ctx: Ctx) -> Outcome:
    return handle(outcome.state, event, ctx)


def answers_path(status: str, benefits: str | None, age: str) -> list[str]:
    """The buttons to press after language and consent for a status."""
    special = status in ("eu_citizen", "asylum", "ukraine")
    path = ["special", status] if special else [status]
    if benefits is not None:
        path.append(benefits)
    return [*path, age]
