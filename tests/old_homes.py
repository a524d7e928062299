"""Data dirs as an older Aksio left them: the schema of the first migrations only, rows written in SQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from aksio.storage.db import APP_MARK
from aksio.storage.migrations import MIGRATIONS

OLD_DEVICE = "0190aaaa-0000-7000-8000-0000000000aa"


@contextmanager
def old_home(home: Path, version: int) -> Iterator[sqlite3.Connection]:
    """A connection to ``home``'s new database at schema ``version``, for the test to fill; closed on exit."""
    home.mkdir(parents=True)
    with closing(sqlite3.connect(home / "aksio.db", isolation_level=None)) as conn:
        for number, script in enumerate(MIGRATIONS[:version], start=1):
            conn.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [("app", APP_MARK), ("device_id", OLD_DEVICE)])
        yield conn
