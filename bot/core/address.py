"""Where a message goes: a channel and the address there."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Address:
    """A chat or session on one channel, e.g. ``Address("telegram", "123456789")``.

    Attributes:
        channel: The channel's name ("telegram", "web", "terminal").
        id: The channel's own id for the chat or session, as text.
    """

    channel: str
    id: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.id}"
