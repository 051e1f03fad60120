"""Language flow: choose the language, suggested from the Telegram client's language."""

from __future__ import annotations

from typing import Final

from bot.core.labels import LANGUAGE_NAMES
from bot.core.messages import N_, Msg, Option, Reply
from bot.core.state import State, stored_step
from bot.flows.base import Ctx, Outcome


class LanguageStep:
    """Ask for the language; afterwards go back to where the user was, or on to consent."""

    name: Final = "language"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        order = list(ctx.languages)
        if ctx.suggested in order and state.lang is None:
            order.remove(ctx.suggested)
            order.insert(0, ctx.suggested)
        return [
            Reply(
                Msg(N_("Please choose your language.")),
                title=Msg(N_("Welcome to Wegweiser {city}"), {"city": Msg(ctx.content.name)}),
                options=tuple(Option(code, LANGUAGE_NAMES.get(code, code)) for code in order),
                columns=2,
            )
        ]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        if state.resume:
            nxt = state.go(stored_step(state.resume), remember=False, lang=key, resume=None)
        elif state.consent:
            nxt = state.go("status", lang=key)
        else:
            nxt = state.go("privacy", lang=key)
        return Outcome(nxt, ())
