"""The app's background sync with the home's server: one sync at a time, on a thread, through a facade of its own.

The app's facade is one SQLite connection that its workers take turns on (``CoreGate``); a sync can take seconds
(a new device's first pull, a document's file), so it opens its own connection to the same home instead and
never holds the app's. Whatever a sync ends with (done, offline, a token refused, a batch refused, a bug) is a
state for the header, never an exception for the app. ``aksio_sync`` (and httpx with it) is imported on the
sync's thread, when a home is signed in: an app that does not sync never loads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from datetime import tzinfo

    from aksio.clock import Clock

ACCOUNT_FILE = "sync.json"  # aksio_sync.client.ACCOUNT_FILE: read here to know, without importing it, to sync
LOCAL = "local only (sync not set up)"
SIGN_IN = "sign in again with `aksio sync login URL --email ADDRESS`"

Kind = Literal["local", "syncing", "synced", "offline", "signed_out", "error"]


@dataclass(frozen=True)
class Outcome:
    """What one sync ended with: ``merged`` rows from other devices (the screens show them), ``detail`` the
    error's line for ``error`` and ``signed_out``."""

    kind: Kind
    host: str = ""
    merged: int = 0
    detail: str = ""


@dataclass(frozen=True)
class SyncState:
    """What the header says about sync: the last outcome, and when this app last synced (None: not yet)."""

    kind: Kind = "local"
    host: str = ""
    detail: str = ""
    synced_at: datetime | None = None

    def after(self, outcome: Outcome, now: datetime) -> SyncState:
        """The state once ``outcome`` is in (at ``now``)."""
        synced_at = now if outcome.kind == "synced" else self.synced_at
        return SyncState(outcome.kind, outcome.host or self.host, outcome.detail, synced_at)

    def syncing(self) -> SyncState:
        return replace(self, kind="syncing")

    def line(self, now: datetime) -> str:
        """The header's words for it (host names and server messages are text from outside: the header shows
        them as text, never markup)."""
        host = self.host or "the server"
        if self.kind == "local":
            return LOCAL
        if self.kind == "syncing":
            return f"syncing with {self.host}…" if self.host else "syncing…"
        if self.kind == "synced":
            return f"synced with {host} {ago(self.synced_at, now)}"
        if self.kind == "offline":
            when = f"last synced {ago(self.synced_at, now)}" if self.synced_at else "changes wait here"
            return f"offline ({when})"
        if self.kind == "signed_out":
            return f"{host}: sign in again"
        return f"sync error: {self.detail}"


def ago(then: datetime | None, now: datetime) -> str:
    """'just now', '5 min ago', '3 h ago', '2 days ago'."""
    seconds = (now - then).total_seconds() if then else 0
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return f"{days} day{'s' if days != 1 else ''} ago"


def signed_in(home: Path) -> bool:
    """Whether ``home`` has an account file (read on a sync's thread; a broken one is that sync's error)."""
    return (home / ACCOUNT_FILE).is_file()


def host_in(home: Path) -> str:
    """The host ``home``'s account file names, read with the standard library (not ``aksio_sync``, which the
    app loads only on a sync's thread); "" when it names none."""
    try:
        url = json.loads((home / ACCOUNT_FILE).read_bytes()).get("url")
    except (OSError, ValueError, AttributeError):
        return ""
    return host_of(url) if isinstance(url, str) else ""


def host_of(url: str) -> str:
    """A server address as the header names it: its host (and port)."""
    return urlsplit(url).netloc.rpartition("@")[2] or url


def sync_home(home: Path, clock: Clock, tz: tzinfo | None) -> Outcome:
    """Sync ``home`` with its server now, through a facade of its own; every way it can end is an ``Outcome``."""
    try:
        return _sync(home, clock, tz)
    except Exception as exc:  # a bug: a state with its report line, never a traceback over the study screen
        return Outcome("error", detail=f"something went wrong ({type(exc).__name__}: {exc}); please report it")


def _sync(home: Path, clock: Clock, tz: tzinfo | None) -> Outcome:
    from aksio.errors import AksioError
    from aksio.service import Aksio
    from aksio_sync.client import NotSignedIn, SyncError, Unreachable, load_account, sync_now

    try:
        account = load_account(home)
    except SyncError as exc:
        return Outcome("error", detail=str(exc))
    if account is None:
        return Outcome("local")
    host = host_of(account.url)
    try:
        with Aksio.open(home, clock, tz) as aksio:
            report = sync_now(aksio)
    except NotSignedIn as exc:
        return Outcome("signed_out", host, detail=str(exc))
    except Unreachable as exc:
        return Outcome("offline", host, detail=str(exc))
    except AksioError as exc:
        return Outcome("error", host, detail=str(exc))
    merged = report.merged.rows + report.blobs_received
    if report.refused:
        return Outcome("error", host, merged, report.refused[-1])
    return Outcome("synced", host, merged)
