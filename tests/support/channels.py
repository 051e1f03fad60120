"""Channels for tests below Telegram: they record what delivery hands them."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.delivery.ports import CaseRef, ChannelPort, Outgoing
from bot.delivery.threads import CaseThreads
from bot.i18n.bidi import strip_controls
from bot.storage.db import Database


def plain(message: Outgoing) -> str:
    """The message as a reader sees it, without direction marks."""
    text = f"{message.title}\n{message.body}" if message.title else message.body
    return strip_controls(text)


@dataclass
class RecordingTransport:
    """Every message to a user, as (address, text)."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    messages: list[tuple[str, Outgoing]] = field(default_factory=list)

    async def send(self, address: str, message: Outgoing) -> None:
        self.sent.append((address, plain(message)))
        self.messages.append((address, message))


@dataclass
class RecordingDesk:
    """Every case message, as (address, case id, text); closed cases."""

    posts: list[tuple[str, int, str]] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)

    async def post(self, address: str, case: CaseRef, message: Outgoing) -> None:
        self.posts.append((address, case.id, plain(message)))

    async def close(self, address: str, case: CaseRef) -> None:
        self.closed.append(case.id)


def recording(
    name: str = "telegram",
) -> tuple[dict[str, ChannelPort], RecordingTransport, RecordingDesk]:
    """A channel whose transport and desk record everything."""
    transport, desk = RecordingTransport(), RecordingDesk()
    port = ChannelPort(name, transport, desk, per_second=1000, per_chat_interval=0.0)
    return {name: port}, transport, desk


@dataclass
class ThreadedDesk:
    """A desk in reply threads, as a group without topics: every post gets a message id and
    is linked to its case, so counsellors' replies find the case."""

    threads: CaseThreads
    posts: list[tuple[str, int, str]] = field(default_factory=list)
    message_id: int = 100

    async def post(self, address: str, case: CaseRef, message: Outgoing) -> None:
        self.message_id += 1
        self.posts.append((address, case.id, plain(message)))
        await self.threads.posted(address, case.id, self.message_id)

    async def close(self, address: str, case: CaseRef) -> None:
        return None


def threaded(db: Database, name: str = "telegram") -> tuple[dict[str, ChannelPort], ThreadedDesk]:
    """A channel with a recording transport and a desk that links its posts to cases."""
    desk = ThreadedDesk(CaseThreads(db))
    port = ChannelPort(name, RecordingTransport(), desk, per_second=1000, per_chat_interval=0.0)
    return {name: port}, desk
