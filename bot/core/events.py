"""What a user can do: the events a flow step receives, independent of any channel."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.checkins import Answer
from bot.core.rules.schedule import FreeSlot


@dataclass(frozen=True)
class TextIn:
    """The user typed text."""

    text: str


@dataclass(frozen=True)
class ChoiceIn:
    """The user chose an option, e.g. by pressing a button.

    Attributes:
        key: The option key.
        token: The state version the option was offered in; ``None`` when the channel cannot
            tell (e.g. the terminal, which always shows the current step).
    """

    key: str
    token: int | None = None


@dataclass(frozen=True)
class InvalidChoiceIn:
    """A button whose data could not be read at all (forged or from another bot version)."""


@dataclass(frozen=True)
class CommandIn:
    """A slash command such as ``/start``; ``name`` is lower-case, without the slash."""

    name: str
    args: str = ""


@dataclass(frozen=True)
class LocationIn:
    """The user shared a location."""

    latitude: float
    longitude: float


@dataclass(frozen=True)
class UnsupportedIn:
    """Something the bot cannot read here: a sticker, photo, voice message and the like."""

    kind: str


@dataclass(frozen=True)
class BookingDone:
    """The core reserved the seat: the booking exists now."""

    booking_id: int


@dataclass(frozen=True)
class BookingFailed:
    """The seat was gone (or the user already has a booking there)."""

    alternatives: tuple[FreeSlot, ...]
    already_booked: bool = False


@dataclass(frozen=True)
class CheckinIn:
    """A button under a check-in message: the answer to check-in ``checkin_id``."""

    checkin_id: int
    answer: Answer


Event = (
    TextIn
    | ChoiceIn
    | InvalidChoiceIn
    | CommandIn
    | LocationIn
    | UnsupportedIn
    | BookingDone
    | BookingFailed
    | CheckinIn
)
