"""/mydata: what is stored about a user, as a short summary in their language and as a file.

The data comes from :func:`bot.storage.personal.collect`; this module only presents it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.content.model import Content
from bot.core.labels import AGE, LANGUAGE_NAMES, YES_NO
from bot.core.messages import N_, Arg, File, Lines, Msg, Reply, Term
from bot.flows.consent import period
from bot.storage.outbox import PENDING

FILE_NAME = "wegweiser-mydata.json"
RELAYS = ("relay_to_group", "relay_to_user")

INTRO = N_("This is what I have stored about you. The attached file contains all of it in detail.")
NOTHING = N_("I have stored nothing about you.")
AUTO_DELETE = N_(
    "If you do not write to me for {period}, I delete everything automatically. "
    "To delete everything now: /delete"
)


def _plain(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime | date) else str(value)


def export_file(data: Mapping[str, Any], *, exported_at: datetime, inactivity_days: int) -> File:
    """All the user's data as a JSON file (UTF-8, dates in ISO 8601, times in UTC)."""
    document = {
        "about": "Everything the Wegweiser bot stores about you.",
        "exported_at": exported_at,
        "deleted_after_days_without_a_message": inactivity_days,
        **data,
    }
    text = json.dumps(document, ensure_ascii=False, indent=2, default=_plain)
    return File(FILE_NAME, text.encode("utf-8"))


def _day(value: datetime, tz: ZoneInfo) -> date:
    return value.astimezone(tz).date()


def summary(
    data: Mapping[str, Any], content: Content, *, inactivity_days: int, tz: ZoneInfo
) -> Arg:
    """A readable overview of :func:`collect`'s result."""
    user = data.get("user")
    if user is None:
        return Msg(NOTHING)
    lines: list[Arg] = [Msg(INTRO)]
    lines += [
        Msg(N_("Telegram ID: {id}"), {"id": Term(str(identity["external_id"]))})
        for identity in data["identities"]
        if identity["channel"] == "telegram"
    ]
    if user["language"]:
        name = LANGUAGE_NAMES.get(user["language"], user["language"])
        lines.append(Msg(N_("Language: {language}"), {"language": Term(name)}))
    consent: Arg = _day(user["consent_at"], tz) if user["consent_at"] else Msg(YES_NO["no"])
    lines.append(Msg(N_("Consent: {answer}"), {"answer": consent}))
    status = content.statuses.get(user["status"] or "")
    if status is not None:
        lines.append(Msg(N_("Situation: {status}"), {"status": Msg(status.label)}))
    if user["benefits"] in YES_NO:
        answer = Msg(YES_NO[user["benefits"]])
        lines.append(Msg(N_("Bürgergeld: {answer}"), {"answer": answer}))
    if user["age_band"] in AGE:
        lines.append(Msg(N_("Age: {band}"), {"band": Msg(AGE[user["age_band"]])}))
    lines += [
        Msg(N_("First message: {date}"), {"date": _day(user["created_at"], tz)}),
        Msg(N_("Last message: {date}"), {"date": _day(user["last_seen_at"], tz)}),
        Msg(N_("Appointments: {n}"), {"n": len(data["bookings"])}),
        Msg(N_("Courses you follow: {n}"), {"n": len(data["course_subscriptions"])}),
        Msg(
            N_("News of new courses: {answer}"),
            {"answer": Msg(YES_NO["yes" if data["match_subscriptions"] else "no"])},
        ),
        Msg(N_("Conversations with a counsellor: {n}"), {"n": len(data["cases"])}),
    ]
    messages = data["messages"]
    relayed = sum(1 for m in messages if m["kind"] in RELAYS)
    waiting = sum(1 for m in messages if m["user_id"] == data["user_id"] and m["state"] == PENDING)
    lines += [
        Msg(N_("Messages between you and your counsellor: {n}"), {"n": relayed}),
        Msg(N_("Messages waiting to be sent to you: {n}"), {"n": waiting}),
        Msg(AUTO_DELETE, {"period": period(inactivity_days)}),
    ]
    return Lines(tuple(lines))


def mydata_reply(
    data: Mapping[str, Any],
    content: Content,
    *,
    inactivity_days: int,
    tz: ZoneInfo,
    now: datetime,
) -> Reply:
    """The /mydata answer: the summary, with the whole data attached as a JSON file."""
    body = summary(data, content, inactivity_days=inactivity_days, tz=tz)
    document = export_file(data, exported_at=now, inactivity_days=inactivity_days)
    return Reply(body, title=Msg(N_("Your data")), attachment=document)
