"""Fault injection: random or scripted failures of API calls."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["FAULT_KINDS", "Fault", "FaultInjector"]

#: Every supported fault kind.
FAULT_KINDS: tuple[str, ...] = ("429", "500", "502", "timeout", "drop")


@dataclass(frozen=True)
class Fault:
    """A decision to fail one call.

    Attributes:
        kind: One of :data:`FAULT_KINDS`.
        retry_after: Seconds announced by a ``429``.
        timeout_seconds: How long a ``timeout`` fault stalls before answering.
    """

    kind: str
    retry_after: int
    timeout_seconds: float


def _check_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    result = tuple(str(kind) for kind in kinds)
    unknown = [kind for kind in result if kind not in FAULT_KINDS]
    if unknown or not result:
        raise ValueError(f"fault kinds must be a non-empty subset of {FAULT_KINDS}: {unknown}")
    return result


class FaultInjector:
    """Decides which calls fail and how (thread-safe).

    Faulted calls have no side effect. ``"timeout"`` stalls for ``timeout_seconds`` (longer
    than python-telegram-bot's default 5 s read timeout unless shortened) and then answers
    ``504 Gateway Timeout``; ``"drop"`` closes the connection without answering.
    """

    def __init__(self) -> None:
        """Create an injector that injects nothing."""
        self._lock = threading.Lock()
        self._rate = 0.0
        self._kinds: tuple[str, ...] = FAULT_KINDS
        self._methods: frozenset[str] | None = None
        self._retry_after = 1
        self._timeout_seconds = 6.0
        self._rng = random.Random(1234)
        self._scripted: list[tuple[str, str | None, int | None]] = []
        self._injected: Counter[str] = Counter()

    def set(
        self,
        rate: float = 0.1,
        kinds: Iterable[str] = FAULT_KINDS,
        methods: Iterable[str] | None = None,
        retry_after: int = 1,
        timeout_seconds: float = 6.0,
        seed: int | None = 1234,
    ) -> None:
        """Enable random faults.

        Args:
            rate: Probability (0..1) that an eligible call fails.
            kinds: Fault kinds to choose from uniformly.
            methods: Eligible methods (case-insensitive); ``None`` means every method except
                ``getUpdates``.
            retry_after: Seconds announced by ``429`` answers.
            timeout_seconds: Stall of ``timeout`` faults.
            seed: Seed of the private random generator (``None`` = nondeterministic).

        Raises:
            ValueError: If ``rate`` or ``kinds`` are invalid.
        """
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        checked = _check_kinds(kinds)
        with self._lock:
            self._rate = rate
            self._kinds = checked
            self._methods = None if methods is None else frozenset(m.lower() for m in methods)
            self._retry_after = retry_after
            self._timeout_seconds = timeout_seconds
            self._rng = random.Random(seed)

    def fail_next(
        self,
        kind: str,
        *,
        method: str | None = None,
        count: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Script deterministic faults that take precedence over random ones.

        Args:
            kind: One of :data:`FAULT_KINDS`.
            method: Only calls of this method (case-insensitive) consume the fault; ``None``
                means the next calls of any method except ``getUpdates``.
            count: How many consecutive matching calls fail.
            retry_after: Override of ``retry_after`` for ``429``.
        """
        _check_kinds([kind])
        with self._lock:
            for _ in range(count):
                self._scripted.append((kind, method.lower() if method else None, retry_after))

    def clear(self) -> None:
        """Stop injecting faults (random and scripted). ``injected`` is kept."""
        with self._lock:
            self._rate = 0.0
            self._scripted.clear()

    @property
    def injected(self) -> Counter[str]:
        """Fault kind -> number of injected faults so far (a copy)."""
        with self._lock:
            return Counter(self._injected)

    @property
    def timeout_seconds(self) -> float:
        """Current stall of ``timeout`` faults in seconds."""
        with self._lock:
            return self._timeout_seconds

    def decide(self, method: str) -> Fault | None:
        """Decide whether a call fails.

        Args:
            method: Canonical method name.

        Returns:
            The fault to inject, or ``None``.
        """
        lowered = method.lower()
        with self._lock:
            for index, (kind, only, retry_after) in enumerate(self._scripted):
                if only == lowered or (only is None and lowered != "getupdates"):
                    del self._scripted[index]
                    self._injected[kind] += 1
                    return Fault(kind, retry_after or self._retry_after, self._timeout_seconds)
            if self._rate <= 0.0:
                return None
            eligible = (
                lowered != "getupdates" if self._methods is None else lowered in self._methods
            )
            if not eligible or self._rng.random() >= self._rate:
                return None
            kind = self._rng.choice(self._kinds)
            self._injected[kind] += 1
            return Fault(kind, self._retry_after, self._timeout_seconds)
