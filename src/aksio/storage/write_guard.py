"""The write guard: a synced table changes only through the writer that stamps and logs.

Every connection to a home carries an SQLite authorizer (``WriteGuard``) that refuses to prepare an INSERT,
UPDATE or DELETE on a synced table unless a stamping path is running: a ``Writer`` method that stamps and logs
(``insert_rows``, ``update``, ``tombstone``), a merge of another device's columns, the tags written from their
entries, or a migration. Any other write (``Writer.execute``, ``db.conn.execute``) fails with SQLite's "not
authorized" before it runs, so a change that would never sync, or would sync without its stamp, cannot be made.

SQLite asks the authorizer when it prepares a statement, and Python's sqlite3 keeps prepared statements in a
cache keyed by their text: a raw write is refused at its first prepare (no stamping path ever prepares that
text), and a statement that was refused is never cached. The check costs one Python call per clause of a
statement at its prepare, none on a cached statement: an answer's statements are all cached after the first.

It is on where ``AKSIO_WRITE_GUARD`` is set (the test suite sets it: a test fails on any other write path), not
for students: a Python authorizer takes the GIL inside SQLite's connection mutex, so two threads sharing one
connection (the TUI's prefetch thread and a test's thread reading the same facade did) deadlock instead of
taking turns. The stamping paths are marked either way.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

if TYPE_CHECKING:
    from aksio.storage.db import Writer

_P = ParamSpec("_P")
_R = TypeVar("_R")
_WRITES = frozenset({sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE})
ENV = "AKSIO_WRITE_GUARD"  # set (to anything but "" or "0"): every connection opened carries the guard


class WriteGuard:
    """One connection's authorizer: writes to ``guarded`` tables pass only inside ``stamping()``."""

    def __init__(self, guarded: frozenset[str]) -> None:
        self.guarded = guarded
        self.enforced = os.environ.get(ENV, "") not in ("", "0")  # read when the connection opens
        self.depth = 0  # stamping paths running (they nest: an update that changes tags writes entries)

    def __call__(self, action: int, arg1: str | None, arg2: str | None, db: str | None, source: str | None) -> int:
        if not self.depth and action in _WRITES and arg1 in self.guarded:
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    @contextmanager
    def stamping(self) -> Iterator[None]:
        """Let writes to the guarded tables through: the caller stamps and logs them."""
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1


def stamping_path(
    method: Callable[Concatenate[Writer, _P], _R],
) -> Callable[Concatenate[Writer, _P], _R]:
    """Mark a function whose first argument is the ``Writer`` as a path that stamps and logs what it writes to
    synced tables (or, for a merge, writes another device's stamped values unlogged): the guard lets it write."""

    @wraps(method)
    def guarded(w: Writer, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        guard = w.db.guard
        guard.depth += 1
        try:
            return method(w, *args, **kwargs)
        finally:
            guard.depth -= 1

    return guarded
