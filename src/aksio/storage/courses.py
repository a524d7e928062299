"""Course rows."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import Any

from aksio.models import Course, CourseScheduling
from aksio.records import from_row
from aksio.storage.db import Database, Writer

_SELECT = """
SELECT c.*,
       (SELECT count(*) FROM document d WHERE d.course_id = c.id AND d.deleted = 0) AS document_count,
       (SELECT coalesce(sum(page_count), 0) FROM document d WHERE d.course_id = c.id AND d.deleted = 0) AS page_count
FROM course c
"""


# how a course the user names is found: its id, its name or code (any case), or a short id (the id's end)
_REF_CONDITIONS = [
    " WHERE c.deleted = 0 AND c.id = ?",
    " WHERE c.deleted = 0 AND c.name = ? COLLATE NOCASE",
    " WHERE c.deleted = 0 AND c.code = ? COLLATE NOCASE",
    " WHERE c.deleted = 0 AND c.id LIKE '%' || ?",
]


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
    """Courses matching ``ref``: exact id, then name or code (case-insensitive), then a short id (an id's end)."""
    return [_course(r) for r in db.first_match(_SELECT, _REF_CONDITIONS, ref)]


def name_taken(db: Database, name: str, except_id: str | None = None) -> bool:
    row = db.query_one(
        "SELECT 1 FROM course WHERE deleted = 0 AND name = ? COLLATE NOCASE AND id IS NOT ?",
        (name, except_id),
    )
    return row is not None


def insert(w: Writer, values: dict[str, Any]) -> str:
    return w.insert("course", values)


def update(w: Writer, course_id: str, changes: dict[str, Any]) -> None:
    w.update("course", course_id, changes)


def tombstone(w: Writer, course_id: str) -> list[str]:
    """Delete a course and everything in it. Returns the ids of the documents deleted with it."""
    doc_ids = [r[0] for r in w.execute("SELECT id FROM document WHERE course_id = ? AND deleted = 0", (course_id,))]
    from aksio.storage import documents

    for doc_id in doc_ids:
        documents.tombstone(w, doc_id)
    w.tombstone("course", [course_id])
    return doc_ids


def find_ids(db: Database, ref: str) -> list[str]:
    """Ids of the courses ``ref`` names (the same rules as ``find``), without the counts ``find`` computes."""
    return [r[0] for r in db.first_match("SELECT c.id FROM course c", _REF_CONDITIONS, ref)]
