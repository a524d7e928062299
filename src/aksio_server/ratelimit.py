"""The login rate limit, kept in the database so that every server process counts the same failures.

A failed login is a row per subject (the email tried, the client's address; both keyed with SECRET_KEY). When
either subject has its limit of failures within the window, logins for it are refused (429) until the oldest of them
leaves the window: ``Retry-After`` says when. Counting and recording are separate statements, so processes racing
may let a few more attempts through than the limit, never fewer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, delete, select

from aksio_server.errors import TooManyAttempts
from aksio_server.schema import login_failures


def check(conn: Connection, limits: Mapping[str, int], *, now: int, window_ms: int) -> None:
    """Raise TooManyAttempts when a subject (a key of ``limits``) is at its limit of failures within the window."""
    wait = 0
    for subject, limit in limits.items():
        times = (
            conn.execute(
                select(login_failures.c.at)
                .where(login_failures.c.subject == subject, login_failures.c.at > now - window_ms)
                .order_by(login_failures.c.at.desc())
                .limit(limit)
            )
            .scalars()
            .all()
        )
        if len(times) >= limit:
            wait = max(wait, times[-1] + window_ms - now)  # when the oldest of the last `limit` leaves the window
    if wait > 0:
        raise TooManyAttempts(max(1, math.ceil(wait / 1000)))


def record_failure(conn: Connection, subjects: Sequence[str], *, now: int, window_ms: int) -> None:
    """Count a failed login against each subject; failures older than the window are forgotten."""
    conn.execute(delete(login_failures).where(login_failures.c.at <= now - window_ms))
    conn.execute(login_failures.insert(), [{"subject": subject, "at": now} for subject in subjects])


def forget(conn: Connection, subject: str) -> None:
    """A successful login clears its email's failures (not its address's)."""
    conn.execute(delete(login_failures).where(login_failures.c.subject == subject))
