"""Table-driven journey: status x Bürgergeld x age band x language -> authority, counselling."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.content.model import Content
from bot.core.events import ChoiceIn
from bot.core.messages import Lines, Msg, Named
from bot.core.rules.routing import counselling, decide
from bot.flows.base import Ctx
from bot.i18n.bidi import strip_controls
from bot.i18n.catalogs import LANGUAGES, Catalogs
from bot.i18n.render import Renderer
from tests.journey import answers_path, step, walk

# status, benefits answer (None: not asked), -> authorities in order, in-person points by band
CASES = [
    ("new_arrival", "no", ["auslaenderbehoerde"], {"under_27": ["jmd"], "27_plus": ["mbe"]}),
    (
        "new_arrival",
        "yes",
        ["jobcenter", "auslaenderbehoerde"],
        {"under_27": ["jmd"], "27_plus": ["mbe"]},
    ),
    ("spaetaussiedler", None, ["bva"], {"under_27": ["jmd"], "27_plus": ["ldr", "mbe"]}),
    (
        "long_resident",
        "no",
        ["bamf"],
        {"under_27": ["clearingstelle", "jmd"], "27_plus": ["clearingstelle", "mbe"]},
    ),
    (
        "long_resident",
        "yes",
        ["jobcenter", "bamf"],
        {"under_27": ["jmd", "clearingstelle"], "27_plus": ["mbe", "clearingstelle"]},
    ),
    ("buergergeld", None, ["jobcenter"], {"under_27": ["jmd"], "27_plus": ["mbe"]}),
    (
        "eu_citizen",
        "no",
        ["bamf"],
        {"under_27": ["jmd", "clearingstelle"], "27_plus": ["mbe", "clearingstelle"]},
    ),
    (
        "eu_citizen",
        "yes",
        ["jobcenter", "bamf"],
        {"under_27": ["jmd", "clearingstelle"], "27_plus": ["mbe", "clearingstelle"]},
    ),
    ("asylum", None, ["bamf"], {"under_27": ["jmd"], "27_plus": ["mbe"]}),
    ("ukraine", "no", ["bamf"], {"under_27": ["jmd"], "27_plus": ["mbe"]}),
    ("ukraine", "yes", ["jobcenter", "bamf"], {"under_27": ["jmd"], "27_plus": ["mbe"]}),
]
PAUSED = {"long_resident", "eu_citizen", "asylum", "ukraine"}


def _msgids(arg: object) -> list[str]:
    """All message ids inside a rendered-to-be argument, depth first."""
    if isinstance(arg, Msg):
        return [arg.msgid, *(m for a in arg.args.values() for m in _msgids(a))]
    if isinstance(arg, Lines):
        return [m for a in arg.items for m in _msgids(a)]
    if isinstance(arg, Named):
        return [arg.name]
    return []


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("band", ["under_27", "27_plus"])
@pytest.mark.parametrize(("status", "benefits", "authorities", "points"), CASES)
def test_journey_reaches_the_right_authority_and_counselling(
    ctx: Ctx,
    content: Content,
    catalogs: Catalogs,
    lang: str,
    band: str,
    status: str,
    benefits: str | None,
    authorities: list[str],
    points: dict[str, list[str]],
) -> None:
    outcome = walk(ctx, lang, "agree", *answers_path(status, benefits, band))
    assert outcome.state.step == "result"
    assert outcome.state.lang == lang

    decision = decide(content, outcome.state.answers)
    assert [r.authority for r in decision.routes] == authorities
    assert [p.key for p in counselling(content, decision, band)] == points[band]

    # One short screen: the first route's title, the others named in it, details on buttons.
    (screen,) = outcome.replies
    assert screen.title is not None
    first = decision.routes[0]
    expected = "Admission stop: {authority}" if first.paused else "Who decides: {authority}"
    assert screen.title.msgid == expected
    assert {o.key for o in screen.options} >= {
        "book",
        "courses",
        "question",
        "person",
        "d:means",
        "d:bring",
        "d:cost",
        "d:where",
    }

    # "What this means" names every authority in order, in full.
    means = step(outcome, ChoiceIn("d:means", outcome.state.version), ctx)
    titles = [r.title for r in means.replies if r.title is not None]
    named = [t.args["authority"] for t in titles if "{authority}" in t.msgid]
    assert [n.name for n in named if isinstance(n, Named)] == [
        content.authorities[a].name for a in authorities
    ]

    # Rendered in the user's language: the authority's translated name and German term appear,
    # and the 2026 admission stop is mentioned exactly for the paused routes.
    renderer = Renderer(catalogs)
    text = strip_controls(
        "\n".join(
            renderer.text(r.body, lang) + (renderer.text(r.title, lang) if r.title else "")
            for r in (screen, *means.replies)
        )
    )
    for key in authorities:
        authority = content.authorities[key]
        assert authority.name_de in text
        if lang not in ("en", "de"):
            assert catalogs.gettext(lang, authority.name) != authority.name or key == "jobcenter"
    mentions_stop = any(
        "admission stop" in m.lower() or "is stopped" in m
        for m in [screen.title.msgid, *_msgids(screen.body)]
    )
    assert mentions_stop == bool(PAUSED & {status})


def test_unconfirmed_addresses_are_never_shown(
    ctx: Ctx, content: Content, catalogs: Catalogs
) -> None:
    """Where to go: confirmed addresses with a map link; where an address is not confirmed,
    where to ask instead, and the unconfirmed address itself never."""
    outcome = walk(ctx, "en", "agree", "long_resident", "no", "27_plus", "d:where")
    rendered = "\n".join(Renderer(catalogs).text(r.body, "en") for r in outcome.replies)
    clearing = content.points["clearingstelle"]
    assert not clearing.findable
    assert clearing.ask in rendered
    mbe = content.points["mbe"].details["address"]
    assert mbe.showable and mbe.value in rendered
    assert "https://www.openstreetmap.org/search?query=" in rendered
    hidden = [
        d.value
        for p in content.points.values()
        for d in p.details.values()
        if d.value and not d.provenance.confirmed
    ]
    assert hidden and not any(value in rendered for value in hidden)
    # The stopped BAMF route sends nobody to the BAMF.
    assert content.authorities["bamf"].ask not in rendered


def test_unconfirmed_notes_are_marked(ctx: Ctx) -> None:
    outcome = walk(ctx, "en", "agree", "buergergeld", "27_plus", "d:means")
    ids = [m for r in outcome.replies for m in _msgids(r.body)]
    wrapped = [i for i in ids if i.startswith("{text}")]
    assert wrapped, "the unconfirmed Grundsicherung note must carry the 'not confirmed' wrapper"


@pytest.mark.parametrize(
    ("today", "said"),
    [
        (date(2026, 6, 30), "Most of the new rules are planned from {grundsicherung_start}."),
        (date(2026, 7, 1), "was planned to replace Bürgergeld from {grundsicherung_start}."),
        (date(2027, 3, 1), "was planned to replace Bürgergeld from {grundsicherung_start}."),
    ],
)
def test_a_planned_date_is_never_announced_once_it_has_passed(
    ctx: Ctx, today: date, said: str
) -> None:
    outcome = walk(replace(ctx, today=today), "en", "agree", "buergergeld", "27_plus", "d:means")
    ids = [m for r in outcome.replies for m in _msgids(r.body)]
    notes = [i for i in ids if "Grundsicherung" in i]
    assert len(notes) == 1 and said in notes[0], notes


@pytest.mark.parametrize(
    ("answers", "status"),
    [
        (["yes"], "spaetaussiedler"),
        (["no", "yes"], "eu_citizen"),
        (["no", "no", "yes"], "ukraine"),
        (["no", "no", "no", "yes"], "asylum"),
        (["no", "no", "no", "no", "yes"], "new_arrival"),
        (["no", "no", "no", "no", "no"], "long_resident"),
    ],
)
def test_not_sure_questions_find_the_status(ctx: Ctx, answers: list[str], status: str) -> None:
    outcome = walk(ctx, "de", "agree", "unsure", *answers)
    assert outcome.state.answers["status"] == status
    assert outcome.state.step in ("benefits", "age")


@pytest.mark.parametrize(
    ("status", "benefits", "age", "offered", "elsewhere"),
    [
        ("new_arrival", "no", "27_plus", ["mbe"], []),
        ("new_arrival", "no", "under_27", [], ["jmd"]),
        ("spaetaussiedler", None, "27_plus", ["mbe"], ["ldr"]),
        ("spaetaussiedler", None, "under_27", [], ["jmd"]),
        ("long_resident", "no", "27_plus", ["mbe"], ["clearingstelle"]),
        ("eu_citizen", "no", "under_27", [], ["jmd", "clearingstelle"]),
        ("asylum", None, "under_27", [], ["jmd"]),
        ("buergergeld", None, "27_plus", ["mbe"], []),
    ],
)
def test_booking_offers_the_points_of_the_users_own_routes(
    ctx: Ctx,
    status: str,
    benefits: str | None,
    age: str,
    offered: list[str],
    elsewhere: list[str],
) -> None:
    """Only the user's own points are offered (the Spätaussiedler service to Spätaussiedler,
    the Clearingstelle to those whose route names it), and only where the address is
    confirmed; the others are named with how to reach them, and why they cannot be booked."""
    outcome = walk(ctx, "en", "agree", *answers_path(status, benefits, age), "book")
    assert outcome.state.step == "book_point"
    keys = [o.key for r in outcome.replies for o in r.options if o.key in ctx.content.points]
    assert keys == offered
    ids = [m for r in outcome.replies for m in _msgids(r.body)]
    named = [k for k in ctx.content.points if ctx.content.points[k].name in ids]
    assert sorted(named) == sorted(offered + elsewhere)
    if elsewhere:
        assert any("address is not confirmed" in i for i in ids)
        assert all(ctx.content.points[k].ask in ids for k in elsewhere)
