"""Everything stored about one user: gathered for /mydata, removed by /delete and the purge.

A user is keyed by the bot's own id in these tables: ``users``, ``identities`` (how each
channel knows them), ``conversations``, ``bookings``, ``course_subscriptions``,
``match_subscriptions``, ``cases``, ``outbox`` (messages to them), ``transcripts`` (what
the web chat shows them again) and ``checkins`` (planned check-ins, answer codes). Their
cases reach further: the group messages linked to a case (``case_messages``), the case summaries and
relayed texts sent to the counsellors' group (``outbox`` rows with the case id) and what
counsellors did (``audit_log``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.address import Address
from bot.storage import transcripts
from bot.storage.cases import CLOSED, OPEN
from bot.storage.models import (
    AuditRow,
    Base,
    BookingRow,
    CaseMessageRow,
    CaseRow,
    CheckinRow,
    Conversation,
    CourseRow,
    CourseSubscriptionRow,
    FaqUnansweredRow,
    Identity,
    MatchSubscriptionRow,
    OutboxRow,
    User,
)

# Outbox kinds to the counsellors' group that carry a newcomer's data (profile, their texts).
CASE_KINDS = ("case", "relay_to_group")
# Audit rows of these roles record staff work and stay; the actor is the staff member.
STAFF_ROLES = ("admin", "counsellor")
COURSE_FIELDS = ("provider", "code", "type", "level", "starts_on", "ends_on", "address", "status")


def as_dict(row: Base, *, without: Sequence[str] = ()) -> dict[str, Any]:
    """All columns of a row by name (values as stored)."""
    return {
        attr.key: getattr(row, attr.key)
        for attr in inspect(type(row)).column_attrs
        if attr.key not in without
    }


def _case_messages(case_ids: Sequence[int]) -> ColumnElement[bool]:
    """Outbox rows to the group about these cases (the JSON payload holds the case id)."""
    return and_(
        OutboxRow.kind.in_(CASE_KINDS),
        OutboxRow.payload["case_id"].as_integer().in_(list(case_ids)),
    )


def _messages(user_id: int, case_ids: Sequence[int]) -> ColumnElement[bool]:
    to_user = OutboxRow.user_id == user_id
    return or_(to_user, _case_messages(case_ids)) if case_ids else to_user


def _telegram_ids(identities: Sequence[Identity]) -> list[int]:
    """The user's ids in Telegram, which is how the audit log knows them when they acted in a
    group (as a stranger in the counsellors' group)."""
    return [int(i.external_id) for i in identities if i.channel == "telegram"]


async def _case_ids(session: AsyncSession, user_id: int) -> list[int]:
    found = await session.scalars(select(CaseRow.id).where(CaseRow.user_id == user_id))
    return list(found)


async def collect(session: AsyncSession, user_id: int) -> dict[str, Any]:
    """Every row about the user, as plain values (dates stay dates; the caller serialises).

    Counsellors' Telegram ids are left out of their actions: they are not the user's data.
    """
    user = await session.get(User, user_id)
    conversation = await session.get(Conversation, user_id)
    identities = list(
        await session.scalars(
            select(Identity).where(Identity.user_id == user_id).order_by(Identity.created_at)
        )
    )
    bookings = await session.scalars(
        select(BookingRow).where(BookingRow.user_id == user_id).order_by(BookingRow.id)
    )
    followed = await session.execute(
        select(CourseSubscriptionRow, CourseRow)
        .join(CourseRow, CourseRow.id == CourseSubscriptionRow.course_id)
        .where(CourseSubscriptionRow.user_id == user_id)
        .order_by(CourseRow.starts_on)
    )
    wishes = await session.scalars(
        select(MatchSubscriptionRow).where(MatchSubscriptionRow.user_id == user_id)
    )
    cases = list(
        await session.scalars(
            select(CaseRow).where(CaseRow.user_id == user_id).order_by(CaseRow.id)
        )
    )
    case_ids = [c.id for c in cases]
    links = await session.scalars(
        select(CaseMessageRow).where(CaseMessageRow.case_id.in_(case_ids))
    )
    actions = await session.scalars(
        select(AuditRow).where(AuditRow.case_id.in_(case_ids)).order_by(AuditRow.id)
    )
    own = await session.scalars(
        select(AuditRow)
        .where(AuditRow.actor_id.in_(_telegram_ids(identities)), AuditRow.role.not_in(STAFF_ROLES))
        .order_by(AuditRow.id)
    )
    messages = await session.scalars(
        select(OutboxRow).where(_messages(user_id, case_ids)).order_by(OutboxRow.id)
    )
    questions = await session.scalars(
        select(FaqUnansweredRow)
        .where(FaqUnansweredRow.user_id == user_id)
        .order_by(FaqUnansweredRow.id)
    )
    checkins = await session.scalars(
        select(CheckinRow).where(CheckinRow.user_id == user_id).order_by(CheckinRow.due_at)
    )
    shown: list[dict[str, Any]] = []
    for identity in identities:
        reader = Address(identity.channel, identity.external_id)
        for entry in await transcripts.since(session, reader, limit=10_000):
            shown.append(
                {"at": entry.at, "from": entry.author, **entry.payload, "file": entry.file_name}
            )
    by_case: dict[int, dict[str, Any]] = {
        c.id: {**as_dict(c), "group_messages": [], "counsellor_actions": []} for c in cases
    }
    for link in links:
        by_case[link.case_id]["group_messages"].append(as_dict(link, without=("case_id",)))
    for action in actions:
        if action.case_id in by_case:
            item = as_dict(action, without=("actor_id", "case_id"))
            by_case[action.case_id]["counsellor_actions"].append(item)
    return {
        "user_id": user_id,
        "identities": [as_dict(i) for i in identities],
        "user": as_dict(user) if user is not None else None,
        "conversation": as_dict(conversation) if conversation is not None else None,
        "bookings": [as_dict(b) for b in bookings],
        "course_subscriptions": [
            {**as_dict(sub), "course": {k: getattr(course, k) for k in COURSE_FIELDS}}
            for sub, course in followed.tuples()
        ],
        "match_subscriptions": [as_dict(w) for w in wishes],
        "cases": list(by_case.values()),
        "messages": [as_dict(m) for m in messages],
        "unanswered_questions": [as_dict(q, without=("user_id",)) for q in questions],
        "your_actions_in_the_counsellors_group": [as_dict(a) for a in own],
        "web_chat_transcript": shown,
        "checkins": [as_dict(c, without=("user_id",)) for c in checkins],
    }


def nothing_stored() -> dict[str, Any]:
    """What :func:`collect` gives for someone the bot has stored nothing about."""
    return {
        "user_id": None,
        "identities": [],
        "user": None,
        "conversation": None,
        "bookings": [],
        "course_subscriptions": [],
        "match_subscriptions": [],
        "cases": [],
        "messages": [],
        "unanswered_questions": [],
        "your_actions_in_the_counsellors_group": [],
        "web_chat_transcript": [],
        "checkins": [],
    }


async def forget(session: AsyncSession, user_id: int, now: datetime) -> list[int]:
    """Delete or anonymise every row about the user; returns the ids of cases that were open.

    Active bookings must have been ended before (their seats freed): bookings then stay only as
    anonymous counts, and cases without the user's id, closed. Messages to the user (sent or
    not, with their texts), the case summaries and relayed texts in the outbox, the links of
    group messages to the cases, subscriptions, the conversation and the profile are deleted.
    """
    case_ids = await _case_ids(session, user_id)
    identities = list(await session.scalars(select(Identity).where(Identity.user_id == user_id)))
    open_ids = list(
        await session.scalars(
            select(CaseRow.id).where(CaseRow.user_id == user_id, CaseRow.status == OPEN)
        )
    )
    await session.execute(
        delete(OutboxRow)
        .where(_messages(user_id, case_ids))
        .execution_options(synchronize_session=False)
    )
    if case_ids:
        await session.execute(delete(CaseMessageRow).where(CaseMessageRow.case_id.in_(case_ids)))
    await session.execute(
        update(CaseRow)
        .where(CaseRow.user_id == user_id, CaseRow.status == OPEN)
        .values(status=CLOSED, closed_at=now)
    )
    await session.execute(update(CaseRow).where(CaseRow.user_id == user_id).values(user_id=None))
    await session.execute(
        update(BookingRow).where(BookingRow.user_id == user_id).values(user_id=None)
    )
    await session.execute(
        delete(CourseSubscriptionRow).where(CourseSubscriptionRow.user_id == user_id)
    )
    await session.execute(
        delete(MatchSubscriptionRow).where(MatchSubscriptionRow.user_id == user_id)
    )
    await session.execute(
        delete(AuditRow).where(
            AuditRow.actor_id.in_(_telegram_ids(identities)), AuditRow.role.not_in(STAFF_ROLES)
        )
    )
    await session.execute(delete(FaqUnansweredRow).where(FaqUnansweredRow.user_id == user_id))
    await session.execute(delete(CheckinRow).where(CheckinRow.user_id == user_id))
    await transcripts.erase(session, [Address(i.channel, i.external_id) for i in identities])
    await session.execute(delete(Identity).where(Identity.user_id == user_id))
    await session.execute(delete(Conversation).where(Conversation.user_id == user_id))
    await session.execute(delete(User).where(User.id == user_id))
    return open_ids


async def inactive_users(session: AsyncSession, before: datetime) -> list[int]:
    """Users whose last message came before ``before``."""
    found = await session.scalars(
        select(User.id).where(User.last_seen_at < before).order_by(User.last_seen_at)
    )
    return list(found)
