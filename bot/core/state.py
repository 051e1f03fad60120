"""The conversation state of one user, saved after every step."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast, get_args

# Every step of the conversation; the flows define one Step for each (checked by the tests).
StepName = Literal[
    "language",
    "language_more",
    "privacy",
    "declined",
    "delete",
    "restart",
    "status",
    "special",
    "unsure",
    "benefits",
    "age",
    "result",
    "menu",
    "book_point",
    "book_day",
    "book_time",
    "book_alt",
    "booked",
    "appointments",
    "courses",
    "course_filters",
    "course_district",
    "course_time",
    "course_weeks",
    "reminders",
    "checkin_reason",
]
STEP_NAMES: frozenset[str] = frozenset(get_args(StepName))
START_STEP: StepName = "language"


def stored_step(name: str | None, default: StepName = START_STEP) -> StepName:
    """A step name read from storage (an older release may have saved one that is gone)."""
    return cast(StepName, name) if name in STEP_NAMES else default


@dataclass(frozen=True)
class State:
    """Where a user is in the conversation and what they answered.

    Attributes:
        step: The name of the current step.
        version: Increases with every change; buttons carry it so a button from an
            older message can be recognised as stale.
        lang: The chosen language, once chosen.
        consent: Whether the user accepted the privacy notice; no personal answer is
            kept before that.
        answers: The user's answers (status, benefits, age band, ...), by question.
        history: The steps before this one, for "back".
        resume: The step to return to after an interruption such as /language.
    """

    step: str = START_STEP
    version: int = 0
    lang: str | None = None
    consent: bool = False
    answers: Mapping[str, str] = field(default_factory=dict)
    history: tuple[str, ...] = ()
    resume: str | None = None

    def go(self, step: StepName, *, remember: bool = True, **changes: Any) -> State:
        """Move to ``step``; with ``remember`` the current step can be returned to by "back"."""
        history = (*self.history, self.step) if remember and step != self.step else self.history
        return replace(self, step=step, history=history, version=self.version + 1, **changes)

    def restarted(self) -> State:
        """From the beginning: language and consent kept, answers and history cleared."""
        if self.lang is None:
            return State(version=self.version + 1)
        step: StepName = "status" if self.consent else "privacy"
        return State(step=step, version=self.version + 1, lang=self.lang, consent=self.consent)

    def answer(self, key: str, value: str) -> Mapping[str, str]:
        """The answers with ``key`` set to ``value``."""
        return {**self.answers, key: value}

    def without(self, *keys: str) -> Mapping[str, str]:
        """The answers without ``keys``."""
        return {k: v for k, v in self.answers.items() if k not in keys}

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable form of the state."""
        return {
            "step": self.step,
            "version": self.version,
            "lang": self.lang,
            "consent": self.consent,
            "answers": dict(self.answers),
            "history": list(self.history),
            "resume": self.resume,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> State:
        """Read a state written by :meth:`to_json`; broken parts fall back to defaults."""
        answers = data.get("answers") or {}
        history = data.get("history") or []
        return cls(
            step=str(data.get("step") or START_STEP),
            version=int(data.get("version") or 0),
            lang=data.get("lang") or None,
            consent=bool(data.get("consent")),
            answers={str(k): str(v) for k, v in dict(answers).items()},
            history=tuple(str(s) for s in history),
            resume=data.get("resume") or None,
        )
