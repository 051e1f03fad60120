"""Typed content: authorities, counselling points, routes and facts, each with its source.

English texts here are gettext message ids; they are translated when rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Literal, get_args


@dataclass(frozen=True)
class Provenance:
    """Where a fact comes from and how sure we are."""

    source: str
    as_of: date
    confirmed: bool


@dataclass(frozen=True)
class Detail:
    """One contact detail (address, phone, website) with its provenance."""

    value: str
    provenance: Provenance

    @property
    def showable(self) -> bool:
        """Only a confirmed, non-empty detail may be shown to users as fact."""
        return self.provenance.confirmed and bool(self.value)


@dataclass(frozen=True)
class Hours:
    """Opening or phone hours on a range of weekdays (0 = Monday)."""

    first_day: int
    last_day: int
    opens: str
    closes: str
    provenance: Provenance


@dataclass(frozen=True)
class Authority:
    """An office that grants or obliges course participation."""

    key: str
    name: str
    name_de: str
    ask: str
    provenance: Provenance
    details: dict[str, Detail] = field(default_factory=dict)
    phone_hours: Hours | None = None
    term: str = ""
    opening: Opening | None = None

    @property
    def short(self) -> str:
        """The official term in short, for titles (e.g. "BAMF")."""
        return self.term or self.name_de


@dataclass(frozen=True)
class Window:
    """Weekly opening window: on ``weekdays`` (0 = Monday) from ``opens`` to ``closes``."""

    weekdays: tuple[int, ...]
    opens: time
    closes: time


@dataclass(frozen=True)
class Opening:
    """When a place is open to visitors (``windows`` empty: not known); shown only if
    confirmed."""

    windows: tuple[Window, ...]
    provenance: Provenance

    @property
    def showable(self) -> bool:
        return self.provenance.confirmed and bool(self.windows)


@dataclass(frozen=True)
class Closure:
    """Days (inclusive) on which a point takes no appointments."""

    first: date
    last: date
    reason: str


@dataclass(frozen=True)
class Booking:
    """How visits to a point can be booked; no visits on the public holidays of ``holidays``
    (country and region, e.g. ("DE", "BW"))."""

    slot_minutes: int
    capacity: int
    languages: tuple[str, ...]
    hours: tuple[Window, ...]
    closures: tuple[Closure, ...]
    provenance: Provenance
    holidays: tuple[str, str | None] | None = None


@dataclass(frozen=True)
class CounsellingPoint:
    """A first-counselling service; ages are inclusive bounds."""

    key: str
    name: str
    name_de: str
    serves: str
    ask: str
    provenance: Provenance
    label: str = ""
    min_age: int | None = None
    max_age: int | None = None
    online: bool = False
    details: dict[str, Detail] = field(default_factory=dict)
    booking: Booking | None = None
    opening: Opening | None = None

    @property
    def findable(self) -> bool:
        """Whether people can be sent to a door: the address is confirmed."""
        address = self.details.get("address")
        return address is not None and address.showable

    def serves_age(self, age: int) -> bool:
        """Whether a person of ``age`` may use this point."""
        return (self.min_age is None or age >= self.min_age) and (
            self.max_age is None or age <= self.max_age
        )


@dataclass(frozen=True)
class Note:
    """A remark on a route; unconfirmed notes are shown as 'to be confirmed'.

    A note about something planned names the date fact it waits for (``until``) and what to
    say from that day on (``after``), so a past date is never announced as coming.
    """

    text: str
    confirmed: bool
    until: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class Route:
    """One legal route into an integration course."""

    key: str
    authority: str
    duty: str
    basis: str
    cost: str
    counselling: tuple[str, ...]
    means: str
    bring: tuple[str, ...]
    notes: tuple[Note, ...]
    provenance: Provenance
    paused: bool = False
    summary: str = ""
    next: str = ""


@dataclass(frozen=True)
class Status:
    """An answer to "which describes you?"."""

    key: str
    label: str
    ask_benefits: bool
    special: bool = False


@dataclass(frozen=True)
class Rule:
    """When ``when`` matches the answers, ``routes`` apply, in this order."""

    when: dict[str, str]
    routes: tuple[str, ...]
    together: Note | None = None


@dataclass(frozen=True)
class TriageQuestion:
    """A yes/no question for users who are not sure of their status."""

    question: str
    yes: str
    no: str | None = None
    unknown: str | None = None


@dataclass(frozen=True)
class Fact:
    """A named value used inside texts, e.g. the cost per teaching unit; ``planned``: a date
    something is planned to start from (texts naming it must say what to say after it)."""

    key: str
    value: str
    kind: str
    provenance: Provenance
    planned: bool = False


CheckinKind = Literal[
    "after_visit",  # the day after the first-counselling visit: did you go?
    "no_course",  # some days after the visit, if no course is followed: courses starting soon
    "course_week",  # a week into a followed course: is it going well?
    "course_half",  # half-way through it
    "before_exam",  # before its end: the final exams
    "after_course",  # after it: next steps
    "counsellor",  # planned by a counsellor from the case
    "noshow",  # a counsellor marked the visit missed: a new appointment?
]
CHECKIN_KINDS: tuple[CheckinKind, ...] = get_args(CheckinKind)


@dataclass(frozen=True)
class CheckinRule:
    """When one kind of check-in falls due, and what it says.

    Attributes:
        kind: The check-in.
        days: Days from its anchor: after the visit (``after_visit``, ``no_course``), after the
            course's start (``course_week``), before its end (``before_exam``), after its end
            (``after_course``), after a counsellor planned it (``counsellor``); not used for
            ``course_half`` (the middle) and ``noshow`` (at once).
        at: Local time of day it is sent.
        enabled: Whether the city uses it (admins can also switch it off while the bot runs).
        text: The question or note (English source; the pack's catalogs translate it).
    """

    kind: CheckinKind
    days: int
    at: time
    enabled: bool
    text: str


@dataclass(frozen=True)
class Desk:
    """Who answers "talk to a person", in which languages and within how many hours."""

    who: str
    languages: tuple[str, ...]
    answer_hours: int


@dataclass(frozen=True)
class Content:
    """Everything the bot knows about one city (a content pack).

    Attributes:
        city: The pack's key (its folder name).
        name: The city's name as users read it (translated by the pack's catalogs).
        other_statuses: The button that leads to the ``special`` statuses (needed if any).
    """

    city: str
    name: str
    authorities: dict[str, Authority]
    points: dict[str, CounsellingPoint]
    routes: dict[str, Route]
    statuses: dict[str, Status]
    rules: tuple[Rule, ...]
    costs: dict[str, str]
    triage: tuple[TriageQuestion, ...]
    facts: dict[str, Fact]
    other_statuses: str | None = None
    desk: Desk | None = None
    checkins: dict[CheckinKind, CheckinRule] = field(default_factory=dict)
