"""The courses flow: what a newcomer sees, filters, location, following."""

from __future__ import annotations

from dataclasses import replace

from bot.core.events import ChoiceIn, CommandIn, LocationIn
from bot.core.messages import Lines, Msg
from bot.flows.base import Ctx, Follow, FollowNews
from bot.flows.engine import handle
from tests.journey import walk

TO_COURSES = ["de", "agree", "new_arrival", "no"]


def keys(outcome) -> list[str]:  # type: ignore[no-untyped-def]
    return [o.key for r in outcome.replies for o in r.options]


def shown_codes(outcome, ctx: Ctx) -> list[str]:  # type: ignore[no-untyped-def]
    """The course codes on the cards, in order (cards are numbered Lines)."""
    body = outcome.replies[-1].body
    assert isinstance(body, Lines)
    follow = [k for k in keys(outcome) if k.startswith("follow")]
    by_id = {c.id: c.code for c in ctx.courses}
    return [by_id[int(k.removeprefix("follow"))] for k in follow]


def test_youth_course_only_under_27(ctx: Ctx) -> None:
    young = walk(ctx, *TO_COURSES, "under_27", "courses")
    older = walk(ctx, *TO_COURSES, "27_plus", "courses")
    assert "JIK-2027-01" in shown_codes(young, ctx) or "next" in keys(young)
    all_young = young.replies[-1].body
    assert isinstance(all_young, Lines)
    head = all_young.items[0]
    assert isinstance(head, Msg) and head.n == 7
    head_old = older.replies[-1].body.items[0]  # type: ignore[union-attr]
    assert head_old.n == 6  # type: ignore[union-attr]


def test_filters_narrow_the_list(ctx: Ctx) -> None:
    out = walk(ctx, *TO_COURSES, "27_plus", "courses", "filters", "childcare")
    assert out.state.answers["cf_childcare"] == "yes"
    out = handle(out.state, ChoiceIn("list", out.state.version), ctx)
    assert shown_codes(out, ctx) == ["FK-2026-12", "MLD-Ost-2027", "EK-2027-01"]
    out = handle(out.state, ChoiceIn("filters", out.state.version), ctx)
    out = handle(out.state, ChoiceIn("time", out.state.version), ctx)
    out = handle(out.state, ChoiceIn("evening", out.state.version), ctx)
    assert out.state.step == "courses" and shown_codes(out, ctx) == []


def test_a_shared_location_sorts_by_distance(ctx: Ctx) -> None:
    out = walk(ctx, *TO_COURSES, "27_plus", "courses")
    out = handle(out.state, LocationIn(48.806, 9.215), ctx)
    assert out.state.step == "courses"
    assert shown_codes(out, ctx)[:2] == ["FK-2026-12", "EK-2027-01"]


def test_following_a_course_and_new_ones_are_effects(ctx: Ctx) -> None:
    out = walk(ctx, *TO_COURSES, "27_plus", "courses")
    first = next(k for k in keys(out) if k.startswith("follow"))
    followed = handle(out.state, ChoiceIn(first, out.state.version), ctx)
    assert followed.effects == (Follow(int(first.removeprefix("follow"))),)
    news = handle(out.state, ChoiceIn("news", out.state.version), ctx)
    (effect,) = news.effects
    assert isinstance(effect, FollowNews) and effect.filters is not None
    assert effect.filters["age"] == "27_plus"


def test_reminders_lists_what_is_followed_with_stop_buttons(ctx: Ctx) -> None:
    out = walk(ctx, *TO_COURSES, "27_plus")
    with_follow = replace(ctx, followed=ctx.courses[:2], wants_news=True)
    shown = handle(out.state, CommandIn("reminders"), with_follow)
    assert shown.state.step == "reminders"
    assert {"stop1", "stop2", "stopnews"} <= set(keys(shown))
    stop = handle(shown.state, ChoiceIn("stop2", shown.state.version), with_follow)
    assert stop.effects == (Follow(2, follow=False),)
