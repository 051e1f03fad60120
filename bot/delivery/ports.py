"""What delivery needs from a channel, and what it hands over: a channel implements these.

Messages arrive composed and rendered in their reader's language but without markup; the
channel adds its own (HTML for Telegram), splits what is too long for it and encodes buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.core.actions import Action


@dataclass(frozen=True)
class Outgoing:
    """A message to send: an optional heading (bold where the channel can), the text, and
    buttons under it (label, what pressing it asks)."""

    body: str
    title: str | None = None
    buttons: tuple[tuple[str, Action], ...] = ()


class Transport(Protocol):
    """Sends messages to addresses of one channel.

    Raises the dispatcher's ``Retry`` (wait and try again), ``Blocked`` (the reader left),
    ``Permanent`` (can never be sent) or ``Skip``.
    """

    async def send(self, address: str, message: Outgoing) -> None:
        """Send ``message`` to ``address``."""
        ...


@dataclass(frozen=True)
class CaseRef:
    """What a desk needs to know of a case to post about it."""

    id: int
    language: str
    booking: bool


class Desk(Protocol):
    """Where counsellors work on cases: one thread per case (a forum topic, a reply chain)."""

    async def post(self, address: str, case: CaseRef, message: Outgoing) -> None:
        """Post in the case's thread, opening it first if it has none."""
        ...

    async def close(self, address: str, case: CaseRef) -> None:
        """Close the case's thread (where the desk has such a thing)."""
        ...


@dataclass
class ChannelPort:
    """A channel as delivery sees it: how to send, its desk if any, and its limits.

    Attributes:
        name: The channel's name, as in addresses.
        transport: Sends to users (and anything that is not a case message).
        desk: Takes case messages, for the channel that hosts the counsellors' desk.
        per_second: Messages per second overall.
        per_chat_interval: Seconds between two messages to one address.
        group_per_minute: Messages per minute to one group address.
        is_group: Whether an address is a group (many readers, stricter limits).
    """

    name: str
    transport: Transport
    desk: Desk | None = None
    per_second: int = 30
    per_chat_interval: float = 1.0
    group_per_minute: int = 20
    is_group: Callable[[str], bool] = field(default=lambda _address: False)
