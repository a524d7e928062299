"""What generation reads and writes: section texts, page texts, the LLM cache and usage, finished parts,
quiz questions, pending (held) notes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from aksio.ingest.parsed import block_separator
from aksio.llm.base import CachedResponse, Usage
from aksio.models import SectionInput
from aksio.storage.cards import QUEUE_NEW, QUEUE_PENDING, item_filters
from aksio.storage.db import Database, Writer
from aksio.storage.documents import IN_SECTION_TREE, add_to_page


def section_inputs(db: Database, course_id: str, document_id: str | None, section_id: str | None) -> list[SectionInput]:
    """The course's text, one input per (document, most specific section), page by page, in reading order."""
    where, params = ["d.course_id = ?", "d.deleted = 0", "k.deleted = 0"], [course_id]
    if document_id:
        where.append("d.id = ?")
        params.append(document_id)
    if section_id:
        where.append(IN_SECTION_TREE)  # the section and everything nested in it
        params.append(section_id)
    rows = db.conn.execute(
        "SELECT d.id, d.title, d.kind, k.section_id, s.title, k.page, k.text FROM chunk k "
        "JOIN document d ON d.id = k.document_id LEFT JOIN section s ON s.id = k.section_id "
        f"WHERE {' AND '.join(where)} ORDER BY d.created_at, d.id, k.page, k.ord",
        params,
    )
    out: list[SectionInput] = []
    for doc_id, doc_title, kind, sec_id, sec_title, page, text in rows:
        last = out[-1] if out else None
        if last is None or last.document_id != doc_id or last.section_id != sec_id:
            last = SectionInput(
                document_id=doc_id,
                document_title=doc_title,
                section_id=sec_id,
                section_title=sec_title or doc_title,
                pages=[],
            )
            out.append(last)
        add_to_page(last.pages, page, text, kind)
    return out


def find_sections(db: Database, course_id: str, document_id: str | None, ref: str) -> list[tuple[str, str]]:
    """(id, title) of the course's sections that ``ref`` names: the id, the id's end, else the title."""
    base = (
        "SELECT s.id, s.title FROM section s JOIN document d ON d.id = s.document_id "
        "WHERE d.course_id = ? AND d.deleted = 0 AND s.deleted = 0"
    )
    params: list[Any] = [course_id]
    if document_id:
        base += " AND d.id = ?"
        params.append(document_id)
    conditions = (
        " AND s.id = ?",
        " AND s.id LIKE '%' || ?",
        " AND lower(s.title) = lower(?)",
        " AND instr(lower(s.title), lower(?)) > 0",  # "paging" for "4.1 Paging"
    )
    for condition in conditions:
        rows = db.conn.execute(base + condition + " LIMIT 6", [*params, ref]).fetchall()
        if rows:
            return [(r[0], r[1]) for r in rows]
    return []


def page_texts(db: Database, document_ids: Iterable[str]) -> dict[tuple[str, int], str]:
    """The whole text of every page of the documents (all sections on it), keyed by (document, page)."""
    ids = sorted(set(document_ids))
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    out: dict[tuple[str, int], str] = {}
    for doc_id, page, text, kind in db.conn.execute(
        f"SELECT k.document_id, k.page, k.text, d.kind FROM chunk k JOIN document d ON d.id = k.document_id "
        f"WHERE k.document_id IN ({marks}) AND k.deleted = 0 ORDER BY k.document_id, k.page, k.ord",
        ids,
    ):
        key = (doc_id, page)
        out[key] = out[key] + block_separator(kind) + text if key in out else text
    return out


def card_texts(db: Database, course_id: str) -> list[tuple[str, str]]:
    """(front, back) of the course's live notes, for duplicate checks."""
    rows = db.conn.execute("SELECT front, back FROM note WHERE course_id = ? AND deleted = 0", (course_id,))
    return [(r[0], r[1]) for r in rows]


def question_texts(db: Database, course_id: str) -> list[tuple[str, str]]:
    rows = db.conn.execute("SELECT prompt, answer FROM question WHERE course_id = ? AND deleted = 0", (course_id,))
    return [(r[0], r[1]) for r in rows]


# -- the LLM response cache and usage ----------------------------------------------------------------------


def cache_get(db: Database, key: str) -> CachedResponse | None:
    r = db.conn.execute(
        "SELECT provider, model, text, prompt_tokens, completion_tokens FROM llm_cache WHERE key = ?", (key,)
    ).fetchone()
    if r is None:
        return None
    return CachedResponse(provider=r[0], model=r[1], text=r[2], usage=Usage(r[3], r[4]))


def cache_put(w: Writer, key: str, entry: CachedResponse) -> None:
    w.execute(
        "INSERT OR REPLACE INTO llm_cache (key, provider, model, text, prompt_tokens, completion_tokens, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (key, entry.provider, entry.model, entry.text, entry.usage.prompt_tokens, entry.usage.completion_tokens, w.now),
    )


def record_usage(w: Writer, provider: str, model: str, purpose: str, *, calls: int, cached: bool, usage: Usage) -> None:
    w.execute(
        "INSERT INTO llm_usage (at, provider, model, purpose, calls, cached, prompt_tokens, completion_tokens) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (w.now, provider, model, purpose, calls, int(cached), usage.prompt_tokens, usage.completion_tokens),
    )


def usage_totals(db: Database) -> dict[str, int]:
    r = db.conn.execute(
        "SELECT count(*), coalesce(sum(calls), 0), coalesce(sum(prompt_tokens), 0), "
        "coalesce(sum(completion_tokens), 0) FROM llm_usage"
    ).fetchone()
    return {"parts": r[0], "calls": r[1], "prompt_tokens": r[2], "completion_tokens": r[3]}


# -- finished parts (resume) -----------------------------------------------------------------------------


def done_parts(db: Database, course_id: str) -> set[str]:
    return {r[0] for r in db.conn.execute("SELECT key FROM generation_part WHERE course_id = ?", (course_id,))}


def mark_done(w: Writer, course_id: str, key: str, kept: int, rejected: dict[str, int]) -> None:
    w.execute(
        "INSERT OR REPLACE INTO generation_part (course_id, key, kept, rejected, done_at) VALUES (?, ?, ?, ?, ?)",
        (course_id, key, kept, json.dumps(rejected, sort_keys=True), w.now),
    )


def forget_parts(w: Writer, course_id: str) -> None:
    """Drop the record of a deleted course's finished parts (the response cache stays: it is keyed by prompt)."""
    w.execute("DELETE FROM generation_part WHERE course_id = ?", (course_id,))


# -- quiz questions and held notes -----------------------------------------------------------------------


def insert_questions(w: Writer, course_id: str, rows: Sequence[dict[str, Any]]) -> list[str]:
    return w.insert_many("question", [{"course_id": course_id, **r} for r in rows])


_QUESTION_COLS = (
    "q.id, q.course_id, c.name AS course_name, q.section_id, q.kind, q.prompt, q.choices, q.answer, q.explanation, "
    "q.difficulty, q.source_document_id, q.source_page, q.source_quote, q.origin, q.status, q.created_at"
)


def list_questions(
    db: Database, course_id: str | None, origin: str | None, status: str | None, limit: int | None
) -> list[dict[str, Any]]:
    where, params = item_filters("q", course_id, origin, status)
    sql = (
        f"SELECT {_QUESTION_COLS} FROM question q JOIN course c ON c.id = q.course_id "
        f"WHERE {' AND '.join(where)} ORDER BY q.id"
    )
    if limit:
        sql += f" LIMIT {int(limit)}"
    out = []
    for r in db.conn.execute(sql, params):
        row = dict(r)
        row["choices"] = json.loads(row["choices"])
        out.append(row)
    return out


def set_note_status(w: Writer, note_ids: Sequence[str], status: str) -> None:
    """Hold (pending) or release (active) generated notes; held cards leave the new-card queue."""
    for note_id in note_ids:
        w.update("note", note_id, {"status": status})
    queue_from, queue_to = (QUEUE_NEW, QUEUE_PENDING) if status == "pending" else (QUEUE_PENDING, QUEUE_NEW)
    w.executemany(
        "UPDATE card_state SET queue = ? WHERE note_id = ? AND queue = ?", [(queue_to, n, queue_from) for n in note_ids]
    )


def notes_matching(
    db: Database, course_id: str | None, origin: str | None, status: str | None, card_ids: Sequence[str]
) -> list[str]:
    """Live note ids by course, origin, status and/or the ids of their cards."""
    where, params = item_filters("n", course_id, origin, status)
    if card_ids:
        where.append(f"n.id IN (SELECT note_id FROM card WHERE id IN ({','.join('?' * len(card_ids))}))")
        params += list(card_ids)
    return [r[0] for r in db.conn.execute(f"SELECT n.id FROM note n WHERE {' AND '.join(where)} ORDER BY n.id", params)]
