"""Field-ready: short screens, buttons that fit a phone, places people can find, the
admission-stop route, and no dead ends (issue 12), checked through the engine in every language."""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.content.model import Content
from bot.core.events import ChoiceIn, CommandIn, TextIn
from bot.core.faq.index import Decision
from bot.core.faq.snapshot import Answer, FaqSnapshot
from bot.core.messages import Msg, Reply
from bot.core.rules.schedule import BookingView
from bot.flows.base import Ctx, OpenCase, Unanswered
from bot.flows.booking import confirmation
from bot.flows.engine import BACK, handle
from bot.flows.guidance import map_link
from bot.i18n.bidi import strip_controls
from bot.i18n.catalogs import LANGUAGES, Catalogs
from bot.i18n.render import Renderer, day_label
from bot.storage.faq import read_files
from tests.journey import answers_path, step, walk
from tests.support.buttons import code_labels, content_labels
from tests.test_faq_eval import shipped_index
from tests.test_flows import CASES

SCREEN_LANGUAGES = ("de", "en", "ar", "uk")
BUTTON_MAX = 32
PACK = Path(__file__).resolve().parents[1] / "bot/content/packs/stuttgart"
PERSONAS = [(s, b, band) for s, b, *_ in CASES for band in ("under_27", "27_plus")]


def _text(renderer: Renderer, reply: Reply, lang: str) -> str:
    title = renderer.text(reply.title, lang) + "\n" if reply.title else ""
    return strip_controls(title + renderer.text(reply.body, lang))


@pytest.fixture(scope="module")
def renderer(catalogs: Catalogs) -> Renderer:
    return Renderer(catalogs)


@pytest.fixture(scope="module")
def faq() -> FaqSnapshot:
    """The shipped FAQ: its index, the English answers and the German sources."""
    entries, _languages = read_files(PACK)
    answers = {
        (str(e["slug"]), "en"): Answer(str(e["slug"]), "en", str(e["answer_en"]), False, False)
        for e in entries
    }
    sources = {str(e["slug"]): str(e["answer_de"]) for e in entries}
    return FaqSnapshot(shipped_index(), answers, sources)


@pytest.mark.parametrize("lang", SCREEN_LANGUAGES)
@pytest.mark.parametrize(("status", "benefits", "band"), PERSONAS)
def test_the_result_is_one_short_screen(
    ctx: Ctx, renderer: Renderer, lang: str, status: str, benefits: str | None, band: str
) -> None:
    outcome = walk(ctx, lang, "agree", *answers_path(status, benefits, band))
    assert outcome.state.step == "result"
    first = _text(renderer, outcome.replies[0], lang)
    assert len(first) <= 600, first
    assert sum(len(_text(renderer, r, lang)) for r in outcome.replies) <= 1600


@functools.cache
def _longest_day(lang: str) -> str:
    return max((day_label(date(2026, 1, 1) + timedelta(d), lang) for d in range(366)), key=len)


def _sample(label: str, lang: str) -> str:
    """A label with its placeholders filled by the longest plausible values."""
    values = {"day": _longest_day(lang), "time": "09:30", "number": "12", "n": "12"}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), label)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_button_label_fits_a_phone(catalogs: Catalogs, content: Content, lang: str) -> None:
    labels = code_labels() | content_labels(content)
    assert len(labels) > 50  # the collector still finds the buttons
    too_long = {
        label: shown
        for label in labels
        if len(shown := _sample(catalogs.gettext(lang, label), lang)) > BUTTON_MAX
    }
    assert not too_long, too_long


@pytest.mark.parametrize("lang", LANGUAGES)
def test_buttons_along_every_journey_fit_a_phone(ctx: Ctx, renderer: Renderer, lang: str) -> None:
    seen: set[str] = set()
    for status, benefits, band in PERSONAS:
        result = walk(ctx, lang, "agree", *answers_path(status, benefits, band))
        for extra in (
            [],
            ["book"],
            ["courses"],
            ["book", "mbe"],
            ["d:where"],
            ["courses", "filters"],
        ):
            outcome = result
            for key in extra:
                outcome = step(outcome, ChoiceIn(key, outcome.state.version), ctx)
            for reply in outcome.replies:
                seen |= {label for _key, label in renderer.reply(reply, lang).options}
    assert seen
    assert not [s for s in seen if len(strip_controls(s)) > BUTTON_MAX]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_long_resident_result_opens_with_the_stop_and_suggests_no_application(
    ctx: Ctx, content: Content, renderer: Renderer, lang: str
) -> None:
    outcome = walk(ctx, lang, "agree", "long_resident", "no", "27_plus")
    (screen,) = outcome.replies
    assert screen.title is not None and screen.title.msgid == "Admission stop: {authority}"
    route = content.routes["long_resident"]
    assert route.summary.startswith("Since {admission_stop_date}")
    everything = [screen]
    for key in ("d:means", "d:bring", "d:cost", "d:where"):
        everything += list(step(outcome, ChoiceIn(key, outcome.state.version), ctx).replies)
    english = " ".join(_text(Renderer(Catalogs()), r, "en") for r in everything)
    assert "file the application" not in english and "apply to the BAMF" not in english
    assert content.authorities["bamf"].ask not in english
    # What they can do today, with the real cost of paying themselves.
    cost = step(outcome, ChoiceIn("d:cost", outcome.state.version), ctx).replies[0]
    assert "4" in _text(renderer, cost, lang) and "58" in _text(renderer, cost, lang)


def test_a_blocked_route_sees_courses_with_what_they_cost(ctx: Ctx) -> None:
    blocked = walk(ctx, "en", "agree", "long_resident", "no", "27_plus", "courses")
    ids = [m for r in blocked.replies for m in _ids(r.body)]
    assert any("admission stop" in i and "{selfpay_per_unit}" in i for i in ids)
    assert any("self-payer" in i for i in ids)
    open_route = walk(ctx, "en", "agree", "new_arrival", "no", "27_plus", "courses")
    assert not any("self-payer" in i for r in open_route.replies for i in _ids(r.body))


def _ids(arg: object) -> list[str]:
    from tests.test_flows import _msgids

    return _msgids(arg)


def test_back_never_shows_the_same_screen_twice(ctx: Ctx) -> None:
    # result -> courses -> "back to the menu" -> menu: back leaves the result screen at once.
    outcome = walk(ctx, "en", "agree", "new_arrival", "no", "27_plus", "courses", "menu")
    assert outcome.state.step == "menu"
    screens = [outcome.state.step]
    while BACK in {o.key for r in outcome.replies for o in r.options}:
        outcome = step(outcome, ChoiceIn(BACK, outcome.state.version), ctx)
        screens.append(outcome.state.step)
    assert screens[:2] == ["menu", "age"], screens
    same = {"result", "menu"}
    assert all(not ({a, b} <= same or a == b) for a, b in itertools.pairwise(screens))


def test_a_typed_question_on_the_result_gets_its_answer_and_one_button(
    ctx: Ctx, faq: FaqSnapshot
) -> None:
    with_faq = replace(ctx, faq=faq)
    outcome = walk(with_faq, "en", "agree", "new_arrival", "no", "27_plus")
    answered = handle(outcome.state, TextIn("how much does the integration course cost"), with_faq)
    assert len(answered.replies) == 1
    (reply,) = answered.replies
    assert reply.title is not None and reply.title.msgid == "Answer"
    assert [o.key for o in reply.options] == ["menu"]
    back = handle(answered.state, ChoiceIn("menu", answered.state.version), with_faq)
    assert back.state.step == "menu"
    assert [r.body for r in back.replies] == [Msg("What would you like to do next?")]


def test_help_says_what_one_can_do(ctx: Ctx, renderer: Renderer) -> None:
    outcome = walk(ctx, "en", "agree")
    helped = handle(outcome.state, CommandIn("help"), ctx)
    text = _text(renderer, helped.replies[0], "en")
    for needle in ("Type a question", "Talk to a person", "/language", "/mydata", "/delete"):
        assert needle in text


def test_talking_to_a_person_says_who_answers_in_which_languages_and_when(
    ctx: Ctx, renderer: Renderer, content: Content
) -> None:
    desk = replace(ctx, counselling_available=True)
    outcome = walk(desk, "de", "agree", "new_arrival", "no", "27_plus", "person")
    assert OpenCase("person") in outcome.effects
    text = "\n".join(_text(renderer, r, "de") for r in outcome.replies)
    assert content.desk is not None
    assert "Deutsch" in text and "Englisch" in text
    assert f"{content.desk.answer_hours} Stunden" in text


def test_without_counsellors_the_online_services_are_offered(ctx: Ctx, renderer: Renderer) -> None:
    outcome = walk(ctx, "en", "agree", "new_arrival", "no", "under_27", "person")
    text = "\n".join(_text(renderer, r, "en") for r in outcome.replies)
    assert "coming soon" not in text
    assert "https://www.jmd4you.de" in text
    assert not outcome.effects


def test_consent_is_short_with_details_and_declining_names_the_services(
    ctx: Ctx, renderer: Renderer
) -> None:
    asked = walk(ctx, "en")
    notice = _text(renderer, asked.replies[-1], "en")
    assert len(notice) <= 300 and notice.count(". ") <= 2
    details = step(asked, ChoiceIn("details", asked.state.version), ctx)
    full = "\n".join(_text(renderer, r, "en") for r in details.replies)
    assert "/mydata" in full and "Telegram" in full
    assert {o.key for o in details.replies[-1].options} >= {"agree", "decline"}
    declined = step(details, ChoiceIn("decline", details.state.version), ctx)
    text = "\n".join(_text(renderer, r, "en") for r in declined.replies)
    assert "https://www.mbeon.de" in text and "Charlottenplatz 17" in text
    assert "type questions" in text
    assert not declined.state.consent


def test_typed_questions_work_without_consent(ctx: Ctx, faq: FaqSnapshot) -> None:
    with_faq = replace(ctx, faq=faq)
    declined = walk(with_faq, "en", "decline")
    answered = handle(declined.state, TextIn("qxz vwpl krrt bnnq"), with_faq)
    assert not answered.state.consent
    assert any(isinstance(e, Unanswered) for e in answered.effects) or answered.replies


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_not_sure_question_has_i_do_not_know(ctx: Ctx, lang: str) -> None:
    outcome = walk(ctx, lang, "agree", "unsure")
    for _question in ctx.content.triage[:-1]:
        assert "unknown" in {o.key for o in outcome.replies[-1].options}
        outcome = step(outcome, ChoiceIn("unknown", outcome.state.version), ctx)
        assert outcome.state.step == "unsure"
    outcome = step(outcome, ChoiceIn("unknown", outcome.state.version), ctx)
    assert outcome.state.answers["status"] == ctx.content.triage[-1].unknown
    assert outcome.state.answers["unsure"] == "1"
    result = outcome
    for _ in range(3):
        if result.state.step == "result":
            break
        key = "no" if result.state.step == "benefits" else "27_plus"
        result = step(result, ChoiceIn(key, result.state.version), ctx)
    assert result.state.step == "result"
    assert any("not sure" in i for i in _ids(result.replies[0].body))


def test_the_questions_stop_as_soon_as_the_status_is_clear(ctx: Ctx) -> None:
    outcome = walk(ctx, "en", "agree", "unsure", "unknown", "yes")
    assert outcome.state.step in ("benefits", "age")
    assert outcome.state.answers["status"] == ctx.content.triage[1].yes


def test_a_booked_visit_confirms_with_street_postcode_and_map(
    ctx: Ctx, renderer: Renderer, content: Content
) -> None:
    state = walk(ctx, "en", "agree", "new_arrival", "no", "27_plus").state
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    booking = BookingView(1, "mbe", start, start + timedelta(minutes=30))
    reply = confirmation(ctx, state, booking)
    text = _text(renderer, reply, "en")
    assert re.search(r"[A-ZÄÖÜ][a-zäöüß]+(straße|platz) \d+, \d{5} \w+", text), text
    assert "https://www.openstreetmap.org/search?query=" in text
    assert reply.attachment is not None
    _name, data = renderer.attachment(reply.attachment, "en")
    assert b"LOCATION:Welcome Center Stuttgart\\, Charlottenplatz 17\\, 70173 Stuttgart" in data


def test_a_place_without_a_confirmed_address_is_not_booked_and_says_why(ctx: Ctx) -> None:
    outcome = walk(ctx, "en", "agree", "long_resident", "no", "27_plus", "book")
    keys = [o.key for r in outcome.replies for o in r.options]
    assert "clearingstelle" not in keys and "mbe" in keys
    forged = handle(outcome.state, ChoiceIn("clearingstelle", outcome.state.version), ctx)
    assert forged.state.step == "book_point"


class _Suggests:
    """The shipped FAQ's titles, with "did you mean" for every question."""

    SLUGS = ("book-appointment", "cancel-appointment", "where-counselling")

    def __init__(self, real: Any) -> None:
        self.real = real

    def decide(self, question: str, lang: str) -> Decision:
        return Decision("suggest", self.SLUGS, 0.3)

    def title(self, slug: str, lang: str, limit: int | None = BUTTON_MAX) -> str | None:
        return self.real.title(slug, lang, limit)  # type: ignore[no-any-return]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_did_you_mean_buttons_fit_and_the_text_holds_the_whole_questions(
    ctx: Ctx, faq: FaqSnapshot, renderer: Renderer, lang: str
) -> None:
    # Whether a word is ambiguous differs by language; the list itself is what is checked here,
    # for the entries with the longest example questions.
    with_faq = replace(ctx, faq=replace(faq, matcher=_Suggests(faq.index)))
    outcome = walk(with_faq, lang, "agree", "new_arrival", "no", "27_plus")
    asked = handle(outcome.state, TextIn("termin"), with_faq)
    (reply,) = asked.replies
    slugs = [o.key.removeprefix("faq:") for o in reply.options if o.key != "faq:none"]
    assert slugs == list(_Suggests.SLUGS)
    rendered = renderer.reply(reply, lang)
    assert all(len(strip_controls(label)) <= BUTTON_MAX for _key, label in rendered.options)
    body = strip_controls(rendered.body)
    for slug in slugs:
        whole = faq.index.title(slug, lang, None)
        assert whole is not None and whole in body


@pytest.mark.parametrize(
    ("address", "query"),
    [
        (
            "Welcome Center Stuttgart, Charlottenplatz 17, 70173 Stuttgart",
            "Charlottenplatz%2017%2C%2070173%20Stuttgart",
        ),
        (
            "Eberhardstraße 39, 70173 Stuttgart (Schwabenzentrum, Josef-Hirn-Platz)",
            "Eberhardstra%C3%9Fe%2039%2C%2070173%20Stuttgart",
        ),
        ("Kaiweg 1, 20001 Musterstadt", "Kaiweg%201%2C%2020001%20Musterstadt"),
    ],
)
def test_the_map_link_searches_the_street_and_town_only(address: str, query: str) -> None:
    assert map_link(address) == "https://www.openstreetmap.org/search?query=" + query
