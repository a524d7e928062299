"""Sync: each user's merged rows, their order, and the pushes already taken.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_users",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("high", sa.String(100), nullable=True),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sync_users_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_sync_users")),
    )
    op.create_table(
        "sync_rows",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("tbl", sa.String(40), nullable=False),
        sa.Column("row_id", sa.String(100), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("columns", sa.Text(), nullable=False),
        sa.Column("only_device", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sync_rows_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "tbl", "row_id", name=op.f("pk_sync_rows")),
    )
    op.create_index("ix_sync_rows_user_id_seq", "sync_rows", ["user_id", "seq"])
    op.create_table(
        "sync_pushes",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("ack", sa.Text(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sync_pushes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_sync_pushes")),
    )


def downgrade() -> None:
    op.drop_table("sync_pushes")
    op.drop_index("ix_sync_rows_user_id_seq", table_name="sync_rows")
    op.drop_table("sync_rows")
    op.drop_table("sync_users")
