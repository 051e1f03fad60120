"""identities: internal user ids, channels and addresses

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

Until now a user's id was their Telegram id. From here the id is the bot's own, and each way
to reach a user (a Telegram chat, a web-chat session) is an identity. Existing users keep
their id and get a Telegram identity with the same number; new users are numbered after the
highest existing id. The outbox names a channel and an address instead of a Telegram chat id,
and the user a message is for. The last applied update moves to the identity, because
update ids are per channel.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.create_table(
        "identities",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("last_update_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("channel", "external_id"),
    )
    op.create_index("ix_identities_user_id", "identities", ["user_id"])
    op.execute(
        "INSERT INTO identities (channel, external_id, user_id, last_update_id, created_at,"
        " last_seen_at) SELECT 'telegram', CAST(u.id AS VARCHAR(64)), u.id, c.last_update_id,"
        " u.created_at, u.last_seen_at FROM users u LEFT JOIN conversations c ON c.user_id = u.id"
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("last_update_id")

    if dialect == "postgresql":
        op.execute("CREATE SEQUENCE users_id_seq OWNED BY users.id")
        op.execute(
            "SELECT setval('users_id_seq', COALESCE((SELECT max(id) FROM users), 0) + 1, false)"
        )
        op.execute("ALTER TABLE users ALTER COLUMN id SET DEFAULT nextval('users_id_seq')")
    else:
        # INTEGER PRIMARY KEY makes the id SQLite's rowid: a new user gets the highest id + 1.
        with op.batch_alter_table("users", schema=None, recreate="always") as batch_op:
            batch_op.alter_column("id", existing_type=sa.BigInteger(), type_=sa.Integer())

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=16), nullable=False, server_default="telegram")
        )
        batch_op.add_column(sa.Column("address", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("user_id", sa.BigInteger(), nullable=True))
    # Positive chat ids were private chats, whose id was the user's.
    op.execute(
        "UPDATE outbox SET address = CAST(chat_id AS VARCHAR(64)),"
        " user_id = CASE WHEN chat_id > 0 THEN chat_id END"
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("address", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("channel", server_default=None)
        batch_op.drop_index("ix_outbox_chat_id")
        batch_op.drop_column("chat_id")
        batch_op.create_index("ix_outbox_user_id", ["user_id"], unique=False)
        batch_op.create_index("ix_outbox_destination", ["channel", "address"], unique=False)


def downgrade() -> None:
    bind = op.get_bind()
    renumbered = bind.execute(
        sa.text(
            "SELECT count(*) FROM identities WHERE channel <> 'telegram'"
            " OR external_id <> CAST(user_id AS VARCHAR(64))"
        )
    ).scalar()
    if renumbered:
        raise RuntimeError(
            f"{renumbered} identities cannot be expressed before revision 0006 (users whose id "
            "is not their Telegram id, or users of other channels); restore a backup instead"
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chat_id", sa.BigInteger(), nullable=True))
    op.execute("UPDATE outbox SET chat_id = CAST(address AS BIGINT)")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("chat_id", existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_index("ix_outbox_destination")
        batch_op.drop_index("ix_outbox_user_id")
        batch_op.drop_column("user_id")
        batch_op.drop_column("address")
        batch_op.drop_column("channel")
        batch_op.create_index("ix_outbox_chat_id", ["chat_id"], unique=False)

    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE users ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP SEQUENCE users_id_seq")
    else:
        with op.batch_alter_table("users", schema=None, recreate="always") as batch_op:
            batch_op.alter_column("id", existing_type=sa.Integer(), type_=sa.BigInteger())

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_update_id", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE conversations SET last_update_id = (SELECT i.last_update_id FROM identities i"
        " WHERE i.user_id = conversations.user_id AND i.channel = 'telegram')"
    )
    op.drop_index("ix_identities_user_id", table_name="identities")
    op.drop_table("identities")
