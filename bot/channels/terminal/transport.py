"""The terminal's outbox: reminders and counsellors' replies are printed where the user types."""

from __future__ import annotations

from collections.abc import Callable

from bot.delivery.ports import Outgoing

CHANNEL = "terminal"


class TerminalTransport:
    """Prints each message (its buttons are reached with commands such as /reminders)."""

    def __init__(self, out: Callable[[str], None]) -> None:
        self.out = out

    async def send(self, address: str, message: Outgoing) -> None:
        text = f"{message.title}\n{message.body}" if message.title else message.body
        self.out(f"\n{text}\n")
