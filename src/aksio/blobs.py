"""Content-addressed blob store: the original of every imported file, kept so that it can be synced."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO, Protocol

from aksio.atomic import write_atomic

TMP_PREFIX = ".tmp-"
# A blob is written in one call and renamed at once, so a live writer's temporary file is seconds old; one this
# old was left by an import that was killed, and nothing else will ever rename or remove it.
STALE_TMP_SECONDS = 3600
_DIGEST = re.compile(r"[0-9a-f]{64}")
_PART = 1 << 20  # a stream is read this much at a time


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_digest(text: str) -> bool:
    """Whether ``text`` names a blob (a sha256 in lowercase hex): a name from outside is checked before use."""
    return _DIGEST.fullmatch(text) is not None


class Readable(Protocol):
    """What a blob is read from in parts: a file, a response's body, a ``ChunkReader`` over an iterator."""

    def read(self, size: int, /) -> bytes: ...


class ChunkReader:
    """A ``Readable`` over an iterator of byte chunks (a request body arriving piece by piece)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = b""

    def read(self, size: int = -1, /) -> bytes:
        if size < 0:
            out, self._pending = self._pending + b"".join(self._chunks), b""
            return out
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return b""
            self._pending = bytes(chunk)
        out, self._pending = self._pending[:size], self._pending[size:]
        return out


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def put(self, data: bytes, digest: str | None = None) -> bool:
        """Store ``data`` under its sha256, atomically. True if this call wrote it (False: it was there)."""
        return self._write(digest or sha256(data), lambda fh: fh.write(data))

    def put_stream(self, source: Readable, digest: str, limit: int) -> bool:
        """Store what ``source`` holds as blob ``digest``, read in parts, at most ``limit`` bytes: nothing is kept
        unless it is whole and its sha256 is ``digest`` (a file that was changed, damaged or is not what it is
        named). True if this call wrote it (False: it was there); a mismatch or an overlong stream raises
        ``ValueError`` saying which."""
        if not is_digest(digest):
            raise ValueError(f"{digest!r} is not a sha256")

        def copy(fh: BinaryIO) -> None:
            hashed, size = hashlib.sha256(), 0
            while part := source.read(_PART):
                size += len(part)
                if size > limit:
                    raise ValueError(f"larger than a document's file may be ({limit >> 20} MB)")
                hashed.update(part)
                fh.write(part)
            if hashed.hexdigest() != digest:
                raise ValueError("its contents are not what its name says (damaged, or changed)")

        return self._write(digest, copy)

    def _write(self, digest: str, fill: Callable[[BinaryIO], object]) -> bool:
        """Write blob ``digest`` with ``fill`` under a temporary name, renamed once whole (removed if ``fill``
        raises). False, writing nothing, if the blob is there already."""
        target = self.path(digest)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, fill, prefix=TMP_PREFIX)
        return True

    def discard(self, digest: str) -> None:
        """Remove a blob; the caller knows that no document refers to it."""
        self.path(digest).unlink(missing_ok=True)

    def has(self, digest: str) -> bool:
        return is_digest(digest) and self.path(digest).exists()

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    def sweep_stale_tmp(self, older_than: float = STALE_TMP_SECONDS) -> int:
        """Remove the temporary files killed imports left behind (older than ``older_than`` seconds): how many.

        A file that cannot be removed is left for next time."""
        # the wall clock of the machine that stamped the mtimes, not the app's (possibly fixed) clock
        limit = time.time() - older_than
        removed = 0
        for tmp in self.root.glob(f"*/{TMP_PREFIX}*"):
            with suppress(OSError):
                if tmp.lstat().st_mtime < limit:
                    tmp.unlink()
                    removed += 1
        return removed

    def sweep_unused(self, used: Callable[[str], bool], older_than: float = STALE_TMP_SECONDS) -> int:
        """Remove blobs no document refers to (``used`` says which do), older than ``older_than`` seconds: how many.

        An import killed between storing its original and committing its rows leaves such a blob. The caller holds
        the database's write lock, under which every import stores its blob, so no import can be between the two
        now; the age keeps a blob that another device's document may still come to name (sync) for a while."""
        limit = time.time() - older_than
        removed = 0
        for blob in self.root.glob("*/*"):
            if not _DIGEST.fullmatch(blob.name) or blob.parent.name != blob.name[:2]:
                continue  # not a blob of ours: never touched
            with suppress(OSError):
                if blob.lstat().st_mtime < limit and not used(blob.name):
                    blob.unlink()
                    removed += 1
        return removed
