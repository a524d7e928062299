"""A clock per column: each value of a synced row with the stamp of the write that set it, and a value from
another device taken only if its write came later. The building blocks of a merge (last writer wins, column by
column; a stamp ends with its device's id, so two devices never tie).

A row keeps its stamps in ``hlc`` (its last write's) and ``col_hlc``: NULL until a column is written after the
insert, then a JSON map from each column written since to its stamp, ``"*"`` holding the insert's stamp for the
columns not in it. So an insert stores nothing more, and a column's stamp is its entry, else ``"*"``, else ``hlc``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aksio.errors import InvalidInput
from aksio.storage import tags
from aksio.storage.db import LOCAL_COLUMNS, STAMP_COLUMNS, SYNCED, Database, Writer, stamped_update

# a row's values by column, each as stored with the stamp of the write that set it
Columns = dict[str, tuple[Any, str]]


def value_columns(db: Database, table: str) -> tuple[str, ...]:
    """The columns of ``table`` that a merge carries: all but the row's id, stamps and local columns, and but
    ``tags``, which travel as ``tag_entry`` rows (``tags.entry_ids``) and are written here from them."""
    derived = {"tags"} if table in tags.TAGGED else set()
    return tuple(c for c in db.columns(table) if c not in STAMP_COLUMNS and c not in LOCAL_COLUMNS and c not in derived)


def row_columns(db: Database, table: str, row_ids: Sequence[str]) -> dict[str, Columns]:
    """These rows' values, each with its stamp, by row id; rows not here are left out."""
    _synced(table)
    names = value_columns(db, table)
    out: dict[str, Columns] = {}
    for start in range(0, len(row_ids), 500):  # SQLite caps a statement's parameters
        part = list(row_ids[start : start + 500])
        sql = f"SELECT id, hlc, col_hlc, {', '.join(names)} FROM {table} WHERE id IN ({','.join('?' * len(part))})"
        for row in db.conn.execute(sql, part):
            own = json.loads(row[2]) if row[2] else {}
            base = own.get("*", row[1])
            out[row[0]] = {c: (v, own.get(c, base)) for c, v in zip(names, row[3:], strict=True)}
    return out


def apply_columns(w: Writer, table: str, row_id: str, columns: Mapping[str, tuple[Any, str]]) -> list[str]:
    """Merge a row's columns from another device: each is taken if its stamp is later than the one its column
    has here, and a row not here is inserted whole. Nothing is logged (the change is not this device's to send
    again); the clock moves past the stamps seen. The columns taken."""
    _synced(table)
    names = value_columns(w.db, table)
    unknown = [c for c in columns if c not in names and not (c == "tags" and table in tags.TAGGED)]
    if unknown:
        raise InvalidInput(f"a change to {table}.{unknown[0]}, a column this version of Aksio does not know")
    given = {c: vs for c, vs in columns.items() if c in names}
    if not given:
        return []
    row = w.conn.execute(f"SELECT hlc, col_hlc FROM {table} WHERE id = ?", (row_id,)).fetchone()
    taken = _insert(w, table, row_id, given) if row is None else _newer(w, table, row_id, given, row[0], row[1])
    w.receive(max(stamp for _, stamp in given.values()))
    if table == "tag_entry" and taken:
        owner, owner_id = w.conn.execute("SELECT tbl, row_id FROM tag_entry WHERE id = ?", (row_id,)).fetchone()
        if owner not in tags.TAGGED or not row_id.startswith(f"{owner_id}/"):
            raise InvalidInput(f"tag entry {row_id} does not name a course, document or note it belongs to")
        tags.materialise(w, owner, owner_id)
    elif table in tags.TAGGED and row is None:  # its entries may have come first
        tags.materialise(w, table, row_id)
    return taken


def _newer(w: Writer, table: str, row_id: str, given: Columns, hlc: str, col_hlc: str | None) -> list[str]:
    own = json.loads(col_hlc) if col_hlc else {}
    base = own.get("*", hlc)
    taken = {c: vs for c, vs in given.items() if vs[1] > own.get(c, base)}
    if taken:
        values, stamps = [v for v, _ in taken.values()], [s for _, s in taken.values()]
        sql = stamped_update(table, taken, hlc="max(hlc, ?)")
        w.conn.execute(sql, (*values, *stamps, max(stamps), w.now, row_id))
    return list(taken)


def _insert(w: Writer, table: str, row_id: str, given: Columns) -> list[str]:
    stamps = sorted(stamp for _, stamp in given.values())
    base = stamps[0]
    own = {c: stamp for c, (_, stamp) in given.items() if stamp != base}
    col_hlc = json.dumps({"*": base, **own}, separators=(",", ":")) if own else None
    cols = ["id", *given, "hlc", "col_hlc", "updated_at"]
    w.conn.execute(
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        (row_id, *(v for v, _ in given.values()), stamps[-1], col_hlc, w.now),
    )
    return list(given)


def _synced(table: str) -> None:
    if table not in SYNCED:
        raise InvalidInput(f"{table!r} is not a table Aksio syncs")
