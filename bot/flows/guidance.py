"""Guidance flow: tell the user who decides, what it means, what to bring; then next steps."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final

from bot.content.model import Authority, Content, CounsellingPoint, Note, Route
from bot.core.messages import (
    N_,
    Arg,
    Lines,
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

MENU_OPTIONS = (
    Option("book", Msg(N_("Book a counselling visit"))),
    Option("courses", Msg(N_("See courses"))),
    Option("question", Msg(N_("Ask a question"))),
    Option("person", Msg(N_("Talk to a person"))),
    Option("again", Msg(N_("Show my result again"))),
)

CASE_OPENED = N_(
    "I have passed your request to a counsellor. They will answer you here. You can write "
    "your question now; I will pass it on."
)
CASE_OPEN = N_(
    "A counsellor already has your request. Write your question here; I will pass it on."
)

# Next steps whose capability is not built yet say so honestly.
COMING = {
    "question": N_(
        "Answers to typed questions are coming soon. Until then, a counselling service can "
        "answer your questions."
    ),
    "person": N_(
        "Talking to a counsellor here is coming soon. Until then, you can write to the online "
        "counselling shown above."
    ),
}


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
    address = authority.details.get("address")
    if address is not None and address.showable:
        lines.append(Msg(N_("Address: {address}"), {"address": Term(address.value)}))
    else:
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


def route_reply(
    content: Content, route: Route, facts: dict[str, Arg], today: date | None = None
) -> Reply:
    """One route explained: who decides, what it means, cost, what to bring, notes, contact."""
    authority = content.authorities[route.authority]
    body: list[Arg] = [
        Msg(route.means, facts),
        Msg(N_("Legal basis: {basis}"), {"basis": Term(route.basis)}),
        Msg(content.costs[route.cost], facts),
        *_units(content),
        Msg(N_("What to bring:")),
        Lines(tuple(Msg(item) for item in route.bring), bullet=True),
        *(_note(n, facts, today) for n in route.notes),
        *_contact(authority),
        Msg(N_("Information as of {date}."), {"date": route.provenance.as_of}),
    ]
    title = Msg(
        N_("Who decides: {authority}"), {"authority": Named(authority.name, authority.name_de)}
    )
    return Reply(Lines(tuple(body)), title=title)


def _point_lines(point: CounsellingPoint) -> list[Arg]:
    lines: list[Arg] = [Named(point.name, point.name_de), Msg(point.serves)]
    address = point.details.get("address")
    website = point.details.get("website")
    if address is not None and address.showable:
        lines.append(Msg(N_("Address: {address}"), {"address": Term(address.value)}))
    elif website is not None and website.showable:
        lines.append(Msg(N_("Website: {url}"), {"url": Term(website.value)}))
    else:
        lines.append(Msg(point.ask))
    return lines


def counselling_reply(content: Content, state: State) -> Reply:
    """Where the user gets first counselling, in person and online, for their age band."""
    decision = decide(content, state.answers)
    band = state.answers.get("age", "27_plus")
    body: list[Arg] = []
    for point in counselling(content, decision, band):
        body += _point_lines(point)
    online = online_counselling(content, band)
    if online:
        body.append(Msg(N_("Online:")))
        for point in online:
            body += _point_lines(point)
    return Reply(Lines(tuple(body)), title=Msg(N_("Your first counselling")))


def result_replies(ctx: Ctx, state: State) -> list[Reply]:
    """The whole answer for the user's situation."""
    content = ctx.content
    facts = fact_args(content)
    decision = decide(content, state.answers)
    replies = [route_reply(content, r, facts, ctx.today) for r in decision.routes]
    if decision.together is not None:
        replies.append(Reply(_note(decision.together, facts), title=Msg(N_("Which comes first"))))
    replies.append(counselling_reply(content, state))
    return replies


def menu_reply() -> Reply:
    """The next-steps menu."""
    return Reply(Msg(N_("What would you like to do next?")), options=MENU_OPTIONS)


class ResultStep:
    """Show the result, then the next-steps menu."""

    name: Final = "result"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        return [*result_replies(ctx, state), menu_reply()]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        return MenuStep().choose(state, key, ctx)


class MenuStep:
    """The next-steps menu on its own, after the result was shown."""

    name: Final = "menu"

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        return [menu_reply()]

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        if key == "again":
            return Outcome(state.go("result", remember=False), ())
        if key == "question" and ctx.faq is not None:
            ask = Reply(Msg(N_("Please type your question in your own words.")))
            return Outcome(state.go("menu", remember=False), (ask,))
        if key == "courses":
            return Outcome(state.go("courses", answers=state.answer("cf_page", "0")), ())
        if key == "book":
            step: StepName = "appointments" if ctx.bookings else "book_point"
            return Outcome(state.go(step, answers=state.without("reschedule", "alts")), ())
        if key == "person" and ctx.counselling_available:
            if ctx.open_case:
                return Outcome(state.go("menu", remember=False), (Reply(Msg(CASE_OPEN)),))
            opened = Reply(Msg(CASE_OPENED))
            return Outcome(state.go("menu", remember=False), (opened,), (OpenCase("person"),))
        return Outcome(state.go("menu", remember=False), (Reply(Msg(COMING[key])),))
