"""Language flow: choose the language, suggested from the Telegram client's language.

The first page holds the most likely languages (the client's own first, then its neighbours,
then the menu's order); "More languages" opens a page with all the others. Every button names
its language in that language's own script, so each reader finds theirs in any menu.
"""

from __future__ import annotations

from typing import Final

from bot.core.labels import LANGUAGE_NAMES
from bot.core.messages import N_, Msg, Option, Reply
from bot.core.state import State, stored_step
from bot.flows.base import Ctx, Outcome

MORE = "more"
FIRST = "first"
# Who reads one of these often reads its neighbour: offered right after it.
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "de": ("de-x-es",),
    "de-x-es": ("de",),
    "fa": ("prs",),
    "prs": ("fa", "ps"),
    "ps": ("prs",),
    "uk": ("ru",),
    "ru": ("uk",),
}


def pages(ctx: Ctx, first_page: int) -> tuple[list[str], list[str]]:
    """The languages of the first page and of "more languages"."""
    order = list(ctx.languages)
    likely = [ctx.suggested, *NEIGHBOURS.get(ctx.suggested or "", ())] if ctx.suggested else []
    for code in reversed([c for c in likely if c in order]):
        order.remove(code)
        order.insert(0, code)
    if len(order) <= first_page + 1:
        return order, []
    return order[:first_page], order[first_page:]


def _options(codes: list[str]) -> tuple[Option, ...]:
    return tuple(Option(code, LANGUAGE_NAMES.get(code, code)) for code in codes)


def _choose(state: State, key: str) -> Outcome:
    if state.resume:
        nxt = state.go(stored_step(state.resume), remember=False, lang=key, resume=None)
    elif state.consent:
        nxt = state.go("status", lang=key)
    else:
        nxt = state.go("privacy", lang=key)
    return Outcome(nxt, ())


class LanguageStep:
    """Ask for the language; afterwards go back to where the user was, or on to consent."""

    name: Final = "language"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        first, more = pages(ctx, ctx.first_page)
        options = _options(first)
        if more:
            label = Msg(N_("🌐 More languages ({n})"), {"n": len(more)})
            options += (Option(MORE, label),)
        return [
            Reply(
                Msg(N_("Please choose your language.")),
                title=Msg(N_("Welcome to Wegweiser {city}"), {"city": Msg(ctx.content.name)}),
                options=options,
                columns=2,
            )
        ]

    def accepts(self, state: State, key: str, ctx: Ctx) -> bool:
        """A language from the other page is still a choice (an older menu message)."""
        return key in ctx.languages

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        if key == MORE:
            return Outcome(state.go("language_more", remember=False), ())
        return _choose(state, key)


class MoreLanguagesStep:
    """The languages not on the first page; "« Back" returns to the first page."""

    name: Final = "language_more"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        _first, more = pages(ctx, ctx.first_page)
        return [
            Reply(
                Msg(N_("Please choose your language.")),
                options=(*_options(more), Option(FIRST, Msg(N_("« Back")))),
                columns=2,
            )
        ]

    def accepts(self, state: State, key: str, ctx: Ctx) -> bool:
        return key in ctx.languages

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        if key == FIRST:
            return Outcome(state.go("language", remember=False), ())
        return _choose(state, key)
