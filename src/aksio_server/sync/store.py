"""Each user's synced rows on the server: merged column by column as a device merges them
(``aksio.changes.merge_columns``), numbered by the user's own sequence so that pulls read them in order.

A push takes the lock of the user's ``sync_users`` row first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` locks the file), so one user's pushes are numbered in the order they commit whichever process
serves them: a pull never sees a later number before an earlier one, and its cursor never skips a row. A row
changed again takes a new number. The server neither holds rows for a missing parent nor settles deletes: it keeps
what the devices sent, and every device derives the rest alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import msgspec
from sqlalchemy import Connection, bindparam, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from aksio.changes import FORMAT, FUTURE_LIMIT_MS, STAMP, ChangeBatch, RowChange, merge_columns
from aksio.storage.db import SYNCED
from aksio_server.errors import ApiError
from aksio_server.schema import sync_pushes, sync_rows, sync_users
from aksio_sync.protocol import PushAck, SyncStatus

SERVER = "server"  # the device a pulled batch names: the server, relaying every device's rows
MAX_ROWS = 50_000  # rows a pushed batch may hold (a client sends 5,000)
MAX_COLUMNS = 100
_COLUMN = re.compile(r"[a-z_][a-z0-9_]{0,63}")
_ID = re.compile(r"[0-9A-Za-z_.:/-]{1,100}")  # a UUIDv7, or a tag entry's "<row id>/<part>"
_DEVICE_AT = 19  # a stamp is "<13 digits>-<4 hex>-<device>": its device starts here
_PART = 500  # rows looked up per query

Columns = dict[str, tuple[Any, str]]
_encode = msgspec.json.Encoder().encode
_decode_columns = msgspec.json.Decoder(dict[str, tuple[Any, str]]).decode


def check(batch: ChangeBatch) -> None:
    """Refuse, in one line (422), a pushed batch the server cannot keep: a newer format, a table no Aksio syncs,
    an id, column, stamp or value that is not one."""
    if batch.format > FORMAT:
        raise ApiError(422, f"the batch is of a newer format ({batch.format}) than this server reads ({FORMAT})")
    if batch.size > MAX_ROWS:
        raise ApiError(422, f"a batch holds at most {MAX_ROWS} rows (this one {batch.size})")
    if batch.high is not None and not STAMP.fullmatch(batch.high):
        raise ApiError(422, "the batch's stamp is not one")
    for table, rows in batch.tables.items():
        if table not in SYNCED:
            raise ApiError(422, f"the batch changes {table[:40]!r}, a table Aksio does not sync")
        for row in rows:
            if not _ID.fullmatch(row.id) or not row.values or len(row.values) > MAX_COLUMNS:
                raise ApiError(422, f"a {table} row has no id, no values or too many columns")
            if not all(_COLUMN.fullmatch(c) for c in row.values) or not row.stamps.keys() <= row.values.keys():
                raise ApiError(422, f"{table} {row.id} names a column that is not one")
            if not STAMP.fullmatch(row.stamp) or not all(STAMP.fullmatch(s) for s in row.stamps.values()):
                raise ApiError(422, f"{table} {row.id} has a stamp that is not one")
            if not all(v is None or isinstance(v, str | int | float) for v in row.values.values()):
                raise ApiError(422, f"{table} {row.id} has a value that is not text or a number")


def push(conn: Connection, user_id: str, batch: ChangeBatch, key: str, now_ms: int) -> PushAck:
    """Merge a device's batch into the user's rows, in the caller's transaction; a push whose ``key`` was taken
    before gets the answer it got then, and changes nothing."""
    check(batch)
    latest = batch.latest_stamp()
    if latest and int(latest[:13]) > now_ms + FUTURE_LIMIT_MS:
        raise ApiError(422, "the batch is stamped far ahead of the server's clock: check the device's date and time")
    # psycopg prepares a statement run five times, and PostgreSQL then plans it once for any ids: that plan read
    # every row of the user's table to find each part's ids (~400 ms a part at 20k rows). Plan each time.
    _postgres_plans(conn, "plan_cache_mode = force_custom_plan")
    seq, high, count = _locked_counter(conn, user_id)
    done = conn.execute(
        select(sync_pushes.c.ack).where(sync_pushes.c.user_id == user_id, sync_pushes.c.key == key)
    ).scalar()
    if done is not None:
        return msgspec.json.decode(done, type=PushAck)
    changed: dict[tuple[str, str], tuple[Columns, bool]] = {}  # (table, id) -> (columns, whether it was here)
    for table, rows in batch.tables.items():
        for part in _parts(rows):
            here = _rows_here(conn, user_id, table, [row.id for row in part])
            for row in part:
                known = changed.get((table, row.id))
                old = known[0] if known else here.get(row.id)
                merged = merge_columns(old, row.columns())
                if merged is not None:
                    changed[(table, row.id)] = (merged, known[1] if known else row.id in here)
    inserts, updates = [], []
    for (table, row_id), (columns, existed) in changed.items():
        seq += 1
        encoded, only = _encode(columns).decode(), _only_device(columns)
        if existed:
            updates.append(
                {"b_user": user_id, "b_tbl": table, "b_row": row_id, "u_seq": seq, "u_columns": encoded, "u_only": only}
            )
        else:
            key_of = {"user_id": user_id, "tbl": table, "row_id": row_id}
            inserts.append({**key_of, "seq": seq, "columns": encoded, "only_device": only})
    if inserts:
        conn.execute(insert(sync_rows), inserts)
    if updates:
        conn.execute(_update_row, updates)
    high = max([s for s in (high, latest) if s], default=None)
    conn.execute(
        update(sync_users).where(sync_users.c.user_id == user_id).values(seq=seq, high=high, rows=count + len(inserts))
    )
    ack = PushAck(upto=batch.upto, seq=seq, rows=len(changed))
    conn.execute(insert(sync_pushes).values(user_id=user_id, key=key, ack=_encode(ack).decode(), at=now_ms))
    return ack


_update_row = (
    update(sync_rows)
    .where(
        sync_rows.c.user_id == bindparam("b_user"),
        sync_rows.c.tbl == bindparam("b_tbl"),
        sync_rows.c.row_id == bindparam("b_row"),
    )
    .values(seq=bindparam("u_seq"), columns=bindparam("u_columns"), only_device=bindparam("u_only"))
)


# On PostgreSQL, one probe of the primary key per id: a LATERAL subquery that its LIMIT keeps from being flattened
# into a join. As ``row_id IN (...)``, rows just pushed (no statistics yet: the planner guessed one row per user and
# table) were read whole for every part of 500 ids, the ids tested as a filter: ~200 ms a part at 20k rows, and
# growing with the user's rows.
_rows_here_pg = text(
    "SELECT s.row_id, s.columns FROM unnest(CAST(:ids AS text[])) AS i(id) CROSS JOIN LATERAL "
    "(SELECT row_id, columns FROM sync_rows WHERE user_id = :user_id AND tbl = :tbl AND row_id = i.id LIMIT 1) AS s"
)


def pull(conn: Connection, user_id: str, after: int, limit: int, device: str) -> tuple[ChangeBatch, bool]:
    """The user's rows changed after sequence number ``after``, at most ``limit``, as one batch whose ``since`` and
    ``upto`` are sequence numbers; rows only ``device`` wrote are left out (it has them). And whether more follow."""
    # The user's rows in sequence are the index (user_id, seq) read in order, up to the limit. Without statistics
    # of rows just pushed (a first sync's), PostgreSQL guessed a hundred rows and read and sorted every row after
    # ``after`` for each page: ~90 ms a page at 40k rows, growing with the account.
    _postgres_plans(conn, "plan_cache_mode = force_custom_plan", "enable_sort = off")
    found = conn.execute(
        select(sync_rows.c.tbl, sync_rows.c.row_id, sync_rows.c.seq, sync_rows.c.columns, sync_rows.c.only_device)
        .where(sync_rows.c.user_id == user_id, sync_rows.c.seq > after)
        .order_by(sync_rows.c.seq)
        .limit(limit + 1)
    ).all()
    more = len(found) > limit
    found = found[:limit]
    tables: dict[str, list[RowChange]] = {}
    blobs: set[str] = set()
    for table, row_id, _, columns, only in found:
        if only == device:
            continue
        row = RowChange.of(row_id, _decode_columns(columns))
        tables.setdefault(table, []).append(row)
        if table == "document" and not row.values.get("deleted") and isinstance(row.values.get("sha256"), str):
            blobs.add(row.values["sha256"])
    high = conn.execute(select(sync_users.c.high).where(sync_users.c.user_id == user_id)).scalar()
    upto = found[-1][2] if found else after
    batch = ChangeBatch(
        format=FORMAT, device=SERVER, since=after, upto=upto, high=high, tables=tables, blobs=sorted(blobs)
    )
    return batch, more


def status(conn: Connection, user_id: str) -> SyncStatus:
    row = conn.execute(select(sync_users.c.seq, sync_users.c.rows).where(sync_users.c.user_id == user_id)).first()
    return SyncStatus(seq=row[0] if row else 0, rows=row[1] if row else 0)


def _postgres_plans(conn: Connection, *settings: str) -> None:
    """Planner settings for the rest of the transaction, on PostgreSQL (SQLite's planner needs none)."""
    if conn.dialect.name == "postgresql":
        for setting in settings:
            conn.exec_driver_sql(f"SET LOCAL {setting}")


def _locked_counter(conn: Connection, user_id: str) -> tuple[int, str | None, int]:
    """The user's sequence row, made if new, locked until the transaction ends: (seq, high, rows)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(sync_users).values(user_id=user_id, seq=0, high=None, rows=0).on_conflict_do_nothing())
    row = conn.execute(
        select(sync_users.c.seq, sync_users.c.high, sync_users.c.rows)
        .where(sync_users.c.user_id == user_id)
        .with_for_update()
    ).one()
    return int(row[0]), row[1], int(row[2])


def _rows_here(conn: Connection, user_id: str, table: str, ids: Sequence[str]) -> dict[str, Columns]:
    if conn.dialect.name == "postgresql":
        found = conn.execute(_rows_here_pg, {"user_id": user_id, "tbl": table, "ids": list(ids)})
    else:
        found = conn.execute(
            select(sync_rows.c.row_id, sync_rows.c.columns).where(
                sync_rows.c.user_id == user_id, sync_rows.c.tbl == table, sync_rows.c.row_id.in_(ids)
            )
        )
    return {row_id: _decode_columns(columns) for row_id, columns in found}


def _parts(rows: Sequence[RowChange]) -> Iterator[Sequence[RowChange]]:
    for start in range(0, len(rows), _PART):
        yield rows[start : start + _PART]


def _only_device(columns: Columns) -> str | None:
    devices = {stamp[_DEVICE_AT:] for _, stamp in columns.values()}
    return devices.pop() if len(devices) == 1 else None
