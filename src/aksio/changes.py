"""The change records devices exchange: a batch of one device's changes, as the core reads them from its change log
(``Aksio.changes_since``) and merges them (``Aksio.apply_changes``). The core owns these records; how they travel
(a versioned wire format with a checksum, a folder, HTTP) is ``aksio_sync``'s.

A batch carries whole rows, each value with the stamp of the write that set it, so that the receiver keeps, column
by column, whichever write came last (its stamp ends with its device's id: two devices never tie). A row's
deletion is its ``deleted`` column; its tags travel as ``tag_entry`` rows; reviews are rows like any other, with
ids of their own, never changed once made, so they never conflict.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from msgspec import field

from aksio.records import FrozenRecord, Record

# The version of these records. A batch of a later one is refused whole (upgrade Aksio to read it); a version
# that only adds tables or columns keeps the number, as a column this version does not know is refused by name.
FORMAT = 1

# how far ahead of the receiver's clock a stamp may be: clocks a day or two wrong still sync, a stamp further out is
# a broken clock or a forgery, which would carry every clock that merged it there for good
FUTURE_LIMIT_MS = 30 * 86_400_000

# "<wall ms, 13 digits>-<counter, 4 hex>-<device id>" (storage/hlc.py)
DEVICE = re.compile(r"[0-9A-Za-z-]{1,64}")  # a device's id, as its stamps end with it
STAMP = re.compile(rf"\d{{13}}-[0-9a-f]{{4}}-{DEVICE.pattern}")


class RowChange(FrozenRecord, frozen=True):
    """One synced row as its sender holds it: every value column, each with the stamp of its last write. Most of
    a row's columns share one stamp (its insert's), so a row carries that one and the exceptions."""

    id: str
    stamp: str  # the stamp of every column not in ``stamps``
    values: dict[str, Any]
    stamps: dict[str, str] = field(default_factory=dict)

    def columns(self) -> dict[str, tuple[Any, str]]:
        """Each value with the stamp of its write."""
        return {c: (v, self.stamps.get(c, self.stamp)) for c, v in self.values.items()}

    @classmethod
    def of(cls, row_id: str, columns: Mapping[str, tuple[Any, str]]) -> RowChange:
        """The row given as its columns with their stamps, carrying their most common stamp once."""
        counted = Counter(stamp for _, stamp in columns.values())
        base = min(counted, key=lambda stamp: (-counted[stamp], stamp)) if counted else ""
        return cls(
            id=row_id,
            stamp=base,
            values={c: v for c, (v, _) in columns.items()},
            stamps={c: stamp for c, (_, stamp) in columns.items() if stamp != base},
        )


def merge_columns(
    here: Mapping[str, tuple[Any, str]] | None, incoming: Mapping[str, tuple[Any, str]]
) -> dict[str, tuple[Any, str]] | None:
    """A row's columns after another device's version of it is merged, as a device merges it: each column
    takes the incoming value whose stamp is later than its own (a stamp ends with its device's id, so two
    writes never tie), a column or row not here takes what comes. None when nothing comes out newer. The
    server keeps its users' rows by this rule; a device's storage applies the same rule in SQL
    (``aksio.storage.stamps``), and a test holds the two to the same results."""
    if here is None:
        return dict(incoming)
    later = {c: vs for c, vs in incoming.items() if c not in here or vs[1] > here[c][1]}
    return {**here, **later} if later else None


class ChangeBatch(FrozenRecord, frozen=True):
    """The changes one device made after a point of its change log: rows by table, and the blobs (documents'
    files, by sha256) its live documents refer to, for a transport to ship beside it."""

    format: int
    device: str  # the device whose changes these are
    since: int  # its change log's sequence number the batch starts after
    upto: int  # ... and the last one it covers: ``changes_since(upto)`` gives the next batch
    high: str | None  # the highest stamp the sender had issued or seen: the receiver's clock moves past it
    tables: dict[str, list[RowChange]]
    blobs: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """How errors and held rows name the batch."""
        return f"batch {self.since + 1}-{self.upto} of device {self.device[-12:]}"

    @property
    def size(self) -> int:
        return sum(len(rows) for rows in self.tables.values())

    def latest_stamp(self) -> str:
        """The latest stamp the batch carries ("" if none): its sender's clock and every value's."""
        given = [self.high or ""]
        for rows in self.tables.values():
            given.extend(row.stamp for row in rows)
            given.extend(stamp for row in rows if row.stamps for stamp in row.stamps.values())
        return max(given)


class MergeReport(Record, kw_only=True):
    """What merging a batch did."""

    rows: int = 0  # rows inserted or changed
    held: int = 0  # rows waiting for a parent row that has not arrived (from this batch or earlier ones)
    released: int = 0  # rows held by an earlier merge, merged now that their parent is here
    deleted: int = 0  # rows that arrived under a parent deleted here (or whose parent's delete arrived): deleted
    cards: int = 0  # cards whose scheduling state was derived again
    chunks: int = 0  # chunks put into or taken out of the search index
    missing_blobs: list[str] = field(default_factory=list)  # files of live documents this home does not have


class HeldChange(FrozenRecord, frozen=True):
    """A row from another device waiting for its parent: merged by the first merge that brings the parent."""

    table: str
    row_id: str
    waits_for: str  # "<table> <id>"
    batch: str  # the batch that brought it (its latest version)


class SyncReport(Record, kw_only=True):
    """What one sync with a transport did (a shared folder now, a server next): what went out, what came in and
    was merged, what waits, and what was refused (one line each, naming the file or batch and why)."""

    where: str  # the folder or server synced with
    pushed: int = 0  # batches of this device's changes put out
    pushed_rows: int = 0
    pulled: int = 0  # batches of other devices' changes merged here
    merged: MergeReport = field(default_factory=MergeReport)  # their merges, added up
    waiting: list[str] = field(default_factory=list)  # batches not whole yet (a sync tool still copying): next time
    refused: list[str] = field(default_factory=list)  # batches that cannot be merged, and why
    blobs_sent: int = 0  # documents' files put out for the other devices
    blobs_received: int = 0  # ... and taken in from them
    missing_blobs: list[str] = field(default_factory=list)  # files of live documents neither here nor there yet

    def add(self, merged: MergeReport) -> None:
        """Count one merged batch."""
        total = self.merged
        self.pulled += 1
        total.rows += merged.rows
        total.released += merged.released
        total.deleted += merged.deleted
        total.cards += merged.cards
        total.chunks += merged.chunks
        total.held = merged.held  # what waits now, not a sum
