"""Every failure a user can see is an ``AksioError`` with a message a student understands."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class AksioError(Exception):
    """Base of all user-facing errors. ``str(error)`` suits every front end; ``cli_hint`` is the command-line advice
    (`aksio course list` shows your courses) that only the CLI adds, as there is no `aksio ...` to type in the app."""

    exit_code = 1

    def __init__(self, *args: object, cli_hint: str | None = None) -> None:
        super().__init__(*args)
        self.cli_hint = cli_hint


class NotFound(AksioError):
    """A course, document, card... named by the user does not exist."""


class Ambiguous(AksioError):
    """A name or id prefix matches more than one row."""


class InvalidInput(AksioError):
    """A value the user typed is not acceptable."""


class Conflict(AksioError):
    """What the user acted on was changed meanwhile by another Aksio (another window, a script): not done."""


class ConfigError(AksioError):
    """The configuration file or an environment variable is invalid."""


class DatabaseError(AksioError):
    """The database file is corrupt, locked, or from a newer Aksio."""


class ReadOnly(DatabaseError):
    """The data dir or the database file cannot be written: nothing was changed."""


class DiskFull(DatabaseError):
    """The disk holding the data dir is full: nothing was changed."""


class BadBatch(AksioError):
    """A batch of another device's changes that cannot be merged (newer format, damaged, unknown columns):
    nothing of it was applied."""


class ImportFailed(AksioError):
    """One file could not be imported; ``path`` names it."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def one_of(
    found: list[T],
    ref: str,
    what: str,
    described: list[str],
    hint: str,
    listing: str = "",
    *,
    cli_hint: str | None = None,
) -> T:
    """The single row a user's reference names, else a one-line NotFound or Ambiguous error (``cli_hint``: the
    Ambiguous error's command-line advice)."""
    if not found:
        raise NotFound(f"no {what} {ref!r}", cli_hint=f"`aksio {listing or what + ' list'}` shows your {what}s")
    if len(found) > 1:
        raise Ambiguous(f"{ref!r} matches {len(found)} {what}s: {', '.join(described[:5])}; {hint}", cli_hint=cli_hint)
    return found[0]


def read_only(where: Path, what: str = "the data dir") -> ReadOnly:
    """The error for a write refused because ``where`` (``what``: the data dir, the database file) is read-only."""
    return ReadOnly(f"cannot write to {where}: {what} is read-only; nothing was changed")


def disk_full(where: Path) -> DiskFull:
    """The error for a write that found no room on the disk holding ``where``, with the room left there."""
    try:
        free = f"{shutil.disk_usage(where).free / 1e6:.1f} MB free at {where}"
    except OSError:
        free = f"at {where}"
    return DiskFull(f"the disk is full ({free}): free some space and try again; nothing was changed")


def os_failure(exc: OSError, where: Path) -> DatabaseError | None:
    """What a failed write under ``where`` means to a student (disk full, read-only), or None for other causes."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return disk_full(where)
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return read_only(where)
    return None


def within(value: int, low: int, high: int, what: str) -> int:
    """``value`` if ``low <= value <= high``, else a one-line InvalidInput saying what ``what`` may be (a number
    typed far out of range would otherwise overflow SQLite's integers or a date somewhere deeper)."""
    if value < low:
        raise InvalidInput(f"{what} must be at least {low}")
    if value > high:
        raise InvalidInput(f"{what} must be at most {high}")
    return value


def list_limit(limit: int | None) -> int | None:
    """A list's ``--limit`` (None: no limit), checked: up to ten million, past any deck."""
    return None if limit is None else within(limit, 1, 10_000_000, "--limit")
