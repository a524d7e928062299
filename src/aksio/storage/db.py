"""The SQLite database: connection, pragmas, migrations and the one way to write (``Database.write``)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from operator import itemgetter
from pathlib import Path
from typing import Any

from aksio.clock import Clock, iso
from aksio.errors import DatabaseError, ReadOnly, disk_full, read_only
from aksio.ids import SHORT_ID, new_id
from aksio.storage import tags
from aksio.storage.hlc import HybridClock, Stamp
from aksio.storage.migrations import LATEST, MIGRATIONS
from aksio.storage.write_guard import WriteGuard, stamping_path

APP_MARK = "aksio"

# Tables whose rows are synced: every write to them is stamped and logged.
SYNCED = frozenset(
    {
        "course",
        "document",
        "section",
        "chunk",
        "note",
        "card",
        "review",
        "review_void",
        "question",
        "study_session",
        "card_import",
        "tag_entry",
    }
)
# how often the WAL is copied into the database and starts over, and the size it is cut back to (Database._open)
WAL_CHECKPOINT_PAGES = 4000
WAL_SIZE_LIMIT = 16 * 1024 * 1024
_BESIDE = ("-wal", "-shm")  # the files WAL keeps beside the database
# Columns that exist only on this device (they key local indexes) and never enter the change log.
LOCAL_COLUMNS = frozenset({"rid"})
# Columns of a synced row that are not its values: its identity, its stamps, and this device's time of its last
# write. (The value columns each carry a stamp: see Writer.update and storage/stamps.py.)
STAMP_COLUMNS = frozenset({"id", "hlc", "col_hlc", "updated_at"})


class Database:
    """One open database file. Not thread-safe: one per thread (the TUI opens one per worker)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        clock: Clock,
        device: str,
        hlc: HybridClock,
        path: Path,
        guard: WriteGuard,
        *,
        read_only: bool = False,
    ) -> None:
        self.conn = conn
        self.guard = guard  # with AKSIO_WRITE_GUARD set: synced tables are written only by stamping paths
        self.path = path
        self.read_only = read_only  # opened read-only (it cannot be written): every write is refused
        self.clock = clock
        self.device = device
        self.hlc = hlc
        self._in_tx = False
        self._rowid_tables: dict[str, bool] = {}
        self._columns: dict[str, tuple[str, ...]] = {}
        self.generation = 0  # commits through this connection; with PRAGMA data_version, see stamp()
        self.hlc_mark = hlc.last_text  # the stored high-water mark as this connection last read or wrote it

    def stamp(self) -> tuple[int, int]:
        """Changes whenever anything is committed, here or by another connection: caches of query results
        stay valid while it does not. (data_version alone ignores this connection's own commits.)"""
        return self.generation, self.conn.execute("PRAGMA data_version").fetchone()[0]

    @classmethod
    def open(cls, path: Path, clock: Clock) -> Database:
        """Open (creating and migrating if needed) the database at ``path``. A data dir or file that cannot be
        written is opened read-only: reading works, and a write is refused with one line saying why."""
        writable = _writable(path)
        if not writable and not path.exists():
            raise _read_only(path)
        try:
            return cls._open(path, clock, writable)
        except ReadOnly:
            if not writable:
                raise
        # SQLite found it read-only though the permissions said otherwise (a read-only mount, an immutable file)
        return cls._open(path, clock, writable=False)

    @classmethod
    def _open(cls, path: Path, clock: Clock, writable: bool) -> Database:
        try:
            conn = _connect(path, writable)
        except sqlite3.Error as exc:
            raise sqlite_failure(exc, path) or DatabaseError(f"cannot open database {path}: {exc}") from None
        conn.row_factory = sqlite3.Row
        guard = WriteGuard(SYNCED)
        if guard.enforced:
            conn.set_authorizer(guard)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > LATEST:
                raise DatabaseError(
                    f"{path} was written by a newer Aksio (schema {version}, this one knows up to {LATEST}): "
                    "upgrade Aksio to open it"
                )
            if version > 0 and not _is_aksio(conn):
                raise DatabaseError(f"{path} is an SQLite file but not an Aksio database")
            if version == 0 and _has_tables(conn):
                raise DatabaseError(f"{path} is an SQLite file but not an Aksio database")
            if not writable and version < LATEST:
                raise ReadOnly(
                    f"{path} needs updating for this Aksio, but {_unwritable_part(path)[1]} is read-only: "
                    "make it writable and try again"
                )
            if writable:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("PRAGMA cache_size = -32000")  # 32 MB: bulk inserts touch many index pages
            # An answer writes ~18 WAL pages and a checkpoint stalls the answer that triggers it. Every 1000 pages
            # (SQLite's default: ~12 ms, one answer in 57) or 2000 (~20 ms, one in 113) puts the stalls inside the
            # answers' p99; 10000 (~70 ms, one in 570) let the WAL grow to 40 MB, which a nearly full disk may not
            # have. 4000 (~30 ms, one in 226) keeps the p99 and a 16 MB WAL, cut back to that after a large
            # import. close() checkpoints too.
            conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
            conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
            with guard.stamping():  # a migration rewrites synced tables as a whole (and stamps what it adds)
                _migrate(conn, version)
            device = _meta(conn, "device_id")
            mark = _hlc_mark(conn, writable)
        except sqlite3.Error as exc:
            conn.close()
            raise sqlite_failure(exc, path) or _corrupt(path, exc) from None
        except DatabaseError:
            conn.close()
            raise
        hlc = HybridClock(clock, device, Stamp.parse(mark) if mark else None)
        return cls(conn, clock, device, hlc, path, guard, read_only=not writable)

    def close(self) -> None:
        # if another connection is busy with the database, its own close will checkpoint
        with suppress(sqlite3.Error):
            self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        self.conn.close()

    def has_rowid(self, table: str) -> bool:
        """Whether ``table`` is a rowid table (not ``WITHOUT ROWID``): its new rows are then the ones past the
        largest rowid, which lets SQLite itself copy a batch into the change log."""
        known = self._rowid_tables.get(table)
        if known is None:
            row = self.conn.execute("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", (table,))
            sql = row.fetchone()[0]
            known = self._rowid_tables[table] = "WITHOUT ROWID" not in sql.upper()
        return known

    def columns(self, table: str) -> tuple[str, ...]:
        """The names of ``table``'s columns, in the table's order."""
        known = self._columns.get(table)
        if known is None:
            known = self._columns[table] = tuple(r[1] for r in self.conn.execute(f"PRAGMA table_info({table})"))
        return known

    def quick_check(self) -> str:
        """SQLite's own check of the file's structure: "ok", or the first problem it found."""
        row = self.conn.execute("PRAGMA quick_check").fetchone()
        return str(row[0]) if row else "unknown"

    # -- reading ----------------------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def first_match(
        self, select: str, conditions: Sequence[str], ref: str, extra: Sequence[Any] = ()
    ) -> list[sqlite3.Row]:
        """Rows of ``select`` for the first condition (each taking ``ref`` then ``extra``) that matches any.

        How a name the user typed is resolved: exact id first, then names, then a short id (an id's end);
        a condition containing ``LIKE`` is the short-id one and is tried only when ``ref`` looks like one.
        """
        for condition in conditions:
            arg = ref
            if "LIKE" in condition:
                if not SHORT_ID.fullmatch(ref):
                    continue
                arg = ref.lower()
            rows = self.query(select + condition, (arg, *extra))
            if rows:
                return rows
        return []

    @contextmanager
    def read(self) -> Iterator[Database]:
        """A read transaction: every query inside sees the database as the first one did, whatever other
        connections commit meanwhile (a check over several tables must not see half of someone's answer)."""
        if self._in_tx:
            raise RuntimeError("nested transaction")
        self.conn.execute("BEGIN")
        self._in_tx = True
        try:
            yield self
        finally:
            self._in_tx = False
            if self.conn.in_transaction:  # SQLite may have ended it itself on an I/O error
                self.conn.execute("COMMIT")

    # -- writing ----------------------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[Writer]:
        """One transaction per user action: everything inside commits together or not at all."""
        if self._in_tx:
            raise RuntimeError("nested write transaction")
        if self.read_only:
            raise _read_only(self.path)
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise sqlite_failure(exc, self.path) or DatabaseError(f"cannot start a change: {exc}") from None
        self._in_tx = True
        try:
            writer = Writer(self)
            yield writer
            mark = writer.store_hlc_mark()
            self.conn.execute("COMMIT")
        except BaseException as exc:
            # SQLite ends the transaction itself on some errors (a full disk, an I/O error): rolling back again
            # would fail with "no transaction is active" and hide the real cause
            if self.conn.in_transaction:
                with suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
            failure = sqlite_failure(exc, self.path) if isinstance(exc, sqlite3.Error) else None
            if failure is not None:
                raise failure from None
            raise
        else:
            self.generation += 1
            self.hlc_mark = mark or self.hlc_mark
        finally:
            self._in_tx = False


# A row's column stamps before a write: its map, or, at its first write since the insert, a map holding the
# insert's stamp (the row's hlc until now) for every column not written since (SQLite reads the old hlc here).
_STAMPS = "coalesce(col_hlc, json_object('*', hlc))"


def stamped_update(table: str, columns: Iterable[str], hlc: str = "?") -> str:
    """SQL setting ``columns`` of one row, each with the stamp of its write. Parameters: the values, one stamp
    per column, the row's new hlc (``hlc`` is the SQL for it, over that one parameter), updated_at, the id."""
    columns = list(columns)
    sets = ", ".join(f"{c} = ?" for c in columns)
    stamped = ", ".join(f"'$.{c}', ?" for c in columns)
    return (
        f"UPDATE {table} SET {sets}, col_hlc = json_set({_STAMPS}, {stamped}), hlc = {hlc}, updated_at = ? WHERE id = ?"
    )


class Writer:
    """The repository layer's write handle: stamps each synced write and logs it in the same transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn = db.conn
        self.now = iso(db.clock.now())
        self._hlc_read = False  # the stored mark is read once per transaction, at the first stamp
        self._hlc_moved = False

    def _hlc(self) -> HybridClock:
        """The clock, caught up with the highest stamp any process on this home has issued or received. Read
        under the write lock, so no other process can stamp between this read and our COMMIT."""
        if not self._hlc_read:
            self._hlc_read = True
            row = self.conn.execute("SELECT stamp FROM hlc_mark WHERE id = 1").fetchone()
            if row is not None and row[0] is not None and row[0] != self.db.hlc_mark:  # another process moved it
                self.db.hlc.receive(row[0])
        return self.db.hlc

    def stamps(self, n: int) -> list[str]:
        """``n`` new increasing stamps, later than every stamp issued or received on this home."""
        out = self._hlc().tick_many(n)
        self._hlc_moved = self._hlc_moved or bool(out)
        return out

    def receive(self, stamp: str) -> None:
        """Move the clock past a stamp received from another device (a merge): the move is stored with this
        transaction, so later writes here, in any process, after any restart, order after it."""
        if self._hlc().receive(stamp):
            self._hlc_moved = True

    def store_hlc_mark(self) -> str | None:
        """Store the clock's new high-water mark, if this transaction moved it (Database.write calls this
        just before COMMIT); the mark stored."""
        if not self._hlc_moved:
            return None
        mark = self.db.hlc.last_text
        self.conn.execute("UPDATE hlc_mark SET stamp = ? WHERE id = 1", (mark,))
        return mark

    def _log(self, table: str, row_id: str, op: str, cols: Iterable[str], hlc: str) -> None:
        self.conn.execute(
            "INSERT INTO change_log (tbl, row_id, op, cols, hlc) VALUES (?, ?, ?, ?, ?)",
            (table, row_id, op, ",".join(cols), hlc),
        )

    def insert(self, table: str, values: Mapping[str, Any]) -> str:
        """Insert one synced row; fills id, hlc and timestamps. Returns the id. (An answer's review goes this
        way: straight to ``insert_rows``, without ``insert_batch``'s work over many rows.)"""
        columns = [c for c, v in values.items() if c != "id" and v is not None]
        row = tuple(_encode(values[c]) for c in columns)
        return self.insert_rows(table, columns, [row], ids=[str(values.get("id") or new_id())])[0][0]

    def insert_many(self, table: str, rows: Sequence[Mapping[str, Any]]) -> list[str]:
        """Insert rows of the same shape in one statement, each stamped and logged. Returns their ids."""
        return self.insert_batch(table, rows)[0]

    def insert_batch(
        self,
        table: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        parents: Sequence[str] | None = None,
        stamps: Sequence[str] | None = None,
    ) -> tuple[list[str], list[str]]:
        """Insert rows of the same shape in one statement, each stamped and logged: (ids, stamps).

        With ``parents`` (one stamp per row, each the stamp of the parent row inserted with it in this
        transaction), the rows take their parent's stamp and are not logged themselves: the parent's insert
        entry covers them (a note's insert carries the cards made with it), halving a bulk import's log.
        ``stamps``: the rows' own stamps, taken from ``stamps()`` in this transaction (a value derived from its
        stamp goes into the row itself); they are logged as any.
        """
        if not rows:
            return [], []
        # a column that is None in every row is left to its default (NULL): fewer values to bind per row
        value_cols = [c for c in rows[0] if c != "id" and any(r[c] is not None for r in rows)]
        # only lists, dicts and bools need encoding (a column holds one type, so its first value tells); most
        # columns hold plain values: skip the check for those
        encoded = [
            c for c in value_cols if isinstance(next(r[c] for r in rows if r[c] is not None), list | dict | bool)
        ]
        if encoded:
            rows = [{**r, **{c: _encode(r[c]) for c in encoded}} for r in rows]
        ids = [str(r.get("id") or new_id()) for r in rows]
        if len(value_cols) > 1:
            values: list[tuple[Any, ...]] = list(map(itemgetter(*value_cols), rows))
        else:
            values = [tuple(r[c] for c in value_cols) for r in rows]
        return self.insert_rows(table, value_cols, values, ids=ids, parents=parents, stamps=stamps)

    @stamping_path
    def insert_rows(
        self,
        table: str,
        columns: Sequence[str],
        values: Sequence[Sequence[Any]],
        *,
        ids: Sequence[str] | None = None,
        parents: Sequence[str] | None = None,
        stamps: Sequence[str] | None = None,
    ) -> tuple[list[str], list[str]]:
        """``insert_batch`` for rows given as tuples of ``columns``, already encoded (the bulk path)."""
        if table not in SYNCED:
            raise ValueError(f"{table} is not a synced table")
        if not values:
            return [], []
        cols = ["id", *columns, "hlc", "created_at", "updated_at"]
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        stamps = list(parents if parents is not None else stamps if stamps is not None else self.stamps(len(values)))
        row_ids = list(ids) if ids is not None else [new_id() for _ in values]
        now = self.now
        logged = ",".join(c for c in columns if c not in LOCAL_COLUMNS)
        # A rowid table's new rows are those past its largest rowid: SQLite copies them into the log itself,
        # in insertion (= stamp) order, which costs a quarter of binding each entry from Python.
        past = self.last_rowid(table) if parents is None and self.db.has_rowid(table) else None
        self.conn.executemany(sql, [(i, *v, h, now, now) for i, v, h in zip(row_ids, values, stamps, strict=True)])
        if table in tags.TAGGED and "tags" in columns:
            at = list(columns).index("tags")
            if any(v[at] not in (None, "[]") for v in values):
                assert past is not None, "a tagged table is a rowid table whose rows carry their own stamps"
                tags.add_inserted(self, table, past)
        if past is not None:
            self.conn.execute(
                "INSERT INTO change_log (tbl, row_id, op, cols, hlc) "
                f"SELECT ?, id, 'insert', ?, hlc FROM {table} WHERE rowid > ? ORDER BY rowid",
                (table, logged, past),
            )
        elif parents is None:
            self.conn.executemany(
                "INSERT INTO change_log (tbl, row_id, op, cols, hlc) VALUES (?, ?, ?, ?, ?)",
                [(table, i, "insert", logged, h) for i, h in zip(row_ids, stamps, strict=True)],
            )
        return row_ids, stamps

    def last_rowid(self, table: str) -> int:
        """The largest rowid of a rowid table (0 when empty): the rows inserted after this call are past it."""
        return int(self.conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()[0])

    @stamping_path
    def update(self, table: str, row_id: str, changes: Mapping[str, Any]) -> None:
        """Change some columns of a live row. Each column whose value changes takes the write's stamp (its entry
        in ``col_hlc``), so that a merge takes each column from the device that wrote it last; a column given its
        stored value keeps its stamp. A course's, document's or note's ``tags`` change through their entries
        (``storage/tags.py``): a tag added, a tag removed, each a write of its own."""
        if table not in SYNCED:
            raise ValueError(f"{table} is not a synced table")
        tagged = table in tags.TAGGED and "tags" in changes
        values = self._changed(table, row_id, {c: v for c, v in changes.items() if not (tagged and c == "tags")})
        if values:
            hlc = self.stamps(1)[0]
            self.conn.execute(
                stamped_update(table, values), (*values.values(), *[hlc] * len(values), hlc, self.now, row_id)
            )
            self._log(table, row_id, "update", values, hlc)
        if tagged:
            tags.replace(self, table, row_id, changes["tags"])

    def _changed(self, table: str, row_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """``changes`` encoded as stored, without the columns that already hold their value."""
        values = {c: _encode(v) for c, v in changes.items()}
        if not values:
            return values
        row = self.conn.execute(f"SELECT {', '.join(values)} FROM {table} WHERE id = ?", (row_id,)).fetchone()
        if row is None:
            return values
        return {c: v for (c, v), old in zip(values.items(), row, strict=True) if v != old}

    @stamping_path
    def tombstone(self, table: str, row_ids: Sequence[str]) -> None:
        """Mark rows deleted, each with its own stamp and a 'delete' entry in the change log. Synced rows are never
        physically deleted: the tombstone must travel."""
        if table not in SYNCED:
            raise ValueError(f"{table} is not a synced table")
        if not row_ids:
            return
        stamps = self.stamps(len(row_ids))
        now = self.now
        self.conn.executemany(
            stamped_update(table, ["deleted"]), [(1, h, h, now, i) for i, h in zip(row_ids, stamps, strict=True)]
        )
        self.conn.executemany(
            "INSERT INTO change_log (tbl, row_id, op, cols, hlc) VALUES (?, ?, 'delete', 'deleted', ?)",
            [(table, i, h) for i, h in zip(row_ids, stamps, strict=True)],
        )

    @stamping_path
    def tombstone_where(self, table: str, condition: str, params: Sequence[Any] = ()) -> list[str]:
        """Tombstone the live rows of ``table`` that match ``condition`` (SQL over its columns); their ids."""
        rows = self.conn.execute(f"SELECT id FROM {table} WHERE deleted = 0 AND ({condition})", params)
        ids = [r[0] for r in rows]
        self.tombstone(table, ids)
        return ids

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> sqlite3.Cursor:
        """Raw statement for local, unsynced tables (indexes, caches) inside the same transaction. A write to a
        synced table here is refused under the write guard (storage/write_guard.py): it would be neither stamped
        nor logged."""
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> sqlite3.Cursor:
        return self.conn.executemany(sql, params)


def sqlite_failure(exc: sqlite3.Error, path: Path) -> DatabaseError | None:
    """What an SQLite error on the database at ``path`` means to a student, told by its result code; None when
    neither the disk nor the file is the cause (a constraint, a bug: it surfaces as it is)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    name = getattr(exc, "sqlite_errorname", str(code))
    primary = code & 0xFF  # an extended code (SQLITE_READONLY_DIRECTORY...) keeps its primary code in its low byte
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return _corrupt(path, exc)
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return DatabaseError(f"the database is busy ({exc}); is another Aksio writing?")
    if primary == sqlite3.SQLITE_FULL or (primary == sqlite3.SQLITE_IOERR and _free_bytes(path.parent) < 1 << 20):
        return disk_full(path.parent)
    if primary == sqlite3.SQLITE_READONLY or (
        primary in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM) and not _writable(path)
    ):
        return _read_only(path)
    if primary == sqlite3.SQLITE_IOERR:
        return DatabaseError(
            f"cannot read or write {path}: the disk reported an error ({name}); nothing was changed: "
            "check the disk and try again"
        )
    if primary in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
        return DatabaseError(f"cannot open {path} ({name}): check that it exists and that you may read it")
    return None


def _corrupt(path: Path, exc: sqlite3.Error) -> DatabaseError:
    return DatabaseError(f"{path} is corrupt or not a database ({exc}); restore it from a backup")


def _writable(path: Path) -> bool:
    """Whether the database at ``path`` can be written: its dir (WAL needs the -wal and -shm files beside it),
    the file itself and those two files if they are there."""
    return _unwritable(path) is None


def _unwritable(path: Path) -> tuple[Path, str] | None:
    """What stops a write to the database at ``path`` (where, what), for the read-only error; None: nothing."""
    if not os.access(path.parent, os.W_OK):
        return path.parent, "the data dir"
    parts = [(path, "the database file"), *((Path(f"{path}{x}"), f"the database's {x} file") for x in _BESIDE)]
    for part, what in parts:
        if part.exists() and not os.access(part, os.W_OK):
            return part, what
    return None


def _unwritable_part(path: Path) -> tuple[Path, str]:
    # when SQLite finds it read-only though the permissions do not say why (a read-only mount): the dir
    return _unwritable(path) or (path.parent, "the data dir")


def _read_only(path: Path) -> ReadOnly:
    return read_only(*_unwritable_part(path))


def _free_bytes(where: Path) -> int:
    try:
        return shutil.disk_usage(where).free
    except OSError:
        return 1 << 62


def _connect(path: Path, writable: bool) -> sqlite3.Connection:
    if writable:
        return sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    # SQLite reads a WAL database through its -shm file. A read-only connection would create one (read-only
    # like the database, so it would stop the next writer once the file is writable again) and a read-only dir
    # cannot hold one: without one it is read as immutable (no locks, no WAL), as no writer has it open.
    shared = Path(f"{path}-shm").exists()
    uri = path.absolute().as_uri() + ("?mode=ro" if shared else "?immutable=1")
    return sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)


def _encode(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return int(value)
    return value


def _is_aksio(conn: sqlite3.Connection) -> bool:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'app'").fetchone()
    except sqlite3.OperationalError:
        return False
    return row is not None and str(row[0]) == APP_MARK


def _has_tables(conn: sqlite3.Connection) -> bool:
    return int(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]) > 0


def _meta(conn: sqlite3.Connection, key: str) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    if row is None:
        raise DatabaseError(f"database is missing its {key}; restore it from a backup")
    return str(row[0])


def _hlc_mark(conn: sqlite3.Connection, writable: bool) -> str | None:
    """The clock's stored high-water mark; a missing row is made again from the change log's highest stamp."""
    row = conn.execute("SELECT stamp FROM hlc_mark WHERE id = 1").fetchone()
    mark = row[0] if row is not None else conn.execute("SELECT max(hlc) FROM change_log").fetchone()[0]
    if row is None and writable:
        conn.execute("INSERT OR IGNORE INTO hlc_mark (id, stamp) VALUES (1, ?)", (mark,))
    return None if mark is None else str(mark)


def _migrate(conn: sqlite3.Connection, current: int) -> None:
    for number in range(current + 1, LATEST + 1):
        script = MIGRATIONS[number - 1]
        first = ""
        if number == 1:
            first = (
                f"INSERT INTO meta (key, value) VALUES ('app', '{APP_MARK}');"
                f"INSERT INTO meta (key, value) VALUES ('device_id', '{new_id()}');"
            )
        try:
            conn.executescript(f"BEGIN IMMEDIATE; {script}; {first} PRAGMA user_version = {number}; COMMIT;")
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
