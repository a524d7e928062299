"""The one door from the app to the core: calls run in worker threads, one at a time (one SQLite connection)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from aksio.service import Aksio

T = TypeVar("T")


class CoreGate:
    """Serializes calls into the facade: workers may run at once, the database is used by one at a time."""

    def __init__(self, aksio: Aksio) -> None:
        self.aksio = aksio
        self._lock = threading.Lock()
        # called (on the calling thread) after a call that committed a change: the app syncs a little later
        self.on_change: Callable[[], object] | None = None

    def __call__(self, fn: Callable[[Aksio], T]) -> T:
        with self._lock:
            db = self.aksio.db
            before = db.generation  # commits through this connection: counting them costs nothing
            try:
                return fn(self.aksio)
            finally:
                if db.generation != before and self.on_change is not None:
                    self.on_change()

    def prefetch(self, fn: Callable[[Aksio], T]) -> Future[T]:
        """Start ``fn`` on a thread of its own now (e.g. while the app is still starting) and return its future."""
        future: Future[T] = Future()

        def run() -> None:
            try:
                future.set_result(self(fn))
            except BaseException as exc:  # handed to whoever takes the result
                future.set_exception(exc)

        threading.Thread(target=run, name="aksio-prefetch", daemon=True).start()
        return future
