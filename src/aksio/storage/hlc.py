"""Hybrid logical clock stamps.

A stamp is ``"<wall ms, 13 digits>-<counter, 4 hex>-<device id>"`` so that stamps compare correctly
as plain strings: by wall time, then counter, then device id. That total order is what
last-writer-wins merging in sync needs, even when device clocks are skewed.
"""

from __future__ import annotations

from aksio.clock import Clock
from aksio.records import FrozenRecord

_MAX_COUNTER = 0xFFFF


class Stamp(FrozenRecord, frozen=True, order=True):
    wall_ms: int
    counter: int
    device: str

    def __str__(self) -> str:
        return f"{self.wall_ms:013d}-{self.counter:04x}-{self.device}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        wall, counter, device = text.split("-", 2)
        return cls(int(wall), int(counter, 16), device)


class HybridClock:
    """Issues strictly increasing stamps for one device and absorbs stamps seen from others."""

    def __init__(self, clock: Clock, device: str, last: Stamp | None = None) -> None:
        self._clock = clock
        self._device = device
        self._last = last or Stamp(0, 0, device)

    @property
    def last(self) -> Stamp:
        return self._last

    def _wall(self) -> int:
        return int(self._clock.now().timestamp() * 1000)

    def tick(self) -> str:
        """A new stamp for a local write, greater than every stamp issued or received so far."""
        return self.tick_many(1)[0]

    def tick_many(self, n: int) -> list[str]:
        """``n`` increasing stamps for one batch of writes, reading the wall clock once."""
        wall, counter = max(self._wall(), self._last.wall_ms), 0
        if wall == self._last.wall_ms:
            counter = self._last.counter + 1
        out: list[str] = []
        device = self._device
        while len(out) < n:
            if counter > _MAX_COUNTER:  # counter exhausted within one millisecond: borrow the next one
                wall, counter = wall + 1, 0
            take = min(n - len(out), _MAX_COUNTER + 1 - counter)
            prefix = f"{wall:013d}-"
            out.extend([f"{prefix}{c:04x}-{device}" for c in range(counter, counter + take)])
            counter += take
        self._last = Stamp.parse(out[-1]) if out else self._last
        return out

    def receive(self, remote: str) -> None:
        """Move past a stamp received from another device, so later local writes win over it."""
        other = Stamp.parse(remote)
        if (other.wall_ms, other.counter) > (self._last.wall_ms, self._last.counter):
            self._last = Stamp(other.wall_ms, other.counter, self._device)
