"""The server's tables, in SQLAlchemy Core: one definition for SQLite and PostgreSQL.

Times are integers (milliseconds since the epoch, UTC) so that both databases compare and store them alike. Ids are
UUIDv7 text, as the core's. Every change to these tables comes with a migration in ``migrations/versions``
(``tests/server/test_migrations.py`` checks that the migrations build exactly this metadata).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, MetaData, String, Table, Text

# Constraint names are fixed so that a later migration can name what it alters on both databases.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),  # stored lower-cased: one account per address
    Column("display_name", String(100), nullable=False, server_default=""),
    Column("password_hash", String(255), nullable=False),
    Column("preferences", Text, nullable=False, server_default="{}"),  # a small JSON object, checked on the way in
    Column("disabled", Boolean, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of the bearer token; never the token
    Column("created_at", BigInteger, nullable=False),
    Column("last_seen_at", BigInteger, nullable=False),
    # a revoked device keeps its row (later tables may name it) but its token opens nothing
    Column("revoked_at", BigInteger, nullable=True),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer().with_variant(BigInteger, "postgresql"), primary_key=True, autoincrement=True),
    # what failed: "email:<hmac>" or "addr:<hmac>", keyed with SECRET_KEY so the table holds no address in clear
    Column("subject", String(80), nullable=False),
    Column("at", BigInteger, nullable=False),
    Index("ix_login_failures_subject_at", "subject", "at"),
)
