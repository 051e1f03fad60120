"""Polite flood control for every channel: past ``limit`` updates in ``seconds``, a user (or
any key: a web session, an address) gets one notice and their further updates are set aside
until the window has room again."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable
from enum import Enum


class Verdict(Enum):
    """What to do with an update."""

    OK = "ok"
    WARN = "warn"  # over the limit: answer with the notice, skip the update
    DROP = "drop"  # still over the limit, notice already given: skip quietly


class FloodGuard:
    """A sliding window per user (memory is bounded by the users active in one window)."""

    def __init__(
        self, limit: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self._seen: dict[Hashable, deque[float]] = {}
        self._warned: dict[Hashable, float] = {}
        self._calls = 0

    def check(self, user_id: Hashable) -> Verdict:
        """Count one update of ``user_id`` and judge it."""
        now = self.clock()
        self._calls += 1
        if self._calls % 1000 == 0:
            self._sweep(now)
        window = self._seen.setdefault(user_id, deque())
        while window and window[0] <= now - self.seconds:
            window.popleft()
        if len(window) < self.limit:
            window.append(now)
            self._warned.pop(user_id, None)
            return Verdict.OK
        if user_id in self._warned:
            return Verdict.DROP
        self._warned[user_id] = now
        return Verdict.WARN

    def _sweep(self, now: float) -> None:
        for user_id in [u for u, w in self._seen.items() if not w or w[-1] <= now - self.seconds]:
            del self._seen[user_id]
            self._warned.pop(user_id, None)
