"""Open pages waiting for news: the outbox and the reader's own posts wake them."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class Hub:
    """Per session, the events of the pages (tabs) listening now. In one process: a page of
    another process notices new messages at its next look (every ``POLL`` seconds)."""

    POLL = 15.0

    def __init__(self) -> None:
        self._listeners: dict[str, set[asyncio.Event]] = defaultdict(set)

    @contextmanager
    def listen(self, session: str) -> Iterator[asyncio.Event]:
        """An event set whenever ``session`` gets something new, while the block runs."""
        event = asyncio.Event()
        self._listeners[session].add(event)
        try:
            yield event
        finally:
            listeners = self._listeners.get(session)
            if listeners is not None:
                listeners.discard(event)
                if not listeners:
                    del self._listeners[session]

    def notify(self, session: str) -> None:
        """Wake the pages of ``session``."""
        for event in self._listeners.get(session, ()):
            event.set()

    @property
    def open_pages(self) -> int:
        """Pages listening now (for /health and the load test)."""
        return sum(len(listeners) for listeners in self._listeners.values())
