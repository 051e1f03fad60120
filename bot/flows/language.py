"""Language flow: choose the language, suggested from the Telegram client's language."""

from __future__ import annotations

from bot.core.labels import LANGUAGE_NAMES
from bot.core.messages import N_, Msg, Option, Reply
from bot.core.state import State
from bot.flows.base import Ctx, Outcome


class LanguageStep:
    """Ask for the language; afterwards go back to where the user was, or on to consent."""

    name = "language"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        order = list(ctx.languages)
        if ctx.suggested in order and state.lang is None:
            order.remove(ctx.suggested)
            order.insert(0, ctx.suggested)
        return [
            Reply(
                Msg(N_("Please choose your language.")),
                title=Msg(N_("Welcome to Wegweiser Stuttgart")),
                options=tuple(Option(code, LANGUAGE_NAMES.get(code, code)) for code in order),
                columns=2,
            )
        ]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        if state.resume:
            nxt = state.go(state.resume, remember=False, lang=key, resume=None)
        elif state.consent:
            nxt = state.go("status", lang=key)
        else:
            nxt = state.go("privacy", lang=key)
        return Outcome(nxt, ())
