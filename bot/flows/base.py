"""What every step shares: the context it may read and the outcome it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol

from bot.content.model import Content
from bot.core.checkins import Answer
from bot.core.courses.matching import CourseView
from bot.core.faq.snapshot import FaqSnapshot
from bot.core.messages import Reply
from bot.core.rules.schedule import BookingView, FreeSlot
from bot.core.state import State, StepName


@dataclass(frozen=True)
class Erase:
    """Delete everything stored about the user."""


@dataclass(frozen=True)
class Book:
    """Reserve a seat at ``point`` at ``start``; on success cancel booking ``replaces``."""

    point: str
    start: datetime
    replaces: int | None = None


@dataclass(frozen=True)
class Cancel:
    """Cancel the user's booking ``booking_id`` and free its seat."""

    booking_id: int


@dataclass(frozen=True)
class OpenCase:
    """Hand the user to a counsellor (a case in the counsellors' group)."""

    reason: str


@dataclass(frozen=True)
class Relay:
    """Pass the user's text to the counsellor of their open case."""

    text: str


@dataclass(frozen=True)
class Follow:
    """Follow a course (``follow=False``: stop following it)."""

    course_id: int
    follow: bool = True


@dataclass(frozen=True)
class CheckinConsent:
    """The newcomer said whether they want check-ins (``False`` also stops them); with
    ``then_prompt`` the core shows the step again afterwards (with the offer answered)."""

    yes: bool
    then_prompt: bool = False


@dataclass(frozen=True)
class CheckinAnswered:
    """The newcomer answered check-in ``checkin_id`` (a reason is an answer too)."""

    checkin_id: int
    answer: Answer


@dataclass(frozen=True)
class FollowNews:
    """Ask for news of new matching courses (``filters`` is ``None``: stop)."""

    filters: Mapping[str, object] | None


@dataclass(frozen=True)
class Unanswered:
    """Keep a question the bot could not answer, without the asker's identity."""

    text: str


@dataclass(frozen=True)
class Export:
    """Send the user everything stored about them: a summary and a file (/mydata)."""


Effect = (
    Erase
    | Book
    | Cancel
    | OpenCase
    | Relay
    | Follow
    | FollowNews
    | Unanswered
    | Export
    | CheckinConsent
    | CheckinAnswered
)
ERASE = Erase()
EXPORT = Export()


@dataclass(frozen=True)
class Ctx:
    """Read-only context of one step.

    Attributes:
        content: The city's facts.
        today: Today's date in the bot's time zone.
        languages: The supported language codes, in the order to offer them.
        suggested: The language suggested from the user's client, if any.
        first_page: How many languages the first page of the language menu shows.
        machine_notice: Languages whose machine-made FAQ answers carry a short note.
        now: The current time (UTC).
        tz: The local time zone of appointments.
        free: Free slots of the next days per bookable point (loaded for booking steps).
        bookings: The user's active appointments.
        open_case: Whether the user has an open case with a counsellor.
        counselling_available: Whether a counsellors' group is configured.
        courses: Upcoming courses (loaded for the course steps).
        followed: The courses the user follows.
        wants_news: Whether the user asked for news of new matching courses.
        faq: The FAQ to answer typed questions with.
        inactivity_days: After how many days without a message a user is deleted.
        checkins: Whether the user wants check-ins (``None``: not asked yet; loaded with the
            booking and course steps).
    """

    content: Content
    today: date
    languages: tuple[str, ...]
    suggested: str | None = None
    first_page: int = 8
    machine_notice: frozenset[str] = frozenset()
    now: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    tz: str = "Europe/Berlin"
    free: Mapping[str, tuple[FreeSlot, ...]] = field(default_factory=dict)
    bookings: tuple[BookingView, ...] = ()
    open_case: bool = False
    counselling_available: bool = False
    courses: tuple[CourseView, ...] = ()
    followed: tuple[CourseView, ...] = ()
    wants_news: bool = False
    faq: FaqSnapshot | None = None
    inactivity_days: int = 180
    checkins: bool | None = None


@dataclass(frozen=True)
class Outcome:
    """The next state, what to say, and what the storage must do besides saving.

    Attributes:
        state: The state to save.
        replies: The messages to send, in order.
        effects: What the core must do in the same transaction (erase, book, ...).
    """

    state: State
    replies: tuple[Reply, ...]
    effects: tuple[Effect, ...] = ()


class Step(Protocol):
    """One step of a flow: what it asks, and what each answer leads to."""

    @property
    def name(self) -> StepName:
        """The step's name, as saved in the state."""
        ...

    def prompt(self, state: State, ctx: Ctx) -> list[Reply]:
        """The messages that ask this step's question; the last one carries the options."""
        ...

    def choose(self, state: State, key: str, ctx: Ctx) -> Outcome:
        """The outcome of choosing option ``key`` (always one the prompt offered)."""
        ...
