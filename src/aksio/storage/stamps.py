"""A clock per column: each value of a synced row with the stamp of the write that set it, and a value from
another device taken only if its write came later. The building blocks of a merge (last writer wins, column by
column; a stamp ends with its device's id, so two devices never tie).

A row keeps its stamps in ``hlc`` (its last write's) and ``col_hlc``: NULL until a column is written after the
insert, then a JSON map from each column written since to its stamp, ``"*"`` holding the insert's stamp for the
columns not in it. So an insert stores nothing more, and a column's stamp is its entry, else ``"*"``, else ``hlc``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from aksio.errors import InvalidInput
from aksio.storage import tags
from aksio.storage.db import LOCAL_COLUMNS, STAMP_COLUMNS, SYNCED, Database, Writer, stamped_update
from aksio.storage.write_guard import stamping_path

# a row's values by column, each as stored with the stamp of the write that set it
Columns = dict[str, tuple[Any, str]]
# a row as a batch of changes carries it: (id, values by column, the stamp of every column not in the last, the
# stamps of the columns written since the insert)
Stamped = tuple[str, dict[str, Any], str, dict[str, str]]


def value_columns(db: Database, table: str) -> tuple[str, ...]:
    """The columns of ``table`` that a merge carries: all but the row's id, stamps and local columns, and but
    ``tags``, which travel as ``tag_entry`` rows (``tags.entry_ids``) and are written here from them."""
    derived = {"tags"} if table in tags.TAGGED else set()
    return tuple(c for c in db.columns(table) if c not in STAMP_COLUMNS and c not in LOCAL_COLUMNS and c not in derived)


def stamped_rows(db: Database | Writer, table: str, row_ids: Sequence[str]) -> Iterator[Stamped]:
    """These rows as (id, values, the stamp of the columns not written since the insert, the other columns'
    stamps); rows not here are left out. The form a batch of changes carries them in."""
    _synced(table)
    names = value_columns(db.db if isinstance(db, Writer) else db, table)
    cursor = db.conn.cursor()
    cursor.row_factory = None  # plain tuples: no sqlite3.Row per row
    # the ids as one JSON parameter: one statement text whatever their number, prepared once and cached
    sql = f"SELECT t.id, t.hlc, t.col_hlc, {', '.join(f't.{c}' for c in names)} FROM json_each(?) AS j "
    sql += f"JOIN {table} AS t ON t.id = j.value"
    for row in cursor.execute(sql, (json.dumps(list(row_ids)),)):
        values = dict(zip(names, row[3:], strict=True))
        if row[2] is None:  # not written since the insert: every column has its stamp
            yield row[0], values, row[1], {}
            continue
        own = json.loads(row[2])
        base = own.pop("*", row[1])
        yield row[0], values, base, {c: stamp for c, stamp in own.items() if c in values and stamp != base}


def row_columns(db: Database, table: str, row_ids: Sequence[str]) -> dict[str, Columns]:
    """These rows' values, each with its stamp, by row id; rows not here are left out."""
    return {
        row_id: {c: (v, own.get(c, base)) for c, v in values.items()}
        for row_id, values, base, own in stamped_rows(db, table, row_ids)
    }


def stamped(row_id: str, columns: Mapping[str, tuple[Any, str]]) -> Stamped:
    """A row given as columns with their stamps, in the form ``stamped_rows`` reads and ``apply_rows`` takes."""
    base = min((stamp for _, stamp in columns.values()), default="")
    return row_id, {c: v for c, (v, _) in columns.items()}, base, {c: s for c, (_, s) in columns.items() if s != base}


@stamping_path
def apply_columns(w: Writer, table: str, row_id: str, columns: Mapping[str, tuple[Any, str]]) -> list[str]:
    """Merge a row's columns from another device: each is taken if its stamp is later than the one its column
    has here, and a row not here is inserted whole. Nothing is logged (the change is not this device's to send
    again); the clock moves past the stamps seen. The columns taken."""
    return apply_rows(w, table, [stamped(row_id, columns)]).get(row_id, [])


@stamping_path
def apply_rows(w: Writer, table: str, rows: Sequence[Stamped]) -> dict[str, list[str]]:
    """``apply_columns`` for many rows of one table, in order (a parent before the child that names it): the rows
    here are read in one query and the new ones inserted together. The columns taken, by row id."""
    _known_columns(w, table, rows)
    return _apply_here(w, table, rows, _stamps_here(w, table, [row[0] for row in rows]))


@stamping_path
def merge_rows(w: Writer, table: str, rows: Sequence[Stamped]) -> dict[str, list[str]] | None:
    """``apply_rows``, but when none of the rows is here (a first transfer's, a batch's new notes, cards and
    answers), each named once and with a column besides its tags, they are inserted as they are, in one statement
    per shape, and None is returned: each took every column given. A batch of 50k rows then costs no list or
    comparison per row, only its insert."""
    _known_columns(w, table, rows)
    here = _stamps_here(w, table, [row[0] for row in rows])
    if here or not _insertable(table, rows):
        return _apply_here(w, table, rows, here)
    _insert_all(w, table, rows)
    high = max(row[2] for row in rows)
    own = [stamp for row in rows if row[3] for stamp in row[3].values()]
    w.receive(max(high, *own) if own else high)
    _materialise_tags(w, table, [row[0] for row in rows], set())
    return None


def _insertable(table: str, rows: Sequence[Stamped]) -> bool:
    """Whether rows none of which is here can be inserted as they are: no row named twice (the second is merged
    with the first), no ``tags`` given (written here from the tag entries) and none empty."""
    if len({row[0] for row in rows}) != len(rows):
        return False
    if table in tags.TAGGED and any("tags" in values for _, values, _, _ in rows):
        return False
    return all(values for _, values, _, _ in rows)


def _known_columns(w: Writer, table: str, rows: Sequence[Stamped]) -> None:
    """Refuse rows that change a column this version does not have."""
    _synced(table)
    names = value_columns(w.db, table)
    known = {*names, "tags"} if table in tags.TAGGED else set(names)
    given: set[str] = set().union(*(values.keys() for _, values, _, _ in rows))
    if not given <= known:
        unknown = sorted(given - known)[0]
        raise InvalidInput(f"a change to {table}.{unknown}, a column this version of Aksio does not know")


def _apply_here(
    w: Writer, table: str, rows: Sequence[Stamped], here: dict[str, tuple[str, str | None]]
) -> dict[str, list[str]]:
    """Merge the rows, given the stamps of those here."""
    taken: dict[str, list[str]] = {}
    inserts: list[Stamped] = []
    high = ""
    for row in rows:
        row_id, values, base, own = row
        if "tags" in values and table in tags.TAGGED:  # written here from the tag entries
            values = {c: v for c, v in values.items() if c != "tags"}
            row = (row_id, values, base, own)
        if not values:
            continue
        high = max(high, base, *own.values())
        if row_id in taken:  # named twice: compared with what the first one left
            _insert_all(w, table, inserts)
            inserts = []
            here[row_id] = w.conn.execute(f"SELECT hlc, col_hlc FROM {table} WHERE id = ?", (row_id,)).fetchone()
        if row_id in here:
            _insert_all(w, table, inserts)  # an update may name a row inserted just before it
            inserts = []
            taken[row_id] = [*taken.get(row_id, ()), *_newer(w, table, row, *here[row_id])]
        else:
            inserts.append(row)
            taken[row_id] = list(values)
    _insert_all(w, table, inserts)
    if high:
        w.receive(high)
    _materialise_tags(w, table, [row_id for row_id, columns in taken.items() if columns], set(here))
    return {row_id: columns for row_id, columns in taken.items() if columns}


def _stamps_here(w: Writer, table: str, row_ids: Sequence[str]) -> dict[str, tuple[str, str | None]]:
    """(hlc, col_hlc) of those of these rows that are here, by id."""
    cursor = w.conn.cursor()
    cursor.row_factory = None
    sql = f"SELECT t.id, t.hlc, t.col_hlc FROM json_each(?) AS j JOIN {table} AS t ON t.id = j.value"
    return {r[0]: (r[1], r[2]) for r in cursor.execute(sql, (json.dumps(list(row_ids)),))}


def _materialise_tags(w: Writer, table: str, changed: Sequence[str], existed: set[str]) -> None:
    """Write the ``tags`` column of the rows whose tag entries changed, and of the tagged rows new here (their
    entries may have come first)."""
    if table == "tag_entry" and changed:
        owners: dict[tuple[str, str], None] = {}
        sql = "SELECT t.id, t.tbl, t.row_id FROM json_each(?) AS j JOIN tag_entry AS t ON t.id = j.value"
        for entry, owner, owner_id in w.conn.execute(sql, (json.dumps(list(changed)),)):
            if owner not in tags.TAGGED or not entry.startswith(f"{owner_id}/"):
                raise InvalidInput(f"tag entry {entry} does not name a course, document or note it belongs to")
            owners[(owner, owner_id)] = None
        for owner, owner_id in owners:
            tags.materialise(w, owner, owner_id)
    elif table in tags.TAGGED:
        for row_id in tags.with_entries(w, [r for r in changed if r not in existed]):
            tags.materialise(w, table, row_id)


def _newer(w: Writer, table: str, row: Stamped, hlc: str, col_hlc: str | None) -> list[str]:
    """Take the row's columns whose stamps are later than theirs here."""
    row_id, values, base, given = row
    own = json.loads(col_hlc) if col_hlc else {}
    here = own.get("*", hlc)
    taken = {c: (v, given.get(c, base)) for c, v in values.items() if given.get(c, base) > own.get(c, here)}
    if taken:
        stamps = [s for _, s in taken.values()]
        sql = stamped_update(table, taken, hlc="max(hlc, ?)")
        w.conn.execute(sql, (*(v for v, _ in taken.values()), *stamps, max(stamps), w.now, row_id))
    return list(taken)


def _insert_all(w: Writer, table: str, rows: Sequence[Stamped]) -> None:
    """Insert new rows, in order, those with the same columns in one statement."""
    start = 0
    while start < len(rows):
        shape = tuple(rows[start][1])
        end = start + 1
        while end < len(rows) and tuple(rows[end][1]) == shape:
            end += 1
        cols = ["id", *shape, "hlc", "col_hlc", "updated_at"]
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        w.conn.executemany(sql, [_inserted(row, w.now) for row in rows[start:end]])
        start = end


def _inserted(row: Stamped, now: str) -> tuple[Any, ...]:
    """A new row's values as inserted: its columns' values, its last stamp, its columns' stamps (NULL when they
    share one, as a local insert leaves them), the time here."""
    row_id, values, base, own = row
    if not own:
        return (row_id, *values.values(), base, None, now)
    col_hlc = json.dumps({"*": base, **own}, separators=(",", ":"))
    return (row_id, *values.values(), max(base, *own.values()), col_hlc, now)


def _synced(table: str) -> None:
    if table not in SYNCED:
        raise InvalidInput(f"{table!r} is not a table Aksio syncs")
