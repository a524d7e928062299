"""Tags as sets that merge: an observed-remove set per course, document or note.

Each tag added to a row is an entry of its own (a synced ``tag_entry`` row with its id and stamp); a remove
tombstones the entries of that tag it sees. An entry added on another device that this one had not seen when it
removed the tag stays, so concurrent adds of different tags both survive and a remove wins only over the adds it
saw. The row's ``tags`` column is what is left of its entries, in the order they were added (first stamp, then
id), written here on every change: readers (the browser's ``tag:NAME``, ``card list --tag``) read it as before.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aksio.ids import new_id
from aksio.storage.write_guard import stamping_path

if TYPE_CHECKING:
    from aksio.storage.db import Database, Writer

# the tables whose rows have tags
TAGGED = frozenset({"course", "document", "note"})

# A row's entries, found by their ids, which all begin with the row's id and a slash: a range of the table's one
# b-tree, so the table needs no index of its own (a bulk add of tagged notes maintains one b-tree, not two).
_OF_ROW = "id > ? AND id < ? AND row_id = ?"


def _of(row_id: str) -> tuple[str, str, str]:
    return f"{row_id}/", f"{row_id}0", row_id  # "0" is the character after "/"


@stamping_path
def add_inserted(w: Writer, table: str, past_rowid: int) -> None:
    """Entries for the tags of ``table``'s rows just inserted (rowids past ``past_rowid``): each takes its row's
    stamp and the id ``<row id>/<position>``, which orders them as listed, and travels with the row's insert
    entry in the change log (copied by SQLite: a bulk add binds nothing more per row)."""
    w.conn.execute(
        "INSERT INTO tag_entry (id, tbl, row_id, tag, hlc, created_at, updated_at) "
        "SELECT printf('%s/%04d', t.id, j.key), ?, t.id, j.value, t.hlc, t.created_at, t.updated_at "
        f"FROM {table} AS t, json_each(t.tags) AS j WHERE t.rowid > ? AND j.type = 'text'",
        (table, past_rowid),
    )


def replace(w: Writer, table: str, row_id: str, wanted: Sequence[str]) -> bool:
    """Make the row's tags ``wanted``: a tag it lacks is added (a new entry), a tag it has and ``wanted`` lacks
    is removed (its entries here tombstoned). Whether anything changed."""
    live = w.conn.execute(f"SELECT id, tag FROM tag_entry WHERE {_OF_ROW} AND deleted = 0", _of(row_id)).fetchall()
    keep = dict.fromkeys(wanted)
    have = {tag for _, tag in live}
    gone = [entry for entry, tag in live if tag not in keep]
    new = [tag for tag in keep if tag not in have]
    if gone:
        w.tombstone("tag_entry", gone)
    if new:  # each its own stamp, so that they keep the order given
        rows = [(table, row_id, tag) for tag in new]
        w.insert_rows("tag_entry", ("tbl", "row_id", "tag"), rows, ids=[f"{row_id}/{new_id()}" for _ in new])
    if gone or new:
        materialise(w, table, row_id)
    return bool(gone or new)


@stamping_path
def materialise(w: Writer, table: str, row_id: str) -> None:
    """Write the row's ``tags`` column from its live entries."""
    rows = w.conn.execute(
        f"SELECT tag FROM tag_entry WHERE {_OF_ROW} AND deleted = 0 GROUP BY tag ORDER BY min(hlc), min(id)",
        _of(row_id),
    )
    text = json.dumps([r[0] for r in rows], ensure_ascii=False)
    w.conn.execute(f"UPDATE {table} SET tags = ?, updated_at = ? WHERE id = ?", (text, w.now, row_id))


def with_entries(db: Database | Writer, row_ids: Sequence[str]) -> list[str]:
    """Those of these rows that have tag entries (a range of the table's key each)."""
    out: list[str] = []
    for start in range(0, len(row_ids), 500):
        part = json.dumps(list(row_ids[start : start + 500]))
        rows = db.conn.execute(
            "SELECT j.value FROM json_each(?) AS j WHERE EXISTS (SELECT 1 FROM tag_entry t "
            "WHERE t.id > j.value || '/' AND t.id < j.value || '0')",
            (part,),
        )
        out.extend(r[0] for r in rows)
    return out


def entries_of(db: Database | Writer, row_ids: Sequence[str]) -> list[str]:
    """The ids of every tag entry of these rows, live or removed: what a merge sends with them."""
    out: list[str] = []
    for start in range(0, len(row_ids), 500):
        part = json.dumps(list(row_ids[start : start + 500]))
        rows = db.conn.execute(
            "SELECT t.id FROM json_each(?) AS j JOIN tag_entry t ON t.id > j.value || '/' AND t.id < j.value || '0'",
            (part,),
        )
        out.extend(r[0] for r in rows)
    return out


def entry_ids(db: Database | Writer, row_id: str) -> list[str]:
    """The ids of every tag entry of a row, live or removed, oldest first: what a merge sends with it."""
    rows = db.conn.execute(f"SELECT id FROM tag_entry WHERE {_OF_ROW} ORDER BY hlc, id", _of(row_id))
    return [r[0] for r in rows]
