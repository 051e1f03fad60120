"""What an outbox row asks to deliver, one type per kind: written by the use cases, read by the
composer. The payload in the database is only ever made and read here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from bot.core.messages import Arg
from bot.core.serial import arg_from_json, arg_to_json

CourseEvent = Literal["changed", "cancelled", "new"]
CaseEvent = Literal["opened", "booked", "cancelled", "rescheduled", "person"]


@dataclass(frozen=True)
class ToUser:
    """A message to a newcomer, rendered in their language when it is sent."""

    kind: ClassVar[str] = "to_user"
    msg: Arg
    lang: str

    def payload(self) -> dict[str, Any]:
        return {"msg": arg_to_json(self.msg), "lang": self.lang}

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> ToUser:
        return cls(arg_from_json(data["msg"]), str(data["lang"]))


@dataclass(frozen=True)
class RelayToUser:
    """A counsellor's words to the newcomer (one piece of them)."""

    kind: ClassVar[str] = "relay_to_user"
    text: str
    lang: str

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "lang": self.lang}

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> RelayToUser:
        return cls(str(data["text"]), str(data["lang"]))


@dataclass(frozen=True)
class VisitReminder:
    """A reminder of a first-counselling visit, ``lead_hours`` before it."""

    kind: ClassVar[str] = "reminder"
    booking_id: int
    lead_hours: int
    starts_at: datetime | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"booking_id": self.booking_id, "lead_hours": self.lead_hours}
        if self.starts_at is not None:
            data["starts_at"] = self.starts_at.isoformat()
        return data

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> VisitReminder:
        starts = data.get("starts_at")
        return cls(
            int(data["booking_id"]),
            int(data.get("lead_hours", 0)),
            datetime.fromisoformat(starts) if starts else None,
        )


@dataclass(frozen=True)
class CourseStart:
    """A reminder that a followed course starts soon (the text counts the days when sent)."""

    kind: ClassVar[str] = "course_start"
    course_id: int
    days: int
    lang: str
    starts_at: datetime

    def payload(self) -> dict[str, Any]:
        return {
            "course_id": self.course_id,
            "days": self.days,
            "lang": self.lang,
            "starts_at": self.starts_at.isoformat(),
        }

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> CourseStart:
        return cls(
            int(data["course_id"]),
            int(data.get("days", 0)),
            str(data.get("lang", "de")),
            datetime.fromisoformat(data["starts_at"]),
        )


@dataclass(frozen=True)
class CourseNews:
    """A followed course changed or was cancelled, or a new course fits a wish (``match``)."""

    kind: ClassVar[str] = "course"
    course_id: int
    event: CourseEvent
    lang: str
    match: int | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"course_id": self.course_id, "event": self.event, "lang": self.lang}
        if self.match is not None:
            data["match"] = self.match
        return data

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> CourseNews:
        event = str(data["event"])
        if event not in ("changed", "cancelled", "new"):
            raise ValueError(f"unknown course event {event!r}")
        match = data.get("match")
        return cls(int(data["course_id"]), event, str(data.get("lang", "de")), match)  # type: ignore[arg-type]


@dataclass(frozen=True)
class CaseNote:
    """The counsellors' desk hears of a case: opened, booked, cancelled, ..."""

    kind: ClassVar[str] = "case"
    case_id: int
    event: str
    booking_id: int | None = None
    profile: Mapping[str, str] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "event": self.event,
            "booking_id": self.booking_id,
            "profile": dict(self.profile),
        }

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> CaseNote:
        booking = data.get("booking_id")
        return cls(
            int(data["case_id"]),
            str(data.get("event", "opened")),
            int(booking) if booking else None,
            {str(k): str(v) for k, v in (data.get("profile") or {}).items()},
        )


@dataclass(frozen=True)
class RelayToDesk:
    """The newcomer's words to their case on the desk (one piece of them)."""

    kind: ClassVar[str] = "relay_to_group"
    case_id: int
    text: str
    lang: str

    def payload(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "text": self.text, "lang": self.lang}

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> RelayToDesk:
        return cls(int(data["case_id"]), str(data["text"]), str(data["lang"]))


@dataclass(frozen=True)
class CaseClosed:
    """A case ended: the desk closes its thread."""

    kind: ClassVar[str] = "case_closed"
    case_id: int

    def payload(self) -> dict[str, Any]:
        return {"case_id": self.case_id}

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> CaseClosed:
        return cls(int(data["case_id"]))


@dataclass(frozen=True)
class Checkin:
    """A check-in: its text, dates and buttons are worked out when it is sent."""

    kind: ClassVar[str] = "checkin"
    checkin_id: int

    def payload(self) -> dict[str, Any]:
        return {"checkin_id": self.checkin_id}

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> Checkin:
        return cls(int(data["checkin_id"]))


Intent = (
    ToUser
    | RelayToUser
    | VisitReminder
    | CourseStart
    | CourseNews
    | CaseNote
    | RelayToDesk
    | CaseClosed
    | Checkin
)
KINDS: dict[str, type[Intent]] = {
    cls.kind: cls
    for cls in (
        ToUser,
        RelayToUser,
        VisitReminder,
        CourseStart,
        CourseNews,
        CaseNote,
        RelayToDesk,
        CaseClosed,
        Checkin,
    )
}
# Kinds that go to the counsellors' desk rather than to a newcomer.
DESK_KINDS = frozenset({CaseNote.kind, RelayToDesk.kind, CaseClosed.kind})


def read(kind: str, payload: Mapping[str, Any]) -> Intent:
    """The intent a stored row asks for; ``KeyError``/``ValueError`` if it makes no sense."""
    return KINDS[kind].read(payload)
