"""outbox: topics, send-time quiet hours and expiry

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

Pending rows written before this revision get their topic and send-time rules from their
payload, so reminders planned by an older release can still be re-planned and are still held
in quiet hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

outbox = sa.table(
    "outbox",
    sa.column("id", sa.Integer),
    sa.column("chat_id", sa.BigInteger),
    sa.column("kind", sa.String),
    sa.column("payload", sa.JSON),
    sa.column("state", sa.String),
    sa.column("topic", sa.String),
    sa.column("quiet", sa.Boolean),
    sa.column("event_at", sa.DateTime(timezone=True)),
    sa.column("expires_at", sa.DateTime(timezone=True)),
)
courses = sa.table(
    "courses",
    sa.column("id", sa.Integer),
    sa.column("starts_on", sa.Date),
    sa.column("time_from", sa.String),
)
bookings = sa.table(
    "bookings", sa.column("id", sa.Integer), sa.column("starts_at", sa.DateTime(timezone=True))
)


def _stored(moment: datetime, dialect: str) -> datetime:
    utc = moment.astimezone(UTC)
    return utc.replace(tzinfo=None) if dialect == "sqlite" else utc


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic", sa.String(length=80), nullable=True))
        batch_op.add_column(
            sa.Column("quiet", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
        batch_op.add_column(sa.Column("event_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_topic"), ["topic"], unique=False)

    bind = op.get_bind()
    dialect = bind.dialect.name
    # The local time zone of existing plans: the one every release so far ran in.
    tz = ZoneInfo("Europe/Berlin")
    starts = {
        r.id: datetime.combine(r.starts_on, time.fromisoformat(r.time_from), tzinfo=tz)
        for r in bind.execute(sa.select(courses.c.id, courses.c.starts_on, courses.c.time_from))
    }
    visits = {
        r.id: (r.starts_at if r.starts_at.tzinfo else r.starts_at.replace(tzinfo=UTC))
        for r in bind.execute(sa.select(bookings.c.id, bookings.c.starts_at))
    }
    pending = bind.execute(
        sa.select(outbox.c.id, outbox.c.chat_id, outbox.c.kind, outbox.c.payload).where(
            outbox.c.state == "pending", outbox.c.kind.in_(("course", "reminder"))
        )
    ).all()
    for row in pending:
        payload = dict(row.payload)
        values: dict[str, object] = {"quiet": True}
        if row.kind == "reminder":
            start = visits.get(payload.get("booking_id"))
            values["topic"] = f"booking:{payload.get('booking_id')}"
            if start is not None:
                values["event_at"] = values["expires_at"] = _stored(start, dialect)
                payload["starts_at"] = start.astimezone(UTC).isoformat()
        else:
            course_start = starts.get(payload.get("course_id"))
            values["topic"] = f"course:{payload.get('course_id')}:{row.chat_id}"
            if course_start is not None:
                values["event_at"] = _stored(course_start, dialect)
            if payload.get("event") == "starts":
                values["kind"] = "course_start"
                if course_start is not None:
                    values["expires_at"] = _stored(course_start, dialect)
                    payload["starts_at"] = course_start.astimezone(UTC).isoformat()
            elif payload.get("event") == "new" and course_start is not None:
                values["expires_at"] = _stored(course_start, dialect)
        values["payload"] = payload
        bind.execute(sa.update(outbox).where(outbox.c.id == row.id).values(**values))


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(outbox.c.id, outbox.c.payload).where(outbox.c.kind == "course_start")
    ).all()
    for row in rows:
        payload = dict(row.payload)
        payload["event"] = "starts"
        starts_at = payload.get("starts_at")
        if starts_at:
            local = datetime.fromisoformat(starts_at).astimezone(ZoneInfo("Europe/Berlin"))
            payload["starts_on"] = local.date().isoformat()
        bind.execute(
            sa.update(outbox).where(outbox.c.id == row.id).values(kind="course", payload=payload)
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_topic"))
        batch_op.drop_column("expires_at")
        batch_op.drop_column("event_at")
        batch_op.drop_column("quiet")
        batch_op.drop_column("topic")
