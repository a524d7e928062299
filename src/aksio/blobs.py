"""Content-addressed blob store: the original of every imported file, kept so that it can be synced."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

TMP_PREFIX = ".tmp-"
# A blob is written in one call and renamed at once, so a live writer's temporary file is seconds old; one this
# old was left by an import that was killed, and nothing else will ever rename or remove it.
STALE_TMP_SECONDS = 3600
_DIGEST = re.compile(r"[0-9a-f]{64}")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def put(self, data: bytes, digest: str | None = None) -> bool:
        """Store ``data`` under its sha256, atomically. True if this call wrote it (False: it was there)."""
        digest = digest or sha256(data)
        target = self.path(digest)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=TMP_PREFIX)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True

    def discard(self, digest: str) -> None:
        """Remove a blob; the caller knows that no document refers to it."""
        self.path(digest).unlink(missing_ok=True)

    def has(self, digest: str) -> bool:
        return self.path(digest).exists()

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
