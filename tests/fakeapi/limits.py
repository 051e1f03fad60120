"""Emulation of Telegram's flood limits (off by default)."""

from __future__ import annotations

import math
import threading
from collections import Counter, deque
from collections.abc import Iterable

__all__ = ["RateLimiter", "counts_as_message"]

_EXTRA_SENDING = frozenset({"copymessage", "copymessages", "forwardmessage", "forwardmessages"})


def counts_as_message(method: str) -> bool:
    """Tell whether a method sends a message (and so counts against flood limits).

    Args:
        method: Method name (any case).

    Returns:
        ``True`` for ``send*`` (except ``sendChatAction``), ``copy*`` and ``forward*``.
    """
    lowered = method.lower()
    return (lowered.startswith("send") and lowered != "sendchataction") or (
        lowered in _EXTRA_SENDING
    )


class _Bucket:
    """A token bucket."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self.capacity = capacity
        self.rate = rate
        self.tokens = capacity
        self.stamp = now

    def wait_time(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1.0


class RateLimiter:
    """Answers ``429`` like Telegram when a bot sends too fast (thread-safe).

    Limits: a token bucket per chat (``per_chat_per_second``, bursts up to ``chat_burst``),
    a sliding one-minute window per group chat (negative chat id) and a global token bucket.
    """

    def __init__(self) -> None:
        """Create a disabled limiter."""
        self._lock = threading.Lock()
        self._enabled = False
        self._per_chat = 1.0
        self._chat_burst = 3.0
        self._per_group_minute = 20
        self._global = 30.0
        self._methods: frozenset[str] | None = None
        self._chats: dict[int, _Bucket] = {}
        self._groups: dict[int, deque[float]] = {}
        self._global_bucket: _Bucket | None = None
        self._hits: Counter[str] = Counter()

    def enable(
        self,
        per_chat_per_second: float = 1.0,
        per_group_per_minute: int = 20,
        global_per_second: float = 30.0,
        *,
        chat_burst: int = 3,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Turn the limits on (and reset their state).

        Args:
            per_chat_per_second: Sustained messages per second into one chat.
            per_group_per_minute: Messages per minute into one group chat.
            global_per_second: Messages per second over all chats (bursts up to this).
            chat_burst: Messages that may be sent into one chat back to back.
            methods: Limited methods (case-insensitive); ``None`` = every method that sends a
                message (see :func:`counts_as_message`).
        """
        with self._lock:
            self._enabled = True
            self._per_chat = per_chat_per_second
            self._chat_burst = float(max(1, chat_burst))
            self._per_group_minute = per_group_per_minute
            self._global = global_per_second
            self._methods = None if methods is None else frozenset(m.lower() for m in methods)
            self._chats.clear()
            self._groups.clear()
            self._global_bucket = None

    def disable(self) -> None:
        """Turn the limits off."""
        with self._lock:
            self._enabled = False

    @property
    def enabled(self) -> bool:
        """Whether the limits are active."""
        with self._lock:
            return self._enabled

    @property
    def hits(self) -> Counter[str]:
        """Limit name (``chat``, ``group``, ``global``) -> number of 429 answers (a copy)."""
        with self._lock:
            return Counter(self._hits)

    def check(self, method: str, chat_id: int | None, now: float) -> int | None:
        """Account one call; tell whether it must be refused.

        Args:
            method: Canonical method name.
            chat_id: Target chat, if any.
            now: ``time.monotonic()``.

        Returns:
            ``retry_after`` seconds if the call exceeds a limit (nothing is consumed then),
            else ``None``.
        """
        with self._lock:
            if not self._enabled:
                return None
            limited = (
                counts_as_message(method)
                if self._methods is None
                else method.lower() in self._methods
            )
            if not limited:
                return None
            waits: dict[str, float] = {}
            if self._global_bucket is None:
                self._global_bucket = _Bucket(self._global, self._global, now)
            waits["global"] = self._global_bucket.wait_time(now)
            chat_bucket: _Bucket | None = None
            window: deque[float] | None = None
            if chat_id is not None:
                chat_bucket = self._chats.get(chat_id)
                if chat_bucket is None:
                    chat_bucket = _Bucket(self._chat_burst, self._per_chat, now)
                    self._chats[chat_id] = chat_bucket
                waits["chat"] = chat_bucket.wait_time(now)
                if chat_id < 0:
                    window = self._groups.setdefault(chat_id, deque())
                    while window and window[0] <= now - 60.0:
                        window.popleft()
                    if len(window) >= self._per_group_minute:
                        waits["group"] = (window[0] + 60.0 - now) if window else 60.0
            worst = max(waits, key=lambda name: waits[name])
            if waits[worst] > 0.0:
                self._hits[worst] += 1
                return max(1, math.ceil(waits[worst]))
            self._global_bucket.take()
            if chat_bucket is not None:
                chat_bucket.take()
            if window is not None:
                window.append(now)
            return None
