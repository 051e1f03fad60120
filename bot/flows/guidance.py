"""Guidance flow: tell the user who decides, what it means, what to bring; then next steps."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Final
from urllib.parse import quote

from bot.content.model import (
    Authority,
    Content,
    CounsellingPoint,
    Detail,
    Note,
    Opening,
    Route,
    Window,
)
from bot.core.messages import (
    N_,
    Arg,
    DayNames,
    LanguageNames,
    Lines,
    ListOf,
    Money,
    Msg,
    Named,
    Option,
    Reply,
    Term,
    Weekdays,
    counted,
)
from bot.core.rules.routing import counselling, decide, online_counselling
from bot.core.state import State, StepName
from bot.flows.base import Ctx, OpenCase, Outcome

DETAIL_OPTIONS = (
    Option("d:means", Msg(N_("What this means"))),
    Option("d:bring", Msg(N_("What to bring"))),
    Option("d:cost", Msg(N_("Cost"))),
    Option("d:where", Msg(N_("Where to go"))),
)
ACTION_OPTIONS = (
    Option("book", Msg(N_("Book a counselling visit"))),
    Option("courses", Msg(N_("See courses"))),
    Option("person", Msg(N_("Talk to a person"))),
    Option("question", Msg(N_("Ask a question"))),
)
MENU_OPTIONS = (
    *ACTION_OPTIONS,
    *DETAIL_OPTIONS,
    Option("again", Msg(N_("Show my result again"))),
)
# The button under a typed question's answer: back to the menu, not the whole result again.
TO_MENU = Option("menu", Msg(N_("« Back to my menu")))

CASE_OPENED = N_(
    "I have passed your request to a counsellor. They will answer you here. You can write "
    "your question now; I will pass it on."
)
CASE_OPEN = N_(
    "A counsellor already has your request. Write your question here; I will pass it on."
)
DESK = N_("Who answers: {who}. Languages: {languages}. You usually get an answer within {hours}.")
NO_DESK = N_("Counsellors cannot answer here yet. You can write to an online counselling service:")
UNSURE_NOTE = N_(
    "You were not sure about your situation. Please let a counselling service check it: "
    "another way into a course may be open to you."
)


def fact_args(content: Content) -> dict[str, Arg]:
    """The facts texts may refer to, as typed arguments that render per locale."""
    args: dict[str, Arg] = {}
    for key, fact in content.facts.items():
        if fact.kind == "money":
            args[key] = Money(Decimal(fact.value))
        elif fact.kind == "number":
            args[key] = int(fact.value)
        elif fact.kind == "date":
            args[key] = date.fromisoformat(fact.value)
        else:
            args[key] = fact.value
    return args


def _note(note: Note, facts: dict[str, Arg], today: date | None = None) -> Msg:
    due = facts.get(note.until) if note.until else None
    passed = isinstance(due, date) and today is not None and today >= due
    text = Msg(note.after if passed and note.after else note.text, facts)
    if note.confirmed:
        return text
    return Msg(N_("{text}\nThis is not confirmed yet. Please ask a counsellor."), {"text": text})


def _contact(authority: Authority) -> list[Arg]:
    lines: list[Arg] = []
    phone = authority.details.get("phone")
    if phone is not None and phone.showable:
        hours = authority.phone_hours
        if hours is not None and hours.provenance.confirmed:
            lines.append(
                Msg(
                    N_("Phone: {phone} ({days}, {opens}–{closes})"),
                    {
                        "phone": Term(phone.value),
                        "days": Weekdays(hours.first_day, hours.last_day),
                        "opens": Term(hours.opens),
                        "closes": Term(hours.closes),
                    },
                )
            )
        else:
            lines.append(Msg(N_("Phone: {phone}"), {"phone": Term(phone.value)}))
    website = authority.details.get("website")
    if website is not None and website.showable:
        lines.append(Msg(N_("Website: {url}"), {"url": Term(website.value)}))
    lines += where_lines(authority.details.get("address"))
    lines += visit_lines(authority.details, authority.opening)
    lines.append(Msg(authority.ask))
    return lines


def _units(content: Content) -> list[Arg]:
    units = content.facts.get("units_general")
    if units is None:
        return []
    return [
        counted(
            "A general integration course has {n} teaching unit.",
            "A general integration course has {n} teaching units.",
            int(units.value),
        )
    ]


def _title(content: Content, route: Route, short: bool = False) -> Msg:
    authority = content.authorities[route.authority]
    named = Named(authority.name, authority.short if short else authority.name_de)
    if route.paused:
        return Msg(N_("Admission stop: {authority}"), {"authority": named})
    return Msg(N_("Who decides: {authority}"), {"authority": named})


def route_reply(
    content: Content, route: Route, facts: dict[str, Arg], today: date | None = None
) -> Reply:
    """One route in full: what it means, the legal basis, notes and the date of the facts."""
    body: list[Arg] = [
        Msg(route.summary, facts),
        Msg(route.means, facts),
        Msg(N_("Legal basis: {basis}"), {"basis": Term(route.basis)}),
        *(_note(n, facts, today) for n in route.notes),
        Msg(N_("Information as of {date}."), {"date": route.provenance.as_of}),
    ]
    return Reply(Lines(tuple(body)), title=_title(content, route))


def where_lines(address: Detail | None) -> list[Arg]:
    """A confirmed address and its map link; nothing for an unconfirmed one."""
    if address is None or not address.showable:
        return []
    return [
        Msg(N_("Address: {address}"), {"address": Term(address.value)}),
        Msg(N_("Map: {url}"), {"url": Term(map_link(address.value))}),
    ]


def visit_lines(details: Mapping[str, Detail], opening: Opening | None) -> list[Arg]:
    """How to get there and when: the nearest stop and the opening hours, if confirmed."""
    lines: list[Arg] = []
    stop = details.get("stop")
    if stop is not None and stop.showable:
        lines.append(Msg(N_("Nearest stop: {stop}"), {"stop": Term(stop.value)}))
    if opening is not None and opening.showable:
        hours = ListOf(tuple(_window(w) for w in opening.windows))
        lines.append(Msg(N_("Opening hours: {hours}"), {"hours": hours}))
    return lines


def _window(window: Window) -> Msg:
    days = sorted(set(window.weekdays))
    run = len(days) > 2 and days == list(range(days[0], days[-1] + 1))
    named: Arg = Weekdays(days[0], days[-1]) if run else DayNames(tuple(days))
    return Msg(
        N_("{days} {opens}–{closes}"),
        {
            "days": named,
            "opens": Term(window.opens.strftime("%H:%M")),
            "closes": Term(window.closes.strftime("%H:%M")),
        },
    )


def _address_lines(details: Mapping[str, Detail], opening: Opening | None = None) -> list[Arg]:
    lines = where_lines(details.get("address")) + visit_lines(details, opening)
    phone = details.get("phone")
    if phone is not None and phone.showable:
        lines.append(Msg(N_("Phone: {phone}"), {"phone": Term(phone.value)}))
    website = details.get("website")
    if website is not None and website.showable:
        lines.append(Msg(N_("Website: {url}"), {"url": Term(website.value)}))
    return lines


def map_link(address: str) -> str:
    """An OpenStreetMap search for a postal address (works without coordinates): from the
    street and number on, without remarks in brackets, which the map's search cannot use."""
    parts = [p.strip() for p in re.sub(r"\s*\([^)]*\)", "", address).split(",")]
    first = next((i for i, p in enumerate(parts) if any(c.isdigit() for c in p)), 0)
    return "https://www.openstreetmap.org/search?query=" + quote(", ".join(parts[first:]))


def point_lines(point: CounsellingPoint) -> list[Arg]:
    """A counselling point: its name, whom it serves, and how to find it."""
    lines: list[Arg] = [Named(point.name, point.name_de), Msg(point.serves)]
    lines += _address_lines(point.details, point.opening)
    if not point.findable and not point.online:
        lines.append(Msg(point.ask))
    return lines


def _authority_lines(authority: Authority) -> list[Arg]:
    return [Named(authority.name, authority.name_de), *_contact(authority)]


def counselling_reply(content: Content, state: State) -> Reply:
    """Where the user gets first counselling, in person and online, for their age band."""
    decision = decide(content, state.answers)
    band = state.answers.get("age", "27_plus")
    body: list[Arg] = []
    for point in counselling(content, decision, band):
        body += point_lines(point)
    online = online_counselling(content, band)
    if online:
        body.append(Msg(N_("Online:")))
        for point in online:
            body += point_lines(point)
    return Reply(Lines(tuple(body)), title=Msg(N_("Your first counselling")))


def where_reply(content: Content, state: State) -> Reply:
    """Where to go: the deciding offices that are not stopped, then counselling."""
    decision = decide(content, state.answers)
    body: list[Arg] = []
    for route in decision.routes:
        if not route.paused:
            body += _authority_lines(content.authorities[route.authority])
    counsel = counselling_reply(content, state)
    if body:
        body.append(Msg(N_("Your first counselling")))
    return Reply(Lines((*body, counsel.body)), title=Msg(N_("Where to go")))


def bring_reply(content: Content, state: State) -> Reply:
    """What to bring, for each route."""
    decision = decide(content, state.answers)
    items: list[Arg] = []
    for route in decision.routes:
        items += [Msg(b) for b in route.bring if Msg(b) not in items]
    return Reply(Lines(tuple(items), bullet=True), title=Msg(N_("What to bring")))


def cost_reply(content: Content, state: State) -> Reply:
    """What the course costs on each route."""
    facts = fact_args(content)
    decision = decide(content, state.answers)
    costs: list[Arg] = []
    for route in decision.routes:
        text = Msg(content.costs[route.cost], facts)
        if text not in costs:
            costs.append(text)
    return Reply(Lines((*costs, *_units(content))), title=Msg(N_("Cost")))


def means_replies(ctx: Ctx, state: State) -> list[Reply]:
    """Every route in full, and how they relate."""
    facts = fact_args(ctx.content)
    decision = decide(ctx.content, state.answers)
    replies = [route_reply(ctx.content, r, facts, ctx.today) for r in decision.routes]
    if decision.together is not None:
        replies.append(Reply(_note(decision.together, facts), title=Msg(N_("Which comes first"))))
    return replies


def first_screen(ctx: Ctx, state: State) -> Reply:
    """The short result: who decides, what it means today, the next step; details on buttons."""
    content = ctx.content
    facts = fact_args(content)
    decision = decide(content, state.answers)
    first = decision.routes[0]
    body: list[Arg] = [Msg(first.summary, facts)]
    for other in decision.routes[1:]:
        authority = content.authorities[other.authority]
        named = {"authority": Named(authority.name, authority.short)}
        also = (
            N_("Admission by the {authority} is stopped for now.")
            if other.paused
            else N_("The {authority} can also decide for you.")
        )
        body.append(Msg(also, named))
    if decision.together is not None and decision.together.confirmed:
        body.append(_note(decision.together, facts, ctx.today))
    body.append(Msg(first.next, facts))
    band = state.answers.get("age", "27_plus")
    points = counselling(content, decision, band)
    if points:
        names = ListOf(tuple(Msg(p.label) for p in points))
        body.append(Msg(N_("Free first counselling: {names}"), {"names": names}))
    if state.answers.get("unsure") == "1":
        body.append(Msg(UNSURE_NOTE))
    return Reply(Lines(tuple(body)), title=_title(content, first, True), options=RESULT_OPTIONS)


RESULT_OPTIONS = (*ACTION_OPTIONS, *DETAIL_OPTIONS)


def result_replies(ctx: Ctx, state: State) -> list[Reply]:
    """The whole answer for the user's situation, in full (all routes, then counselling)."""
    return [*means_replies(ctx, state), counselling_reply(ctx.content, state)]


def detail_replies(ctx: Ctx, state: State, key: str) -> list[Reply]:
    """One detail of the result, chosen by its button."""
    if key == "d:bring":
        return [bring_reply(ctx.content, state)]
    if key == "d:cost":
        return [cost_reply(ctx.content, state)]
    if key == "d:where":
        return [where_reply(ctx.content, state)]
    return means_replies(ctx, state)


def menu_reply() -> Reply:
    """The next-steps menu."""
    return Reply(Msg(N_("What would you like to do next?")), options=MENU_OPTIONS)


def person_reply(ctx: Ctx, state: State) -> Reply | None:
    """What to expect from "talk to a person": who answers, in which languages, by when."""
    desk = ctx.content.desk
    if desk is None:
        return None
    return Reply(
        Msg(
            DESK,
            {
                "who": Msg(desk.who),
                "languages": LanguageNames(desk.languages),
                "hours": counted("{n} hour", "{n} hours", desk.answer_hours),
            },
        )
    )


def online_reply(ctx: Ctx, state: State) -> Reply:
    """Without counsellors here: the online services for the user's age band."""
    band = state.answers.get("age", "27_plus")
    lines: list[Arg] = [Msg(NO_DESK)]
    for point in online_counselling(ctx.content, band):
        lines += point_lines(point)
    return Reply(Lines(tuple(lines)))


class ResultStep:
    """Show the short result with its details and next steps as buttons."""

    name: Final = "result"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        return [first_screen(ctx, state)]

    def accepts(self, state: State, key: str, ctx: Ctx) -> bool:
        return key in {o.key for o in MENU_OPTIONS} or key == TO_MENU.key

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        return MenuStep().choose(state, key, ctx)


class MenuStep:
    """The next-steps menu on its own, after the result was shown."""

    name: Final = "menu"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        return [menu_reply()]

    def accepts(self, state: State, key: str, ctx: Ctx) -> bool:
        return key == TO_MENU.key

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        menu = state.go("menu", remember=False)
        if key == "again":
            return Outcome(state.go("result", remember=False), ())
        if key.startswith("d:"):
            return Outcome(menu, tuple(detail_replies(ctx, state, key)))
        if key == "question" and ctx.faq is not None:
            ask = Reply(Msg(N_("Please type your question in your own words.")))
            return Outcome(menu, (ask,))
        if key == "courses":
            return Outcome(state.go("courses", answers=state.answer("cf_page", "0")), ())
        if key == "book":
            step: StepName = "appointments" if ctx.bookings else "book_point"
            return Outcome(state.go(step, answers=state.without("reschedule", "alts")), ())
        if key == "person" and ctx.counselling_available:
            if ctx.open_case:
                return Outcome(menu, (Reply(Msg(CASE_OPEN)),))
            expect = person_reply(ctx, state)
            opened = (Reply(Msg(CASE_OPENED)), *((expect,) if expect else ()))
            return Outcome(menu, opened, (OpenCase("person"),))
        if key == "person":
            return Outcome(menu, (online_reply(ctx, state),))
        if key == "question":
            return Outcome(menu, (Reply(Msg(COMING_QUESTION)),))
        return Outcome(menu, ())


COMING_QUESTION = N_(
    "Answers to typed questions are not switched on here. A counselling service can answer "
    "your questions."
)
