"""Writing a file whole or not at all: under a temporary name in its own folder (which readers pass over), renamed
over the target once written. A reader sees the old file or the new one, never a part; a failure leaves nothing."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomic(
    target: Path,
    fill: Callable[[BinaryIO], object],
    *,
    prefix: str = ".tmp-",
    suffix: str = "",
    durable: bool = False,
    mode: int | None = None,
) -> None:
    """Write ``target`` with what ``fill`` writes into the file it is given. ``durable``: on disk (fsync) before
    the rename, for a file another machine or a crash must find whole; ``mode``: the file's permissions, set
    before the rename (a token or a key is never readable by others, not even for a moment)."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=suffix)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fill(fh)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
