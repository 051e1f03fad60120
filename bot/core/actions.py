"""Buttons under messages that are not part of a conversation step: what pressing them asks.

Each channel encodes these in its own wire format (Telegram: callback data) and decodes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.core.checkins import Answer

CaseVerb = Literal["confirm", "propose", "attended", "noshow", "checkin", "close"]
CASE_VERBS: tuple[CaseVerb, ...] = ("confirm", "propose", "attended", "noshow", "checkin", "close")


@dataclass(frozen=True)
class StopCourse:
    """Stop the messages about a followed course."""

    course_id: int


@dataclass(frozen=True)
class StopNews:
    """Stop the news of new matching courses."""


@dataclass(frozen=True)
class CaseAction:
    """A counsellor's button on a case."""

    case_id: int
    verb: CaseVerb


@dataclass(frozen=True)
class CheckinReply:
    """A newcomer's answer under a check-in message."""

    checkin_id: int
    answer: Answer


Action = StopCourse | StopNews | CaseAction | CheckinReply
