"""Tables. Users are kept with the least data the guidance needs: no names, no phone numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Sequence,
    String,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.core.courses.model import CourseStatus

# The life of a booking, a case, a course and an outbox row, as stored.
BookingStatus = Literal["active", "cancelled", "attended", "no_show"]
CaseStatus = Literal["open", "closed"]
OutboxState = Literal["pending", "sending", "sent", "dropped", "failed"]


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC on every database; read back aware, in UTC.

    SQLite keeps no offset: without this, a Europe/Berlin time would be read back an hour off.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base of all tables."""


# Internal user ids: a sequence on PostgreSQL, the rowid on SQLite (INTEGER PRIMARY KEY).
USER_ID = BigInteger().with_variant(Integer(), "sqlite")


class User(Base):
    """A newcomer, on whatever channel: language and answers only.

    The id is the bot's own; how to reach the user is in :class:`Identity`. Answers (status,
    benefits, age band) are stored only after consent.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(USER_ID, Sequence("users_id_seq"), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str | None] = mapped_column(String(32))
    benefits: Mapped[str | None] = mapped_column(String(8))
    age_band: Mapped[str | None] = mapped_column(String(16))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when Telegram said the user blocked the bot (403); cleared when they write again.
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Check-ins: None = not asked yet, True = wanted, False = declined or stopped.
    checkins: Mapped[bool | None] = mapped_column(Boolean)
    checkins_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Identity(Base):
    """How a user is reached on one channel: a Telegram chat, a web-chat session, ..."""

    __tablename__ = "identities"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # The channel's last update applied, so a redelivered update is not applied twice.
    last_update_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Conversation(Base):
    """Where a user is in the conversation; saved after every step."""

    __tablename__ = "conversations"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ContentDocument(Base):
    """A city's content files as loaded, so running bots read facts from the database."""

    __tablename__ = "content_documents"

    city: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    checksum: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SlotRow(Base):
    """Seats taken in one slot; the CHECK makes overbooking impossible in the database."""

    __tablename__ = "slots"
    __table_args__ = (
        CheckConstraint("taken >= 0 AND taken <= capacity", name="ck_slots_capacity"),
    )

    point: Mapped[str] = mapped_column(String(64), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)


class BookingRow(Base):
    """A first-counselling appointment. One active booking per user and point."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index(
            "uq_bookings_active",
            "user_id",
            "point",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    point: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[BookingStatus] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxRow(Base):
    """A message to send later: written with its cause, sent once by the dispatcher."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index(
            "ix_outbox_due",
            "next_attempt_at",
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
        Index("ix_outbox_destination", "channel", "address"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Where it goes: a channel and the address there (a user's chat, the counsellors' desk).
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    # The user it is for, if any (their data: /mydata shows it, /delete removes it).
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    # What the message is about ("booking:12", "course:5:77"), so a change can drop or re-plan
    # exactly that subject's messages.
    topic: Mapped[str | None] = mapped_column(String(80), index=True)
    # Quiet hours apply at send time; the event it is about decides whether it may not wait,
    # and after ``expires_at`` (e.g. the course has begun) it is dropped, not sent.
    quiet: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    event_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state: Mapped[OutboxState] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CaseRow(Base):
    """A newcomer's case in the counsellors' group: one forum topic (or reply thread) each."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    booking_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(16))
    status: Mapped[CaseStatus] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    thread_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    anchor_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CaseMessageRow(Base):
    """A message in the counsellors' group that belongs to a case (for reply threads)."""

    __tablename__ = "case_messages"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, ForeignKey("cases.id", ondelete="CASCADE"))


class AuditRow(Base):
    """Who did what to which case; never message contents."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int] = mapped_column(BigInteger)
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(String(200))


class ClosureRow(Base):
    """A day an admin closed a point (team day, illness), on top of the content's closures."""

    __tablename__ = "closures"

    point: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(BigInteger)


class PointSettingRow(Base):
    """An admin's capacity override for a point."""

    __tablename__ = "point_settings"

    point: Mapped[str] = mapped_column(String(64), primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[int | None] = mapped_column(BigInteger)


class CourseRow(Base):
    """A course from a provider's plan; past courses are archived, never deleted."""

    __tablename__ = "courses"
    __table_args__ = (UniqueConstraint("provider", "code", name="uq_courses_provider_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(120))
    code: Mapped[str] = mapped_column(String(60))
    type: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[str] = mapped_column(String(60))
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    weekdays: Mapped[str] = mapped_column(String(20))
    time_from: Mapped[str] = mapped_column(String(5))
    time_to: Mapped[str] = mapped_column(String(5))
    address: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(80))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    target_group: Mapped[str] = mapped_column(String(200))
    childcare: Mapped[bool] = mapped_column(Boolean)
    free_places: Mapped[int | None] = mapped_column(Integer)
    registration: Mapped[str] = mapped_column(String(300))
    status: Mapped[CourseStatus] = mapped_column(String(16), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CourseSubscriptionRow(Base):
    """A user follows one course: reminders before it starts, news when it changes."""

    __tablename__ = "course_subscriptions"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    course_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MatchSubscriptionRow(Base):
    """A user wants to hear of new courses that match their filters."""

    __tablename__ = "match_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FaqEntryRow(Base):
    """An FAQ entry: its German source answer, with the facts' provenance."""

    __tablename__ = "faq_entries"

    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(300))
    as_of: Mapped[date] = mapped_column(Date)
    confirmed: Mapped[bool] = mapped_column(Boolean)
    source_text: Mapped[str] = mapped_column(String(4096))
    source_hash: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FaqTextRow(Base):
    """An entry's answer in one language, and which German source it translates."""

    __tablename__ = "faq_texts"

    slug: Mapped[str] = mapped_column(
        String(64), ForeignKey("faq_entries.slug", ondelete="CASCADE"), primary_key=True
    )
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    answer: Mapped[str] = mapped_column(String(4096))
    based_on: Mapped[str] = mapped_column(String(16))
    machine: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FaqExampleRow(Base):
    """An example question or keyword of an entry, in one language."""

    __tablename__ = "faq_examples"
    __table_args__ = (UniqueConstraint("slug", "lang", "text", name="uq_faq_examples"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(
        String(64), ForeignKey("faq_entries.slug", ondelete="CASCADE"), index=True
    )
    lang: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(String(300))
    keyword: Mapped[bool] = mapped_column(Boolean)


class FaqUnansweredRow(Base):
    """A question the bot could not answer. Admins see it without the asker; ``user_id`` is
    kept only so that /delete and the inactivity purge remove it (it may hold a name)."""

    __tablename__ = "faq_unanswered"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    lang: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ConsoleTokenRow(Base):
    """A one-time sign-in link for the web console; only the token's hash is kept."""

    __tablename__ = "console_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    actor_id: Mapped[int] = mapped_column(BigInteger)
    role: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ConsoleSessionRow(Base):
    """A signed-in console session (the cookie holds the id; only its hash is kept)."""

    __tablename__ = "console_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    actor_id: Mapped[int] = mapped_column(BigInteger)
    role: Mapped[str] = mapped_column(String(16))
    csrf: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class FaqHistoryRow(Base):
    """One change of an FAQ answer: who, when, from what to what."""

    __tablename__ = "faq_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(
        String(64), ForeignKey("faq_entries.slug", ondelete="CASCADE"), index=True
    )
    lang: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[str | None] = mapped_column(String(4096))
    after: Mapped[str] = mapped_column(String(4096))


class ContentOverrideRow(Base):
    """A fact an admin changed in the console: applied on top of the content files, also after
    the files are loaded again, so an edit survives a restart. The newest row per path wins."""

    __tablename__ = "content_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city: Mapped[str] = mapped_column(String(64), index=True)
    path: Mapped[str] = mapped_column(String(200))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class StatsEventRow(Base):
    """Something that happened, for the city's statistics: no user id, so /delete and the
    inactivity purge leave the counts as they were."""

    __tablename__ = "stats_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    lang: Mapped[str | None] = mapped_column(String(8))
    detail: Mapped[str | None] = mapped_column(String(64))


class TranscriptRow(Base):
    """A message a channel keeps for its reader to see again: the web chat shows the whole
    conversation after a reload, and messages that arrived while the page was closed.
    Deleted with the user (/delete, the inactivity purge)."""

    __tablename__ = "transcripts"
    __table_args__ = (Index("ix_transcripts_reader", "channel", "external_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # "user" (what they wrote or pressed) or "bot".
    author: Mapped[str] = mapped_column(String(8))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    file_name: Mapped[str | None] = mapped_column(String(128))
    file_data: Mapped[bytes | None] = mapped_column(LargeBinary)


class CheckinRow(Base):
    """A check-in planned for a newcomer and, once answered, the answer (a code, never text).
    Deleted with the user; answered ones are deleted after ``CHECKIN_KEEP_DAYS``."""

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        USER_ID, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    booking_id: Mapped[int | None] = mapped_column(Integer)
    course_id: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class CheckinSwitchRow(Base):
    """An admin switched a kind of check-in off (or on again) while the bot runs."""

    __tablename__ = "checkin_switches"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    actor_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
