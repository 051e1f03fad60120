"""A clock the test moves: ``clock.now = ...`` or ``clock.now += timedelta(...)``."""

from __future__ import annotations

from datetime import datetime


class Clock:
    """Callable like ``utc_now``; returns whatever the test set."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
