"""The accounts' SQL (SQLAlchemy Core), used by the routes and the admin commands alike. Each function runs on the
caller's connection, inside the caller's transaction; times are milliseconds since the epoch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import Connection, Row, func, select, update
from sqlalchemy.exc import IntegrityError

from aksio.clock import iso
from aksio.ids import new_id
from aksio_server.errors import ApiError
from aksio_server.schema import devices, users
from aksio_server.tokens import new_token, token_hash

if TYPE_CHECKING:  # SQLAlchemy 2.1's Row is generic over its columns; 2.0's over one tuple
    Found: TypeAlias = Row[*tuple[Any, ...]]
    """A row read back, its columns by name."""
else:
    Found = Row


def when(ms: int) -> str:
    """A stored time as the API and the admin commands show it: ISO 8601, UTC, milliseconds."""
    return iso(datetime.fromtimestamp(ms / 1000, UTC))


def create_user(conn: Connection, *, email: str, password_hash: str, display_name: str, now: int) -> str:
    """A new account's id; ConflictError when the email has one already (the unique index decides, so two
    processes registering one address at once make one account)."""
    user_id = new_id()
    try:
        with conn.begin_nested():
            conn.execute(
                users.insert().values(
                    id=user_id,
                    email=email,
                    display_name=display_name,
                    password_hash=password_hash,
                    preferences="{}",
                    disabled=False,
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        raise ApiError(409, f"an account with the email {email} exists already") from None
    return user_id


def user_by_email(conn: Connection, email: str) -> Found | None:
    return conn.execute(select(users).where(users.c.email == email)).first()


def user_by_id(conn: Connection, user_id: str) -> Found:
    found = conn.execute(select(users).where(users.c.id == user_id)).first()
    if found is None:
        raise ApiError(404, "no such account")
    return found


def account_of(conn: Connection, email: str) -> Found:
    """The account of ``email``, or NotFoundError naming it."""
    found = user_by_email(conn, email)
    if found is None:
        raise ApiError(404, f"no account has the email {email}")
    return found


def list_users(conn: Connection) -> Sequence[Found]:
    """Every account with its count of active devices, oldest first."""
    active = (
        select(devices.c.user_id, func.count().label("devices"))
        .where(devices.c.revoked_at.is_(None))
        .group_by(devices.c.user_id)
        .subquery()
    )
    query = (
        select(users, func.coalesce(active.c.devices, 0).label("devices"))
        .outerjoin(active, active.c.user_id == users.c.id)
        .order_by(users.c.created_at, users.c.email)
    )
    return conn.execute(query).all()


def set_disabled(conn: Connection, user_id: str, disabled: bool, now: int) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(disabled=disabled, updated_at=now))


def set_password(conn: Connection, user_id: str, password_hash: str, now: int) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash, updated_at=now))


def preferences_for_update(conn: Connection, user_id: str) -> str:
    """The user's stored preferences, the row locked until the transaction ends (PostgreSQL: ``FOR UPDATE``;
    SQLite's transactions already hold the write lock), so two edits at once merge instead of losing one."""
    found = conn.execute(select(users.c.preferences).where(users.c.id == user_id).with_for_update()).scalar()
    if found is None:
        raise ApiError(404, "no such account")
    return str(found)


def update_profile(
    conn: Connection, user_id: str, *, display_name: str | None, preferences: str | None, now: int
) -> None:
    values: dict[str, object] = {"updated_at": now}
    if display_name is not None:
        values["display_name"] = display_name
    if preferences is not None:
        values["preferences"] = preferences
    conn.execute(update(users).where(users.c.id == user_id).values(**values))


def add_device(conn: Connection, user_id: str, name: str, now: int) -> tuple[str, str]:
    """A new device of the user and its bearer token (shown this once; only its hash is kept)."""
    device_id, token = new_id(), new_token()
    conn.execute(
        devices.insert().values(
            id=device_id, user_id=user_id, name=name, token_hash=token_hash(token), created_at=now, last_seen_at=now
        )
    )
    return device_id, token


def device_of_token(conn: Connection, token: str) -> Found | None:
    """The active device a token opens, with its user's ``disabled``; None for an unknown or revoked token."""
    query = (
        select(devices.c.id, devices.c.user_id, devices.c.last_seen_at, users.c.disabled)
        .join(users, users.c.id == devices.c.user_id)
        .where(devices.c.token_hash == token_hash(token), devices.c.revoked_at.is_(None))
    )
    return conn.execute(query).first()


def touch_device(conn: Connection, device_id: str, now: int) -> None:
    conn.execute(update(devices).where(devices.c.id == device_id).values(last_seen_at=now))


def list_devices(conn: Connection, user_id: str) -> Sequence[Found]:
    """The user's active devices, oldest first."""
    query = (
        select(devices.c.id, devices.c.name, devices.c.created_at, devices.c.last_seen_at)
        .where(devices.c.user_id == user_id, devices.c.revoked_at.is_(None))
        .order_by(devices.c.created_at, devices.c.id)
    )
    return conn.execute(query).all()


def revoke_device(conn: Connection, user_id: str, device_id: str, now: int) -> None:
    """Revoke one of the user's devices; NotFoundError when it is not one of theirs (or is revoked already)."""
    done = conn.execute(
        update(devices)
        .where(devices.c.id == device_id, devices.c.user_id == user_id, devices.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    if done.rowcount == 0:
        raise ApiError(404, "no such device among yours")


def revoke_all(conn: Connection, user_id: str, now: int, *, keep: str | None = None) -> int:
    """Revoke every device of the user but ``keep``; how many were revoked."""
    query = update(devices).where(devices.c.user_id == user_id, devices.c.revoked_at.is_(None))
    if keep is not None:
        query = query.where(devices.c.id != keep)
    return conn.execute(query.values(revoked_at=now)).rowcount
