"""Document, section and chunk rows, and the full-text index over chunks."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from aksio.ids import new_id
from aksio.ingest.boilerplate import chunk_weights
from aksio.ingest.parsed import ParsedDocument, block_separator
from aksio.models import Document, Section
from aksio.records import from_row
from aksio.storage.db import Database, Writer
from aksio.storage.search import index_text, scope_token

_SELECT = """
SELECT d.*, c.name AS course_name,
       (SELECT count(*) FROM section s WHERE s.document_id = d.id AND s.deleted = 0) AS section_count,
       (SELECT count(*) FROM chunk k WHERE k.document_id = d.id AND k.deleted = 0) AS chunk_count
FROM document d JOIN course c ON c.id = d.course_id
"""


# a condition on chunk ``k``: in the section given as the one parameter, or in any section nested in it
IN_SECTION_TREE = (
    "k.section_id IN (WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL "
    "SELECT s.id FROM section s JOIN sub ON s.parent_id = sub.id WHERE s.deleted = 0) SELECT id FROM sub)"
)


def add_to_page(pages: list[tuple[int, str]], page: int, text: str, kind: str) -> None:
    """Append a chunk's text to ``pages`` read in page order: chunks of one page are joined like the blocks in
    them, as a document of ``kind`` is stored."""
    if pages and pages[-1][0] == page:
        pages[-1] = (page, pages[-1][1] + block_separator(kind) + text)
    else:
        pages.append((page, text))


def _document(row: sqlite3.Row) -> Document:
    data: dict[str, Any] = dict(row)
    data["tags"] = json.loads(data["tags"])
    data["metadata"] = json.loads(data["metadata"])
    return from_row(Document, data)


def list_documents(db: Database, course_id: str | None = None) -> list[Document]:
    sql = _SELECT + " WHERE d.deleted = 0 AND c.deleted = 0"
    params: tuple[str, ...] = ()
    if course_id:
        sql += " AND d.course_id = ?"
        params = (course_id,)
    return [_document(r) for r in db.query(sql + " ORDER BY c.name COLLATE NOCASE, d.title COLLATE NOCASE", params)]


def find(db: Database, ref: str, course_id: str | None = None) -> list[Document]:
    """Documents matching ``ref``: exact id, then title or file name (any case), then a short id (an id's end)."""
    scope = " AND d.course_id = ?" if course_id else ""
    conditions = [
        f" WHERE d.deleted = 0 AND c.deleted = 0 AND {cond}{scope}"
        for cond in ("d.id = ?", "d.title = ? COLLATE NOCASE", "d.filename = ? COLLATE NOCASE", "d.id LIKE '%' || ?")
    ]
    return [_document(r) for r in db.first_match(_SELECT, conditions, ref, (course_id,) if course_id else ())]


def get(db: Database, doc_id: str) -> Document | None:
    row = db.query_one(_SELECT + " WHERE d.id = ? AND d.deleted = 0", (doc_id,))
    return _document(row) if row else None


def by_sha(db: Database, course_id: str, digest: str) -> Document | None:
    row = db.query_one(
        _SELECT + " WHERE d.course_id = ? AND d.sha256 = ? AND d.deleted = 0 LIMIT 1", (course_id, digest)
    )
    return _document(row) if row else None


def blob_used(db: Database, digest: str) -> bool:
    """Whether any document row, deleted ones too (a tombstone may still sync), refers to the blob ``digest``."""
    return db.query_one("SELECT 1 FROM document WHERE sha256 = ? LIMIT 1", (digest,)) is not None


def live_blobs(db: Database) -> list[str]:
    """The files (sha256) the live documents refer to: what a device must hold, and what it shares."""
    return [r[0] for r in db.query("SELECT DISTINCT sha256 FROM document WHERE deleted = 0 ORDER BY sha256")]


def section_tree(db: Database, doc_id: str) -> list[Section]:
    rows = db.query(
        "SELECT id, title, level, page_start, page_end, parent_id FROM section "
        "WHERE document_id = ? AND deleted = 0 ORDER BY ord",
        (doc_id,),
    )
    nodes = {r["id"]: Section(**dict(r)) for r in rows}
    roots: list[Section] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id else None
        (parent.children if parent else roots).append(node)
    return roots


def insert_parsed(
    w: Writer, course_id: str, parsed: ParsedDocument, filename: str, digest: str, size: int, tags: list[str]
) -> tuple[str, int, int]:
    """Store a parsed document with its sections, chunks and search index. Returns (id, sections, chunks)."""
    doc_id = w.insert(
        "document",
        {
            "course_id": course_id,
            "title": parsed.title,
            "filename": filename,
            "kind": parsed.kind,
            "mime": parsed.mime,
            "sha256": digest,
            "size": size,
            "page_count": parsed.page_count,
            "status": "ready",
            "tags": tags,
            "metadata": parsed.metadata,
        },
    )
    section_ids = [new_id() for _ in parsed.sections]
    w.insert_many(
        "section",
        [
            {
                "id": section_ids[i],
                "document_id": doc_id,
                "parent_id": section_ids[s.parent] if s.parent is not None else None,
                "title": s.title,
                "level": s.level,
                "ord": i,
                "page_start": s.page_start,
                "page_end": s.page_end,
            }
            for i, s in enumerate(parsed.sections)
        ],
    )
    first = w.execute("SELECT coalesce(max(rid), 0) + 1 FROM chunk").fetchone()[0]
    scope = scope_token(course_id)
    chunk_ids = w.insert_many(
        "chunk",
        [
            {
                "rid": first + i,
                "document_id": doc_id,
                "section_id": section_ids[c.section] if c.section is not None else None,
                "page": c.page,
                "ord": i,
                "text": c.text,
            }
            for i, c in enumerate(parsed.chunks)
        ],
    )
    w.executemany(
        "INSERT INTO chunk_fts (rowid, body, scope) VALUES (?, ?, ?)",
        ((first + i, index_text(c.text), scope) for i, c in enumerate(parsed.chunks)),
    )
    reweigh(w, [doc_id])
    return doc_id, len(section_ids), len(chunk_ids)


def reweigh(w: Writer, doc_ids: Iterable[str]) -> None:
    """Weigh the live chunks of these documents for search by how much of each is page furniture (see
    ``ingest.boilerplate``): a document's every chunk and section title decide what repeats."""
    for doc_id in sorted(set(doc_ids)):
        w.execute("DELETE FROM chunk_weight WHERE rid IN (SELECT rid FROM chunk WHERE document_id = ?)", (doc_id,))
        chunks = w.execute(
            "SELECT rid, page, text FROM chunk WHERE document_id = ? AND deleted = 0 ORDER BY ord", (doc_id,)
        ).fetchall()
        titles = [r[0] for r in w.execute("SELECT title FROM section WHERE document_id = ? AND deleted = 0", (doc_id,))]
        weights = chunk_weights([(r[1], r[2]) for r in chunks], titles)
        w.executemany(
            "INSERT INTO chunk_weight (rid, weight) VALUES (?, ?)",
            ((r[0], weight) for r, weight in zip(chunks, weights, strict=True) if weight < 1.0),
        )


def tombstone(w: Writer, doc_id: str) -> None:
    """Delete a document, its sections and chunks (tombstones), and drop it from the search index. Notes and
    questions made from it stay: they are the student's (their source names a deleted document)."""
    _tombstone(w, "id = ?", (doc_id,))


def tombstone_of_course(w: Writer, course_id: str) -> list[str]:
    """Delete a course's documents as ``tombstone`` does. Returns their ids."""
    return _tombstone(w, "course_id = ?", (course_id,))


def _tombstone(w: Writer, condition: str, params: tuple[str, ...]) -> list[str]:
    # the live documents matching ``condition`` (over the document table), in a form their children are picked by
    docs = f"document_id IN (SELECT id FROM document WHERE deleted = 0 AND {condition})"
    w.execute(f"DELETE FROM chunk_fts WHERE rowid IN (SELECT rid FROM chunk WHERE deleted = 0 AND {docs})", params)
    w.execute(f"DELETE FROM chunk_weight WHERE rid IN (SELECT rid FROM chunk WHERE deleted = 0 AND {docs})", params)
    w.tombstone_where("chunk", docs, params)
    w.tombstone_where("section", docs, params)
    return w.tombstone_where("document", condition, params)


def locate(db: Database, doc_id: str, quote: str) -> tuple[int, str | None] | None:
    """(page, section id) of the first chunk of a document that contains ``quote`` verbatim."""
    row = db.query_one(
        "SELECT page, section_id FROM chunk WHERE document_id = ? AND deleted = 0 AND instr(text, ?) > 0 "
        "ORDER BY page, ord LIMIT 1",
        (doc_id, quote),
    )
    return (int(row[0]), row[1]) if row else None
