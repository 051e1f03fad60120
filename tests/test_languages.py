"""The language menu scales to every language: likely ones first, the rest one tap away; the
client's code picks the language; machine-made answers say so where the city wants it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.events import ChoiceIn, CommandIn, TextIn
from bot.core.labels import LANGUAGE_NAMES
from bot.core.messages import Lines, Msg, Prose
from bot.core.state import State
from bot.flows.base import Ctx
from bot.flows.engine import handle
from bot.flows.language import MORE
from bot.flows.questions import MACHINE_NOTE
from bot.i18n.catalogs import LANGUAGES, RTL_LANGUAGES, client_codes, suggest_language
from bot.runtime.config import ConfigError, load_settings
from tests.journey import walk
from tests.test_faq import snapshot


def _keys(outcome) -> list[str]:  # type: ignore[no-untyped-def]
    return [o.key for o in outcome.replies[-1].options]


@pytest.mark.parametrize(
    ("client", "first"),
    [(None, ["de", "de-x-es"]), ("ti", ["ti"]), ("fa", ["fa", "prs"]), ("uk", ["uk", "ru"])],
)
def test_the_first_page_starts_with_the_likely_languages(
    ctx: Ctx, client: str | None, first: list[str]
) -> None:
    start = handle(State(), CommandIn("start"), replace(ctx, suggested=client))
    keys = _keys(start)
    assert keys[: len(first)] == first
    assert len(keys) == ctx.first_page + 1 and keys[-1] == MORE


@pytest.mark.parametrize("client", [None, "ti", "pl", "fa"])
def test_every_language_is_offered_once_across_the_two_pages(ctx: Ctx, client: str | None) -> None:
    c = replace(ctx, suggested=client)
    start = handle(State(), CommandIn("start"), c)
    more = handle(start.state, ChoiceIn(MORE, start.state.version), c)
    assert more.state.step == "language_more"
    offered = [k for k in _keys(start) + _keys(more) if k in LANGUAGE_NAMES]
    assert sorted(offered) == sorted(LANGUAGES)
    back = handle(more.state, ChoiceIn("first", more.state.version), c)
    assert back.state.step == "language" and _keys(back) == _keys(start)


def test_a_language_from_the_second_page_leads_on_and_names_itself(ctx: Ctx) -> None:
    start = handle(State(), CommandIn("start"), ctx)
    more = handle(start.state, ChoiceIn(MORE, start.state.version), ctx)
    labels = {o.key: o.label for o in more.replies[-1].options}
    assert labels["ti"] == "ትግርኛ" and labels["ps"] == "پښتو" and labels["bg"] == "Български"
    chosen = handle(more.state, ChoiceIn("ti", more.state.version), ctx)
    assert chosen.state.step == "privacy" and chosen.state.lang == "ti"


def test_changing_the_language_from_the_second_page_returns_to_the_step(ctx: Ctx) -> None:
    at_status = walk(ctx, "de", "agree")
    menu = handle(at_status.state, CommandIn("language"), ctx)
    more = handle(menu.state, ChoiceIn(MORE, menu.state.version), ctx)
    again = handle(more.state, CommandIn("language"), ctx)  # /language on the second page
    more = handle(again.state, ChoiceIn(MORE, again.state.version), ctx)
    back = handle(more.state, ChoiceIn("so", more.state.version), ctx)
    assert back.state.step == "status" and back.state.lang == "so"


@pytest.mark.parametrize(
    ("client", "expected"),
    [("hr", "bs"), ("sr", "bs"), ("bs", "bs"), ("kmr", "ku"), ("ku", "ku"), ("fa-AF", "prs")],
)
def test_client_codes_pick_the_language_that_serves_them(client: str, expected: str) -> None:
    assert suggest_language(client) == expected


def test_menus_are_published_only_under_codes_a_client_can_report() -> None:
    assert client_codes("bs") == ("bs", "hr", "sr")
    assert client_codes("prs") == () and client_codes("de-x-es") == ()
    assert all(len(c) == 2 for lang in LANGUAGES for c in client_codes(lang))


def test_pashto_and_dari_are_right_to_left() -> None:
    assert {"ar", "fa", "prs", "ps"} <= RTL_LANGUAGES


def _answer(ctx: Ctx, lang: str = "ru") -> Lines:
    at_status = walk(ctx, lang, "agree")
    out = handle(at_status.state, TextIn("сколько стоит интеграционный курс"), ctx)
    body = out.replies[0].body
    assert isinstance(body, Lines)
    return body


def test_a_machine_made_answer_says_so_where_the_city_wants_it(ctx: Ctx) -> None:
    faq = snapshot(**{"course-cost": "Курс стоит 2,29 € за урок."})
    shown = _answer(replace(ctx, faq=faq, machine_notice=frozenset({"ru"})))
    assert shown.items == (Prose("Курс стоит 2,29 € за урок."), Msg(MACHINE_NOTE))
    quiet = _answer(replace(ctx, faq=faq, machine_notice=frozenset({"uk"})))
    assert quiet.items == (Prose("Курс стоит 2,29 € за урок."),)


def test_a_reviewed_answer_has_no_machine_note(ctx: Ctx) -> None:
    faq = snapshot(**{"course-cost": "Курс стоит 2,29 € за урок."})
    reviewed = {k: replace(a, machine=False) for k, a in faq.answers.items()}
    faq = replace(faq, answers=reviewed)
    shown = _answer(replace(ctx, faq=faq, machine_notice=frozenset(LANGUAGES)))
    assert shown.items == (Prose("Курс стоит 2,29 € за урок."),)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("", frozenset(LANGUAGES)), ("all", frozenset(LANGUAGES)), ("none", frozenset()),
     ("ti, so", frozenset({"ti", "so"}))],
)  # fmt: skip
def test_machine_notice_setting(raw: str, expected: frozenset[str]) -> None:
    assert load_settings({"MACHINE_NOTICE": raw}, None).machine_notice == expected


def test_machine_notice_rejects_unknown_languages() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"MACHINE_NOTICE": "ti,xx"}, None)
    assert any("MACHINE_NOTICE" in line and "xx" in line for line in caught.value.problems)
