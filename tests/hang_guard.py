"""For tests of hostile input: stop a block that hangs, and check that a refused file left nothing behind."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from aksio.service import Aksio


class Hung(BaseException):
    """Raised into a block that ran past its time cap. A BaseException, so that no ``except Exception`` in the code
    under test turns a hang into an ordinary failure."""


@contextmanager
def time_cap(seconds: float) -> Iterator[None]:
    """Raise ``Hung`` in the block if it runs longer than ``seconds`` (a guard against hangs, far above the time the
    block needs: not a timing check). Needs SIGALRM, so it guards only on POSIX and in the main thread; a C call
    is interrupted when it returns to Python."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def assert_nothing_left(aksio: Aksio, home: Path) -> None:
    """No document of any kind, live or not, and no stored original: what a refused file must leave."""
    assert aksio.db.query("SELECT count(*) FROM document")[0][0] == 0
    assert aksio.db.query("SELECT count(*) FROM chunk")[0][0] == 0
    blobs = home / "blobs"
    assert not blobs.exists() or not any(p.is_file() for p in blobs.rglob("*"))
    assert aksio.db.query("PRAGMA integrity_check")[0][0] == "ok"
