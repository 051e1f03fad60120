"""faq

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "faq_entries",
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("source_text", sa.String(length=4096), nullable=False),
        sa.Column("source_hash", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slug"),
    )
    op.create_table(
        "faq_unanswered",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("faq_unanswered", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_faq_unanswered_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "faq_examples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("keyword", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["slug"], ["faq_entries.slug"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug", "lang", "text", name="uq_faq_examples"),
    )
    with op.batch_alter_table("faq_examples", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_faq_examples_slug"), ["slug"], unique=False)

    op.create_table(
        "faq_texts",
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("answer", sa.String(length=4096), nullable=False),
        sa.Column("based_on", sa.String(length=16), nullable=False),
        sa.Column("machine", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["slug"], ["faq_entries.slug"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("slug", "lang"),
    )


def downgrade() -> None:
    op.drop_table("faq_texts")
    with op.batch_alter_table("faq_examples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_examples_slug"))

    op.drop_table("faq_examples")
    with op.batch_alter_table("faq_unanswered", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_unanswered_created_at"))

    op.drop_table("faq_unanswered")
    op.drop_table("faq_entries")
