"""The one door from the app to the core: calls run in worker threads, one at a time (one SQLite connection)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from aksio.service import Aksio

T = TypeVar("T")


class CoreGate:
    """Serializes calls into the facade: workers may run at once, the database is used by one at a time."""

    def __init__(self, aksio: Aksio) -> None:
        self.aksio = aksio
        self._lock = threading.Lock()

    def __call__(self, fn: Callable[[Aksio], T]) -> T:
        with self._lock:
            return fn(self.aksio)
