"""The database engine: one code path for SQLite (the embedded default) and PostgreSQL (psycopg 3).

Every request opens its own transaction on a pooled connection (``engine.begin()``); nothing in the process decides
order, so any number of server processes can share one PostgreSQL. On SQLite each transaction starts with
``BEGIN IMMEDIATE`` (writers queue on the file's lock instead of failing when a read turns into a write) and the file
runs in WAL mode with foreign keys on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL

_BUSY_MS = 30_000


def make_engine(url: URL) -> Engine:
    """An engine for ``url`` (as ``ServerSettings.url()`` gives it); for SQLite the file's folder is made."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _sqlite_engine(url: URL) -> Engine:
    from pathlib import Path

    if url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": _BUSY_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver's own BEGIN is replaced by ours below
        cursor = dbapi_connection.cursor()
        _wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _wal(cursor: Any) -> None:
    """Put the file in WAL mode. Switching takes the file's exclusive lock without waiting on the busy handler, so
    processes opening a new file at once (or one migrating it) may find it locked: they wait and try again; a file
    already in WAL mode needs no switch."""
    import sqlite3
    import time

    deadline = time.monotonic() + _BUSY_MS / 1000
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
