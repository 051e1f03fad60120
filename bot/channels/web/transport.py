"""The web chat's outbox: a message is delivered when it is in the reader's transcript; an
open page shows it at once, a closed one when it comes back."""

from __future__ import annotations

from bot.app.transcript import Transcript
from bot.channels.web.hub import Hub
from bot.channels.web.render import outgoing_entry
from bot.channels.web.session import CHANNEL
from bot.core.address import Address
from bot.delivery.dispatcher import Blocked
from bot.delivery.ports import ChannelPort, Outgoing

# Writing to our own database: no network limits, only a bound on the rows a second.
PER_SECOND = 500


class WebTransport:
    """Appends outbox messages to transcripts and wakes the reader's open pages."""

    def __init__(self, transcript: Transcript, hub: Hub) -> None:
        self.transcript, self.hub = transcript, hub

    async def send(self, address: str, message: Outgoing) -> None:
        stored = await self.transcript.append(Address(CHANNEL, address), [outgoing_entry(message)])
        if not stored:
            raise Blocked()  # the reader erased themselves meanwhile
        self.hub.notify(address)


def web_port(transcript: Transcript, hub: Hub) -> ChannelPort:
    """The web chat as the outbox dispatcher sees it."""
    return ChannelPort(
        CHANNEL, WebTransport(transcript, hub), per_second=PER_SECOND, per_chat_interval=0.0
    )
