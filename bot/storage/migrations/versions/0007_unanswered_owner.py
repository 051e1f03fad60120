"""faq_unanswered: who asked, so /delete and the inactivity purge remove typed questions too

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

A typed question can hold a name or an address. Questions stored before this revision have no
owner and stay as they are (nothing links them to anyone).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("faq_unanswered", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_faq_unanswered_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("faq_unanswered", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_unanswered_user_id"))
        batch_op.drop_column("user_id")
