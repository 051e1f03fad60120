"""Every wire format of a button's data, in one place (at most 64 bytes each, Telegram's limit
for callback data; the web chat uses the same).

- ``<state version>:<option key>``: a choice in a conversation step;
- ``u:c:<course id>`` and ``u:m:0``: stop the messages about a course, or the course news;
- ``c:<case id>:<verb>``: a counsellor's button on a case;
- ``k:<check-in id>:<answer>``: a newcomer's answer under a check-in message.
"""

from __future__ import annotations

from bot.core.actions import (
    CASE_VERBS,
    Action,
    CaseAction,
    CheckinReply,
    StopCourse,
    StopNews,
)
from bot.core.checkins import ANSWERS
from bot.core.events import ChoiceIn, Event, InvalidChoiceIn
from bot.core.ids import parse_id

MAX_CALLBACK_DATA = 64


def choice(version: int, key: str) -> str:
    """The data of an option offered at state ``version``."""
    return f"{version}:{key}"


def action(act: Action) -> str:
    """The data of a button under an outbox message."""
    if isinstance(act, StopCourse):
        return f"u:c:{act.course_id}"
    if isinstance(act, StopNews):
        return "u:m:0"
    if isinstance(act, CheckinReply):
        return f"k:{act.checkin_id}:{act.answer}"
    return f"c:{act.case_id}:{act.verb}"


def read(data: str | None) -> Event | Action:
    """What a pressed button asks: an action, or a conversation choice (an invalid choice if
    the data is malformed, too long or forged)."""
    if not data or len(data.encode("utf-8")) > MAX_CALLBACK_DATA:
        return InvalidChoiceIn()
    parts = data.split(":")
    if parts[0] == "u" and len(parts) == 3:
        ident = parse_id(parts[2])
        if parts[1] == "c" and ident is not None:
            return StopCourse(ident)
        if parts[1] == "m":
            return StopNews()
        return InvalidChoiceIn()
    if parts[0] == "c" and len(parts) == 3:
        case_id = parse_id(parts[1])
        verb = next((v for v in CASE_VERBS if v == parts[2]), None)
        if case_id is None or verb is None:
            return InvalidChoiceIn()
        return CaseAction(case_id, verb)
    if parts[0] == "k" and len(parts) == 3:
        checkin_id = parse_id(parts[1])
        answer = next((a for a in ANSWERS if a == parts[2]), None)
        if checkin_id is None or answer is None:
            return InvalidChoiceIn()
        return CheckinReply(checkin_id, answer)
    version, sep, key = data.partition(":")
    token = parse_id(version)
    if not sep or token is None or not key:
        return InvalidChoiceIn()
    return ChoiceIn(key=key, token=token)
