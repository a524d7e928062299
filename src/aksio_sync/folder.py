"""Sync through a shared folder (Syncthing, Dropbox, a USB stick): ``aksio sync dir PATH``.

The folder holds one subfolder per device, named by its device id, with that device's changes as files of the
wire format (``aksio_sync.wire``), each named by the part of its change log it covers::

    PATH/<device>/1-5000.changes
    PATH/<device>/5001-5230.changes
    PATH/blobs/<sha256>                 the documents' files, shared by every device

A device writes only into its own subfolder, each file whole at once (written under a temporary name, then
renamed), and reads every other. It pushes from where its files in the folder end (so a folder emptied or new
gets everything again, and a device that joins a folder sends what it has of its own), and pulls each other
device's files in order from its pull cursor (kept in its database, moved in the merge's own transaction): a
file is merged once; a file not whole yet (a sync tool still copying it) stops that device's files there until
the next sync; a file that cannot be merged (newer format, damaged) is refused in one line and stops that
device's files there too, as merging past a gap would lose what it holds.

Everything read from the folder is outside input: names are matched before use, sizes are capped before reading,
a blob is kept only if its contents hash to its name.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from aksio.atomic import write_atomic
from aksio.blobs import is_digest
from aksio.changes import DEVICE, SyncReport
from aksio.errors import AksioError, BadBatch
from aksio.service import Aksio
from aksio_sync import wire

SUFFIX = ".changes"
BLOBS = "blobs"
BATCH_ROWS = 5000  # rows a file holds at most (~1 MB); a first push of a large home writes several
FILE_LIMIT = 256 << 20  # a batch file is ~1 MB: one past this is not read
BLOB_LIMIT = 1 << 30  # a document's file
ENTRIES_LIMIT = 200_000  # names read from one folder: past this, the folder is not one of ours
_NAME = re.compile(r"([1-9][0-9]{0,17})-([1-9][0-9]{0,17})" + re.escape(SUFFIX))
_TMP = ".tmp-"


class FolderError(AksioError):
    """The shared folder cannot be used (missing, not a folder, not writable)."""


def device_peer(device: str) -> str:
    """The pull cursor's key for another device's change log, whichever way its changes come."""
    return f"device:{device}"


def sync_folder(aksio: Aksio, path: Path) -> SyncReport:
    """Put this device's new changes into the folder ``path``, merge every other device's from it, and share the
    documents' files both ways."""
    root = _folder(path)
    report = SyncReport(where=str(root))
    mine = root / aksio.db.device
    _push(aksio, root, mine, report)
    for device, files in _devices(root, aksio.db.device, report):
        _pull(aksio, device, files, report)
    _share_blobs(aksio, root / BLOBS, report)
    return report


def _folder(path: Path) -> Path:
    """The shared folder, made if its parent is there (a new folder on a stick); one line if it cannot be used."""
    root = path.expanduser()
    if root.exists() and not root.is_dir():
        raise FolderError(f"{path}: not a folder")
    if not root.exists():
        if not root.parent.is_dir():
            raise FolderError(f"{path}: no such folder (nor its parent {root.parent})")
        try:
            root.mkdir()
        except OSError as exc:
            raise FolderError(f"{path}: cannot make the folder ({exc.strerror})") from None
    if not os.access(root, os.R_OK | os.W_OK | os.X_OK):
        raise FolderError(f"{path}: cannot read and write in this folder")
    return root.resolve()


# -- push -----------------------------------------------------------------------------------------------------


def _push(aksio: Aksio, root: Path, mine: Path, report: SyncReport) -> None:
    """Write this device's changes past what its files in the folder cover, a file per batch."""
    last = aksio.last_change()
    covered = _covered(_files(mine, report))
    if covered > last:
        raise FolderError(
            f"{mine}: this folder holds changes {last + 1}-{covered} of this device that its database never made: "
            "another home uses this device's id (a copied data folder?); sync that one into a new folder"
        )
    cursor = covered
    while cursor < last:
        batch, upto = aksio.changes_since(cursor, BATCH_ROWS)
        if upto == cursor:
            break
        if batch.size:
            mine.mkdir(exist_ok=True)
            _write_atomic(mine / f"{cursor + 1}-{upto}{SUFFIX}", wire.encode(batch))
            report.pushed += 1
            report.pushed_rows += batch.size
        cursor = upto
    aksio.set_sync_cursor(f"folder:{root}", "push", cursor)


def _covered(files: list[tuple[int, int, Path]]) -> int:
    """How far a device's files cover its change log from the start without a gap."""
    covered = 0
    for start, end, _ in files:
        if start > covered + 1:
            break
        covered = max(covered, end)
    return covered


def _write_atomic(target: Path, data: bytes | Path) -> None:
    """Write ``data`` (or the file it names, copied in parts) as ``target`` at once: under a temporary name (which
    readers pass over) until it is whole and on disk, then renamed."""

    def fill(fh: BinaryIO) -> None:
        if isinstance(data, Path):
            with data.open("rb") as source:
                shutil.copyfileobj(source, fh, 1 << 20)
        else:
            fh.write(data)

    write_atomic(target, fill, prefix=_TMP, durable=True)


# -- pull -----------------------------------------------------------------------------------------------------


def _devices(root: Path, me: str, report: SyncReport) -> Iterator[tuple[str, list[tuple[int, int, Path]]]]:
    """Every other device's subfolder, by device id, with its files in order."""
    for entry in _entries(root, report):
        if entry.name != me and DEVICE.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False):
            yield entry.name, _files(Path(entry.path), report)


def _entries(folder: Path, report: SyncReport) -> list[os.DirEntry[str]]:
    """The entries of ``folder`` (none if it is not there), at most ``ENTRIES_LIMIT`` of them, sorted by name."""
    found: list[os.DirEntry[str]] = []
    try:
        with os.scandir(folder) as scan:
            for entry in scan:
                if len(found) >= ENTRIES_LIMIT:
                    report.refused.append(f"{folder}: more than {ENTRIES_LIMIT} entries; only the first were read")
                    break
                found.append(entry)
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        report.refused.append(f"{folder}: cannot be read ({exc.strerror})")
        return []
    return sorted(found, key=lambda e: e.name)


def _files(folder: Path, report: SyncReport) -> list[tuple[int, int, Path]]:
    """A device's batch files as (first, last change, path), in order; other names are passed over."""
    files = []
    for entry in _entries(folder, report):
        named = _NAME.fullmatch(entry.name)
        if named and int(named[1]) <= int(named[2]):
            files.append((int(named[1]), int(named[2]), Path(entry.path)))
    return sorted(files)


def _pull(aksio: Aksio, device: str, files: list[tuple[int, int, Path]], report: SyncReport) -> None:
    """Merge a device's files past its pull cursor, in order, each in one transaction with the cursor's move;
    stop at a gap, at a file not whole yet, or at one refused."""
    peer = device_peer(device)
    cursor = aksio.sync_cursor(peer, "pull")
    for start, end, path in files:
        if end <= cursor:
            continue  # merged before (or covered by a longer file merged before)
        if start > cursor + 1:
            report.waiting.append(f"{path}: waiting for changes {cursor + 1}-{start - 1} of device {device[-12:]}")
            return
        try:
            batch = wire.decode(_read(path), str(path))
            if (batch.device, batch.since, batch.upto) != (device, start - 1, end):
                raise BadBatch(f"{path}: damaged (its name and its contents name different changes)")
            report.add(aksio.apply_changes(batch, pulled=(peer, end)))
        except wire.IncompleteBatch as exc:
            report.waiting.append(str(exc))
            return
        except BadBatch as exc:
            report.refused.append(str(exc))
            return
        cursor = end


def _read(path: Path) -> bytes:
    """A batch file's bytes, refused unread past ``FILE_LIMIT``."""
    try:
        with path.open("rb") as fh:
            if os.fstat(fh.fileno()).st_size > FILE_LIMIT:
                raise BadBatch(f"{path}: larger than a batch file may be ({FILE_LIMIT >> 20} MB)")
            return fh.read(FILE_LIMIT + 1)
    except OSError as exc:
        raise wire.IncompleteBatch(f"{path}: cannot be read now ({exc.strerror})") from None


# -- documents' files -------------------------------------------------------------------------------------------


def _share_blobs(aksio: Aksio, shared: Path, report: SyncReport) -> None:
    """Put the files of this home's live documents into the folder where missing, and take in the ones it lacks
    where the folder has them whole."""
    for digest in aksio.live_blobs():
        if not is_digest(digest):  # a document's row from another device names its file: checked, never a path
            report.refused.append(f"a document names its file {digest[:80]!r}, which is no sha256: passed over")
            continue
        there = shared / digest
        if aksio.blobs.has(digest):
            if not there.exists():
                shared.mkdir(exist_ok=True)
                _write_atomic(there, aksio.blobs.path(digest))
                report.blobs_sent += 1
            continue
        try:
            with there.open("rb") as fh:
                if aksio.blobs.put_stream(fh, digest, BLOB_LIMIT):
                    report.blobs_received += 1
        except FileNotFoundError:
            report.missing_blobs.append(digest)
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            report.refused.append(f"{there}: {reason}")
            report.missing_blobs.append(digest)
