"""Waiting without timed lock waits, so the suite also runs under libfaketime.

libfaketime (``faketime -f '+400d' make test``, to run the suite on another date) shifts the
monotonic clock but does not intercept ``sem_clockwait``, which Python uses for every timed
lock wait (``Condition.wait(t)``, ``Event.wait(t)``): such a wait would last the shifted
offset, a year. ``time.sleep`` is intercepted correctly. So the fake's threads wait without a
timeout and a ticker wakes them every :data:`TICK` seconds to look at their deadlines, and
pauses are slept in short steps.
"""

from __future__ import annotations

import threading
import time

__all__ = ["TICK", "Ticker", "pause"]

TICK = 0.02


class Ticker:
    """Notifies ``cond`` every :data:`TICK` seconds while started."""

    def __init__(self, cond: threading.Condition) -> None:
        self._cond = cond
        self._running = False
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether waiters can rely on being woken."""
        return self._running

    def start(self) -> None:
        """Begin ticking (idempotent)."""
        if self._running:
            return
        self._running = True
        self._thread = threading.Thread(target=self._run, name="fakeapi-ticker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop ticking; waiters fall back to timed waits."""
        self._running = False

    def _run(self) -> None:
        while self._running:
            time.sleep(TICK)
            with self._cond:
                self._cond.notify_all()


def pause(seconds: float, stop: threading.Event) -> bool:
    """Sleep ``seconds`` unless ``stop`` is set first; returns whether it was set."""
    deadline = time.monotonic() + seconds
    while not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(remaining, TICK))
    return True
