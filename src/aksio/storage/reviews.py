"""The review log as undo and the scheduling cache read it: answers are never deleted; undo appends a void
marker (``review_void``, synced like the review) and this device keeps a short stack of the answers it may take
back (``undo_log``, local: ids, no saved state)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime

from aksio.storage.db import Database, Writer

# A review counts (is replayed, counted, fitted) while it is live and no live marker voids it: one probe of
# review_void's index per review, for a card's few; a whole log is filtered by ``counted(alias)`` instead.
LIVE = "r.deleted = 0 AND NOT EXISTS (SELECT 1 FROM review_void v WHERE v.review_id = r.id AND v.deleted = 0)"


# The live reviews that live markers void, by the markers (few) then the review's key, each once (alias r):
# what a pass over every review takes away from what it found, rather than a probe per review.
VOIDED_REVIEWS = (
    "(SELECT DISTINCT review_id FROM review_void WHERE deleted = 0) AS voided "
    "CROSS JOIN review r ON r.id = voided.review_id"
)


def counted(alias: str) -> str:
    """SQL keeping the reviews (``alias``) that count, for a whole log: SQLite reads the voided ids into a
    temporary index once and probes it per review, instead of a probe of review_void's b-tree per review."""
    return f"{alias}.deleted = 0 AND {alias}.id NOT IN (SELECT review_id FROM review_void WHERE deleted = 0)"


def push_undo(w: Writer, review_id: str, card_id: str, *, leech: bool, suspended: bool, depth: int) -> None:
    """Put an answer on this device's undo stack (with what it did besides the review: made the card a leech,
    suspended it), keeping about the last ``depth``."""
    seq = w.execute(
        "INSERT INTO undo_log (review_id, card_id, leech, suspended) VALUES (?, ?, ?, ?)",
        (review_id, card_id, int(leech), int(suspended)),
    ).lastrowid
    assert seq is not None
    if seq % depth == 0:  # trim now and then, not on every answer: one page less per commit
        w.execute("DELETE FROM undo_log WHERE seq <= ?", (seq - depth,))


def last_undoable(w: Writer) -> sqlite3.Row | None:
    """The newest answer on the undo stack that still counts, of a card still there: seq, review_id, card_id,
    rating, reviewed_at, duration_ms, leech, suspended. Read inside the write transaction that voids it, so two
    undos at once never take back one answer. The stack's seq key, then one row per entry by primary key."""
    row: sqlite3.Row | None = w.conn.execute(
        "SELECT u.seq, u.review_id, r.card_id, r.rating, r.reviewed_at, r.duration_ms, u.leech, u.suspended "
        f"FROM undo_log u JOIN review r ON r.id = u.review_id WHERE {LIVE} "
        "AND EXISTS (SELECT 1 FROM card k WHERE k.id = r.card_id AND k.deleted = 0) ORDER BY u.seq DESC LIMIT 1"
    ).fetchone()
    return row


def drop_undo_from(w: Writer, seq: int) -> None:
    """Take an entry off the undo stack, with those above it that no longer count."""
    w.execute("DELETE FROM undo_log WHERE seq >= ?", (seq,))


def void(w: Writer, review_id: str, card_id: str, device_id: str) -> str:
    """Append the marker that voids an answer: a row of its own, stamped and logged, that travels as the
    review did. Returns its id."""
    return w.insert("review_void", {"review_id": review_id, "card_id": card_id, "device_id": device_id})


def note_logs(db: Database | Writer, card_ids: Sequence[str]) -> dict[str, dict[str, list[tuple[int, datetime]]]]:
    """The counting reviews of every live card of these cards' notes, as ``card_log`` gives them, by note then
    card (a card without any is left out): what these cards' states and their siblings' burial derive from, in
    one query."""
    out: dict[str, dict[str, list[tuple[int, datetime]]]] = {}
    cursor = db.conn.cursor()
    cursor.row_factory = None  # plain tuples: no sqlite3.Row per row
    rows = cursor.execute(_NOTE_LOGS, (json.dumps(list(card_ids)),))
    parse = datetime.fromisoformat
    card, log = None, []  # the rows come card by card: the card of the row before, and its log
    for note_id, card_id, rating, at in rows:
        if card_id != card:
            card, log = card_id, out.setdefault(note_id, {}).setdefault(card_id, [])
        log.append((int(rating), parse(at)))
    return out


# the ids as one JSON parameter: one statement text whatever their number, prepared once and cached
_NOTE_LOGS = (
    "SELECT k.note_id, k.id, r.rating, r.reviewed_at FROM card k JOIN review r ON r.card_id = k.id "
    "WHERE k.note_id IN (SELECT c.note_id FROM json_each(?) AS j JOIN card c ON c.id = j.value) "
    f"AND k.deleted = 0 AND {LIVE} ORDER BY k.id, r.reviewed_at, r.id"
)


def sibling_review_times(db: Database | Writer, card_ids: Sequence[str]) -> dict[str, list[datetime]]:
    """For each card, the times of the counting reviews of its live siblings (the other cards of its note)."""
    out: dict[str, list[datetime]] = {card_id: [] for card_id in card_ids}
    for card_id in card_ids:
        rows = db.conn.execute(
            "SELECT r.reviewed_at FROM card k JOIN card s ON s.note_id = k.note_id AND s.id != k.id AND s.deleted = 0 "
            f"JOIN review r ON r.card_id = s.id WHERE k.id = ? AND {LIVE}",
            (card_id,),
        )
        out[card_id] = [datetime.fromisoformat(r[0]) for r in rows]
    return out


def counted_total(db: Database) -> int:
    """How many reviews count (live, not voided): the live ones less the live ones voided, two counts that read
    no review row but the voided ones."""
    row = db.conn.execute(
        "SELECT (SELECT count(*) FROM review WHERE deleted = 0) - (SELECT count(DISTINCT v.review_id) "
        "FROM review_void v JOIN review r ON r.id = v.review_id WHERE v.deleted = 0 AND r.deleted = 0)"
    ).fetchone()
    return int(row[0])


def course_log(db: Database, course_id: str) -> list[tuple[str, int, datetime]]:
    """The course's counting reviews as (card id, rating, time), by card then time: what the optimizer fits."""
    rows = db.conn.execute(
        "SELECT r.card_id, r.rating, r.reviewed_at FROM review r JOIN card k ON k.id = r.card_id "
        f"WHERE k.course_id = ? AND {counted('r')} ORDER BY r.card_id, r.reviewed_at, r.id",
        (course_id,),
    )
    return [(card_id, int(rating), datetime.fromisoformat(at)) for card_id, rating, at in rows]
