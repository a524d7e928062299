"""Course rows."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import Any, NamedTuple

from aksio import names
from aksio.ids import SHORT_ID
from aksio.models import Course, CourseScheduling
from aksio.records import from_row
from aksio.storage.db import Database, Writer

_SELECT = """
SELECT c.*,
       (SELECT count(*) FROM document d WHERE d.course_id = c.id AND d.deleted = 0) AS document_count,
       (SELECT coalesce(sum(page_count), 0) FROM document d WHERE d.course_id = c.id AND d.deleted = 0) AS page_count
FROM course c
"""


# live courses by name: what a name or code the user types is compared with
_NAMES = "SELECT id, name, code FROM course WHERE deleted = 0 ORDER BY name COLLATE NOCASE, id"


class CourseName(NamedTuple):
    id: str
    name: str
    code: str | None


def _course(row: sqlite3.Row) -> Course:
    data: dict[str, Any] = dict(row)
    data["tags"] = json.loads(data["tags"])
    data["metadata"] = json.loads(data["metadata"])
    data["srs"] = json.loads(data["srs"])
    data["archived"] = bool(data["archived"])
    data["exam_date"] = date.fromisoformat(data["exam_date"]) if data["exam_date"] else None
    data["srs"] = CourseScheduling(**data["srs"])
    return from_row(Course, data)


def list_courses(db: Database) -> list[Course]:
    return [_course(r) for r in db.query(_SELECT + " WHERE c.deleted = 0 ORDER BY c.name COLLATE NOCASE")]


def get(db: Database, course_id: str) -> Course | None:
    row = db.query_one(_SELECT + " WHERE c.id = ? AND c.deleted = 0", (course_id,))
    return _course(row) if row else None


def find(db: Database, ref: str) -> list[Course]:
    """Courses ``ref`` names: its exact id, else every course whose name or code is ``ref`` (compared as
    ``names.key``: case, width and invisible characters aside) or whose id ends with it (a short id)."""
    rows = db.query(_SELECT + " WHERE c.deleted = 0 AND c.id = ?", (ref,))
    if not rows:
        ids = _matching(db, ref)
        rows = db.query(_SELECT + f" WHERE c.id IN ({', '.join('?' * len(ids))})", ids) if ids else []
    return sorted((_course(r) for r in rows), key=lambda c: (c.name.casefold(), c.id))


def find_ids(db: Database, ref: str) -> list[str]:
    """Ids of the courses ``ref`` names (the same rules as ``find``), without the counts ``find`` computes."""
    if db.query_one("SELECT 1 FROM course WHERE id = ? AND deleted = 0", (ref,)):
        return [ref]
    return _matching(db, ref)


def _matching(db: Database, ref: str) -> list[str]:
    # Every kind of match at once: a course named like another's code (or short id) makes the ref ambiguous
    # rather than silently the first kind's.
    wanted = names.key(ref)
    short = ref.lower() if SHORT_ID.fullmatch(ref) else None
    return [
        c.id
        for c in course_names(db)
        if wanted in (names.key(c.name), names.key(c.code or "")) or (short and c.id.endswith(short))
    ]


def course_names(db: Database) -> list[CourseName]:
    """Every live course's id, name and code, as stored."""
    return [CourseName(*r) for r in db.query(_NAMES)]


def insert(w: Writer, values: dict[str, Any]) -> str:
    return w.insert("course", values)


def update(w: Writer, course_id: str, changes: dict[str, Any]) -> None:
    w.update("course", course_id, changes)


def tombstone(w: Writer, course_id: str) -> list[str]:
    """Delete a course and everything in it: its documents (their sections, chunks and search rows), notes, cards
    (their cached states), questions and card imports, each with a tombstone that syncs. Reviews and study
    sessions stay: they are history. Returns the ids of the documents deleted with it."""
    from aksio.storage import cards, documents, generation

    doc_ids = documents.tombstone_of_course(w, course_id)
    cards.tombstone_of_course(w, course_id)
    w.tombstone_where("question", "course_id = ?", (course_id,))
    generation.forget_parts(w, course_id)
    w.tombstone("course", [course_id])
    return doc_ids
