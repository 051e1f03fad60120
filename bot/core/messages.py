"""What a flow says: translatable message ids with arguments, and options to choose from.

Nothing here knows about Telegram or the terminal: a channel renders these values into its own
format (inline keyboards, numbered lists) in the user's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Union


def N_(msgid: str) -> str:
    """Mark a string for extraction into the catalogs without translating it now."""
    return msgid


@dataclass(frozen=True)
class Term:
    """An official German term kept as written, e.g. ``Ausländerbehörde``; never translated."""

    text: str


@dataclass(frozen=True)
class Money:
    """An amount of money, formatted per locale."""

    amount: Decimal
    currency: str = "EUR"


@dataclass(frozen=True)
class Weekdays:
    """A range of weekdays (0 = Monday), formatted with the locale's day names."""

    first: int
    last: int


@dataclass(frozen=True)
class Named:
    """Something with a translated name and an official German term, e.g. an authority.

    Shown as "name (term)"; in German the official term alone.
    """

    name: str
    term: str


@dataclass(frozen=True)
class Prose:
    """Text written in the user's language outside the catalogs (an FAQ answer): shown as it
    is, with the same right-to-left care as translated messages."""

    text: str


@dataclass(frozen=True)
class DayNames:
    """Several weekdays (0 = Monday) by the locale's short names, e.g. "Mo, Mi, Fr"."""

    days: tuple[int, ...]


@dataclass(frozen=True)
class Day:
    """A day as a short label with weekday, e.g. "Mo., 23. Nov."."""

    value: date


@dataclass(frozen=True)
class Clock:
    """The local time of an aware datetime, e.g. "09:30"."""

    value: datetime


@dataclass(frozen=True)
class When:
    """Weekday, date and local time of an aware datetime, in full."""

    value: datetime


@dataclass(frozen=True)
class ListOf:
    """Several pieces joined as a list in the reader's language ("A, B and C", "A، B و C")."""

    items: tuple[Arg, ...]


@dataclass(frozen=True)
class LanguageNames:
    """Languages by their codes, named in the reader's language and joined as a list."""

    codes: tuple[str, ...]


@dataclass(frozen=True)
class InLanguage:
    """An argument rendered in a fixed language, e.g. German for the desk."""

    lang: str
    arg: Arg


Arg = Union[
    str,
    int,
    float,
    Decimal,
    date,
    datetime,
    "Msg",
    Term,
    Money,
    Weekdays,
    Named,
    "Lines",
    Day,
    Clock,
    When,
    InLanguage,
    DayNames,
    Prose,
    LanguageNames,
    "ListOf",
]


@dataclass(frozen=True)
class Msg:
    """A translatable message: a catalog id, its arguments, and an optional plural form.

    Attributes:
        msgid: The English source text, which is the gettext message id.
        args: Values for the ``{name}`` placeholders, rendered per locale.
        plural: The English plural form, for messages counted by ``n``.
        n: The count that selects the plural form.
    """

    msgid: str
    args: Mapping[str, Arg] = field(default_factory=dict)
    plural: str | None = None
    n: int | None = None


def counted(singular: str, plural: str, n: int, args: Mapping[str, Arg] | None = None) -> Msg:
    """A message with a plural form chosen by ``n`` (``{n}`` is available as a placeholder)."""
    return Msg(singular, {"n": n, **(args or {})}, plural=plural, n=n)


@dataclass(frozen=True)
class Lines:
    """Several pieces rendered one per line; ``bullet`` prefixes each with a bullet."""

    items: tuple[Arg, ...]
    bullet: bool = False


@dataclass(frozen=True)
class Option:
    """One choice offered to the user; ``key`` is what comes back when it is chosen."""

    key: str
    label: Arg


@dataclass(frozen=True)
class Reply:
    """One message to the user: a title (bold where the channel can), a body and options.

    Attributes:
        body: The text, as one message or several lines.
        title: An optional heading.
        options: Choices, laid out by the channel (buttons, numbered list).
        columns: How many options per row where the channel lays them out in a grid.
        attachment: A file to send with the message: a calendar or a ready-made file.
    """

    body: Arg
    title: Msg | None = None
    options: tuple[Option, ...] = ()
    columns: int = 1
    attachment: Calendar | File | None = None


@dataclass(frozen=True)
class Calendar:
    """An appointment as a calendar file (.ics) to attach; ``stamp`` is when the file is made."""

    uid: str
    start: datetime
    end: datetime
    title: Msg
    location: Arg
    description: Arg
    stamp: datetime


@dataclass(frozen=True)
class File:
    """A ready-made file to attach as it is, e.g. the user's data as JSON."""

    name: str
    data: bytes
