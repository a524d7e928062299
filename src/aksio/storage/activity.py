"""Reads over the review log by time, and study sessions."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aksio.storage.db import Database, Writer


def answers_per_hour(db: Database, since: str, until: str) -> list[tuple[str, int]]:
    """(``YYYY-MM-DDTHH`` in UTC, answers) for the hours in [since, until), from the ``review_hour`` cache."""
    rows = db.conn.execute(
        "SELECT hour, answers FROM review_hour WHERE hour >= substr(?, 1, 13) AND hour < substr(?, 1, 13) "
        "AND answers > 0",
        (since, until),
    )
    return rows.fetchall()  # INTEGER NOT NULL: ints already


def first_day_without_answers(db: Database, days: list[tuple[str, str]]) -> int | None:
    """The index of the first of ``days`` (``[start, end)`` in ISO UTC, on the hour) without an answer, None if
    every one has some: one seek of the ``review_hour`` key a day, no rows read into Python."""
    row = db.conn.execute(
        "SELECT d.key FROM json_each(?) AS d WHERE NOT EXISTS (SELECT 1 FROM review_hour "
        "WHERE hour >= substr(json_extract(d.value, '$[0]'), 1, 13) "
        "AND hour < substr(json_extract(d.value, '$[1]'), 1, 13) AND answers > 0) ORDER BY d.key LIMIT 1",
        (json.dumps(days),),
    ).fetchone()
    return None if row is None else int(row[0])


def seconds_between(db: Database, since: str, until: str) -> int:
    """Time spent answering in [since, until) (whole hours: study days begin on the hour)."""
    r = db.conn.execute(
        "SELECT coalesce(sum(ms), 0) FROM review_hour WHERE hour >= substr(?, 1, 13) AND hour < substr(?, 1, 13)",
        (since, until),
    ).fetchone()
    return int(r[0]) // 1000


def count_answer(w: Writer, reviewed_at: str, duration_ms: int, sign: int = 1) -> None:
    """Add (or, undoing, take back) one answer in the ``review_hour`` cache."""
    w.execute(
        "INSERT INTO review_hour (hour, answers, ms) VALUES (substr(?, 1, 13), ?, ?) "
        "ON CONFLICT (hour) DO UPDATE SET answers = answers + excluded.answers, ms = ms + excluded.ms",
        (reviewed_at, sign, sign * duration_ms),
    )


def count_answers(w: Writer, answers: Iterable[tuple[str, int]]) -> None:
    """Add answers, each (reviewed_at, duration_ms), to the ``review_hour`` cache: one write per hour."""
    hours: dict[str, list[int]] = {}
    for reviewed_at, duration_ms in answers:
        hour = hours.setdefault(reviewed_at[:13], [0, 0])
        hour[0] += 1
        hour[1] += duration_ms
    w.executemany(
        "INSERT INTO review_hour (hour, answers, ms) VALUES (?, ?, ?) "
        "ON CONFLICT (hour) DO UPDATE SET answers = answers + excluded.answers, ms = ms + excluded.ms",
        [(hour, n, ms) for hour, (n, ms) in hours.items()],
    )


def replace_hours(w: Writer, hours: dict[str, list[int]]) -> None:
    """The ``review_hour`` cache made again from the counting answers and their milliseconds by hour (counted by
    the rebuild in its pass over the review log: ``queue.review_logs``)."""
    w.execute("DELETE FROM review_hour")
    w.executemany("INSERT INTO review_hour (hour, answers, ms) VALUES (?, ?, ?)", [(h, *v) for h, v in hours.items()])


def insert_session(
    w: Writer,
    course_id: str | None,
    started_at: str,
    ended_at: str,
    counts: dict[str, int],
    seconds: int,
    device: str,
) -> str:
    return w.insert(
        "study_session",
        {
            "course_id": course_id,
            "started_at": started_at,
            "ended_at": ended_at,
            "reviews": sum(counts.values()),
            **counts,
            "seconds": seconds,
            "device_id": device,
        },
    )


def recent_sessions(db: Database, limit: int) -> list[dict[str, Any]]:
    rows = db.conn.execute(
        "SELECT id, course_id, started_at, ended_at, reviews, again, hard, good, easy, seconds FROM study_session "
        "WHERE deleted = 0 ORDER BY started_at DESC LIMIT ?",
        (limit,),
    )
    return [
        {
            "id": r[0],
            "course_id": r[1],
            "started_at": r[2],
            "ended_at": r[3],
            "reviews": r[4],
            "ratings": {"again": r[5], "hard": r[6], "good": r[7], "easy": r[8]},
            "seconds": r[9],
        }
        for r in rows
    ]
