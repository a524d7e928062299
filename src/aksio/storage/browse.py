"""The card browser's one query: every card matching a filter as a plain tuple, sorted, in one statement.

No ``Card`` models here: at 100k cards, building one per row would take seconds; a tuple per row takes
milliseconds and the browser only ever draws the few rows on screen. Numbers (the queue) rather than names
where it can: each string column costs ~10 ms more per 100k rows."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from typing import Any, NamedTuple

from aksio.storage.cards import QUEUE_NAMES, origin_condition
from aksio.storage.db import Database


class BrowseRow(NamedTuple):
    """One card as the browser lists it. ``queue`` is the card_state queue, -1 (suspended) for any suspended
    card; ``front`` is the note text the card asks about (the back for the reverse card of a reverse note);
    ``due`` is unix seconds, None for a card never studied."""

    id: str
    course: str
    kind: str
    ord: int
    queue: int
    due: int | None
    flag: int
    front: str
    note_id: str

    @property
    def state(self) -> str:
        """new, learning, review, suspended or pending."""
        return QUEUE_NAMES.get(self.queue, "new")


SORTS = ("added", "due", "course", "front")

_COLUMNS = """
SELECT k.id, c.name, n.kind, k.ord,
       CASE WHEN k.suspended THEN -1 ELSE s.queue END,
       CASE WHEN s.last_review IS NULL THEN NULL ELSE s.due END,
       k.flag,
       CASE WHEN n.kind = 'reverse' AND k.ord = 1 THEN n.back ELSE n.front END,
       k.note_id
FROM card k
JOIN note n ON n.id = k.note_id
JOIN course c ON c.id = k.course_id
JOIN card_state s ON s.card_id = k.id
"""

# the key, then a tie-breaker that keeps a note's cards together in the order they were added
_ORDER = {
    "added": ("s.new_order", "k.ord"),
    "due": ("s.due", "s.new_order, k.ord"),
    "course": ("c.name COLLATE NOCASE", "s.new_order, k.ord"),
    "front": ("n.front COLLATE NOCASE", "s.new_order, k.ord"),
}


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def rows(
    db: Database,
    *,
    course_id: str | None = None,
    text: str = "",
    tags: Sequence[str] = (),
    due_before: int | None = None,
    suspended: bool | None = None,
    origin: str | None = None,
    pending: bool | None = None,
    sort: str = "added",
    descending: bool = False,
) -> list[BrowseRow]:
    """Live cards matching every filter given (``tags``: all of them), sorted by ``sort``."""
    where = ["k.deleted = 0"]
    params: list[Any] = []
    if course_id:
        where.append("k.course_id = ?")
        params.append(course_id)
    for word in text.split():
        where.append("(n.front LIKE ? ESCAPE '\\' OR n.back LIKE ? ESCAPE '\\')")
        params += [_like(word), _like(word)]
    for tag in tags:
        # the LIKE is a cheap pre-check that skips parsing the JSON of the notes that cannot match
        where.append("n.tags LIKE ? AND EXISTS (SELECT 1 FROM json_each(n.tags) WHERE json_each.value = ?)")
        params += [_like(tag), tag]
    if due_before is not None:
        where.append("s.queue IN (1, 2) AND s.due <= ? AND k.suspended = 0")
        params.append(due_before)
    if suspended is not None:
        where.append("k.suspended = ?")
        params.append(int(suspended))
    if origin:
        where.append(origin_condition("n.origin"))
        params += [origin, origin, origin]
    if pending is not None:
        where.append("n.status = ?")
        params.append("pending" if pending else "active")
    key, tie = _ORDER[sort]
    direction = " DESC" if descending else ""
    order = f"{key}{direction}, {tie}"
    if sort == "due":  # cards never studied have no due date: they go last either way
        order = f"s.last_review IS NULL, {order}"
    sql = _COLUMNS + " WHERE " + " AND ".join(where) + " ORDER BY " + order
    return _fetch(db, sql, params)


def rows_of_notes(db: Database, note_ids: Sequence[str]) -> list[BrowseRow]:
    """The live cards of these notes (what an action on some cards changed: siblings share their note)."""
    out: list[BrowseRow] = []
    for start in range(0, len(note_ids), 500):  # under SQLite's limit on parameters
        part = list(note_ids[start : start + 500])
        marks = ",".join("?" * len(part))
        out += _fetch(db, _COLUMNS + f" WHERE k.note_id IN ({marks}) AND k.deleted = 0", part)
    return out


def _fetch(db: Database, sql: str, params: Sequence[Any]) -> list[BrowseRow]:
    cursor = db.conn.cursor()
    cursor.row_factory = None  # plain tuples: sqlite3.Row objects would cost more, and be copied again here
    # 100k new tuples set off the cyclic collector dozens of times over a list it cannot free (a fifth of
    # the time at 100k cards): it waits until they are built
    collecting = gc.isenabled()
    gc.disable()
    try:
        return list(map(BrowseRow._make, cursor.execute(sql, params).fetchall()))
    finally:
        if collecting:
            gc.enable()
