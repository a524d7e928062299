"""Notes, cards and the local scheduling cache (``card_state``)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aksio.ids import new_id
from aksio.models import Card, CardState, Source
from aksio.notes import render_card
from aksio.storage.db import Database, Writer
from aksio.storage.hlc import position

if TYPE_CHECKING:
    from aksio.storage.queue import StateRow

QUEUE_NEW, QUEUE_LEARNING, QUEUE_REVIEW, QUEUE_SUSPENDED, QUEUE_PENDING = 0, 1, 2, -1, -2
QUEUE_NAMES = {
    QUEUE_NEW: "new",
    QUEUE_LEARNING: "learning",
    QUEUE_REVIEW: "review",
    QUEUE_SUSPENDED: "suspended",
    QUEUE_PENDING: "pending",  # generated, held until the student accepts it
}

_SELECT = """
SELECT k.id, k.note_id, k.course_id, c.name AS course_name, n.kind, k.ord, n.front AS note_front,
       n.back AS note_back, n.tags, k.flag, k.suspended, k.buried_until, n.origin, n.section_id,
       n.source_document_id, n.source_page, n.source_quote, k.created_at,
       s.queue, s.due, s.stability, s.difficulty, s.last_review, s.fsrs
FROM card k
JOIN note n ON n.id = k.note_id
JOIN course c ON c.id = k.course_id
JOIN card_state s ON s.card_id = k.id
"""


def _iso(ts: int | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def _card(row: sqlite3.Row) -> Card:
    front, back = render_card(row["kind"], row["ord"], row["note_front"], row["note_back"])
    memory = json.loads(row["fsrs"]) if row["fsrs"] else {}
    source = None
    if row["source_document_id"] or row["source_quote"]:
        source = Source(document_id=row["source_document_id"], page=row["source_page"], quote=row["source_quote"])
    state = _state(row["queue"], row["due"], row["stability"], row["difficulty"], memory, row["last_review"])
    if row["suspended"]:
        state.queue = QUEUE_NAMES[QUEUE_SUSPENDED]
    return Card(
        id=row["id"],
        note_id=row["note_id"],
        course_id=row["course_id"],
        course_name=row["course_name"],
        kind=row["kind"],
        ord=row["ord"],
        front=front,
        back=back,
        note_front=row["note_front"],
        note_back=row["note_back"],
        tags=json.loads(row["tags"]),
        flag=row["flag"],
        suspended=bool(row["suspended"]),
        buried_until=row["buried_until"],
        origin=row["origin"],
        section_id=row["section_id"],
        source=source,
        state=state,
        created_at=row["created_at"],
    )


def _state(
    queue: int, due: int, stability: float | None, difficulty: float | None, memory: dict[str, Any], last: int | None
) -> CardState:
    return CardState(
        queue=QUEUE_NAMES.get(queue, "new"),
        due=_iso(due) if queue != QUEUE_NEW else None,
        stability=stability,
        difficulty=difficulty,
        reps=int(memory.get("reps", 0)),
        lapses=int(memory.get("lapses", 0)),
        last_review=_iso(last),
    )


def card_state(row: StateRow) -> CardState:
    """What a card shows of a ``card_state`` row (as read back from the database)."""
    return _state(row.queue, row.due, row.stability, row.difficulty, row.fsrs or {}, row.last_review)


def get(db: Database, card_id: str) -> Card | None:
    row = db.query_one(_SELECT + " WHERE k.id = ? AND k.deleted = 0", (card_id,))
    return _card(row) if row else None


def get_many(db: Database, card_ids: Sequence[str]) -> dict[str, Card]:
    """Live cards by id, in one query per 500 (SQLite caps a statement's parameters)."""
    out: dict[str, Card] = {}
    for start in range(0, len(card_ids), 500):
        part = list(card_ids[start : start + 500])
        marks = ",".join("?" * len(part))
        rows = db.query(_SELECT + f" WHERE k.id IN ({marks}) AND k.deleted = 0", part)
        out.update((r["id"], _card(r)) for r in rows)
    return out


def live_count(db: Database) -> int:
    """How many cards are not deleted."""
    return int(db.conn.execute("SELECT count(*) FROM card WHERE deleted = 0").fetchone()[0])


def find(db: Database, ref: str) -> list[Card]:
    """Cards matching ``ref``: the full id, else its short form (the id's end)."""
    conditions = [" WHERE k.id = ? AND k.deleted = 0", " WHERE k.id LIKE '%' || ? AND k.deleted = 0 LIMIT 5"]
    return [_card(r) for r in db.first_match(_SELECT, conditions, ref)]


def list_cards(
    db: Database,
    *,
    course_id: str | None = None,
    due_before: int | None = None,
    tag: str | None = None,
    origin: str | None = None,
    suspended: bool | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> list[Card]:
    where, params = item_filters("n", course_id, origin, status)
    where.append("k.deleted = 0")
    if due_before is not None:
        where.append("s.queue IN (1, 2) AND s.due <= ? AND k.suspended = 0")
        params.append(due_before)
    if tag:
        where.append("EXISTS (SELECT 1 FROM json_each(n.tags) WHERE json_each.value = ?)")
        params.append(tag)
    if suspended is not None:
        where.append("k.suspended = ?")
        params.append(int(suspended))
    sql = _SELECT + " WHERE " + " AND ".join(where) + " ORDER BY k.course_id, s.new_order, k.ord"
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    return [_card(r) for r in db.query(sql, params)]


def origin_condition(column: str) -> str:
    """SQL matching an origin filter (three parameters, all the filter): the exact origin; "generated" for
    anything generated; a provider ("ollama") or provider/model for what that model made ("gen:ollama/...")."""
    return (
        f"({column} = ? OR (? = 'generated' AND ({column} = 'offline' OR {column} LIKE 'gen:%')) "
        f"OR {column} LIKE 'gen:' || ? || '%')"
    )


def item_filters(
    alias: str, course_id: str | None, origin: str | None, status: str | None
) -> tuple[list[str], list[Any]]:
    """The WHERE conditions, and their parameters, that lists of notes or questions (``alias``) share."""
    where, params = [f"{alias}.deleted = 0"], []
    if course_id:
        where.append(f"{alias}.course_id = ?")
        params.append(course_id)
    if origin:
        where.append(origin_condition(f"{alias}.origin"))
        params += [origin, origin, origin]
    if status:
        where.append(f"{alias}.status = ?")
        params.append(status)
    return where, params


# a card's creation time in unix seconds: a new card's due (0 for a time SQLite cannot read)
CREATED_SECONDS = "coalesce(CAST(strftime('%s', {}) AS INTEGER), 0)"


def insert_notes(
    w: Writer,
    course_id: str,
    notes: Sequence[dict[str, Any]],
    ords: Sequence[Sequence[int]],
    *,
    held: bool = False,
) -> tuple[list[str], list[list[str]]]:
    """Insert notes and their cards (``ords[i]`` for note i) with a fresh 'new' state (or held: pending).
    Returns the note ids and each note's card ids."""
    queue = QUEUE_PENDING if held else QUEUE_NEW
    stamps = w.stamps(len(notes))
    # A note's place among new cards is its insert stamp (wall time, counter), a synced value: the same on
    # every device, after every note made before it here, and after the notes of a batch before it.
    status = {"status": "pending"} if held else {}
    rows = [
        {"course_id": course_id, **n, **status, "new_order": position(stamp)}
        for n, stamp in zip(notes, stamps, strict=True)
    ]
    cards_past = w.last_rowid("card")
    note_ids = w.insert_batch("note", rows, stamps=stamps)[0]
    card_ids: list[str] = []
    card_values: list[tuple[str, str, int]] = []
    card_stamps: list[str] = []
    result: list[list[str]] = []
    for note_id, note_ords, stamp in zip(note_ids, ords, stamps, strict=True):
        ids = [new_id() for _ in note_ords]
        card_values += [(note_id, course_id, ord_) for ord_ in note_ords]
        card_ids += ids
        card_stamps += [stamp] * len(ids)
        result.append(ids)
    # the cards travel with their note's insert entry in the change log (same stamp)
    w.insert_rows("card", ("note_id", "course_id", "ord"), card_values, ids=card_ids, parents=card_stamps)
    # their states, copied by SQLite from the rows just inserted (rowids past the ones before), as a rebuild
    # derives them: siblings share their note's place in the new queue (introduced together, then buried apart)
    w.execute(
        "INSERT INTO card_state (card_id, note_id, course_id, queue, due, new_order) "
        f"SELECT c.id, c.note_id, c.course_id, ?, {CREATED_SECONDS.format('c.created_at')}, n.new_order "
        "FROM card AS c JOIN note AS n ON n.id = c.note_id WHERE c.rowid > ? ORDER BY c.rowid",
        (queue, cards_past),
    )
    return note_ids, result


def earlier_import(db: Database, course_id: str, digest: str, kind: str) -> sqlite3.Row | None:
    """The first import of this card table (by content, as ``kind``) into the course: created_at, filename,
    notes, cards; None if it was never imported there."""
    return db.query_one(
        "SELECT created_at, filename, notes, cards FROM card_import "
        "WHERE course_id = ? AND sha256 = ? AND kind = ? AND deleted = 0 ORDER BY created_at LIMIT 1",
        (course_id, digest, kind),
    )


def record_import(w: Writer, course_id: str, digest: str, kind: str, filename: str, notes: int, cards: int) -> str:
    values = {"course_id": course_id, "sha256": digest, "kind": kind, "filename": filename, "notes": notes}
    return w.insert("card_import", {**values, "cards": cards})


def note_texts(db: Database, course_id: str, kind: str) -> set[tuple[str, str]]:
    """(front, back) of the course's live notes of ``kind``: what a card import leaves out as already there."""
    rows = db.conn.execute(
        "SELECT front, back FROM note WHERE course_id = ? AND kind = ? AND deleted = 0", (course_id, kind)
    )
    return {(front, back) for front, back in rows}


def update_card(w: Writer, card_id: str, changes: dict[str, Any]) -> None:
    w.update("card", card_id, changes)


def update_note(w: Writer, note_id: str, changes: dict[str, Any]) -> None:
    w.update("note", note_id, changes)


def note_status(db: Database | Writer, note_id: str) -> str:
    """active, or pending (generated and held for review)."""
    return str(db.conn.execute("SELECT status FROM note WHERE id = ?", (note_id,)).fetchone()[0])


def card_ids_of_note(db: Database | Writer, note_id: str) -> list[str]:
    rows = db.conn.execute("SELECT id FROM card WHERE note_id = ? AND deleted = 0 ORDER BY ord", (note_id,))
    return [r[0] for r in rows]


def siblings(db: Database | Writer, note_id: str, card_id: str) -> list[tuple[str, str | None]]:
    """The other live cards of a card's note, as (id, buried_until)."""
    rows = db.conn.execute(
        "SELECT id, buried_until FROM card WHERE note_id = ? AND deleted = 0 AND id != ? ORDER BY ord",
        (note_id, card_id),
    )
    return [(r[0], r[1]) for r in rows]


def tombstone_notes(w: Writer, note_ids: Sequence[str]) -> list[str]:
    """Delete notes and their cards. Returns the card ids deleted."""
    return _tombstone_notes(w, "id IN (SELECT value FROM json_each(?))", (json.dumps(list(note_ids)),))


def tombstone_of_course(w: Writer, course_id: str) -> list[str]:
    """Delete a course's notes and their cards, and the record of the card tables imported into it. Returns the
    card ids deleted."""
    w.tombstone_where("card_import", "course_id = ?", (course_id,))
    return _tombstone_notes(w, "course_id = ?", (course_id,))


def _tombstone_notes(w: Writer, condition: str, params: tuple[str, ...]) -> list[str]:
    # Reviews stay (append-only history). The cards' cached states go, out of every queue and count, and so do
    # their answers on the undo stack: undoing an answer to a deleted card would restore a state it no longer has.
    notes = f"SELECT id FROM note WHERE deleted = 0 AND {condition}"
    rows = w.execute(f"SELECT id FROM card WHERE deleted = 0 AND note_id IN ({notes}) ORDER BY note_id, ord", params)
    card_ids = [r[0] for r in rows]
    w.tombstone("card", card_ids)
    w.tombstone_where("note", condition, params)
    cards = (json.dumps(card_ids),)
    w.execute("DELETE FROM card_state WHERE card_id IN (SELECT value FROM json_each(?))", cards)
    w.execute("DELETE FROM undo_log WHERE card_id IN (SELECT value FROM json_each(?))", cards)
    return card_ids
