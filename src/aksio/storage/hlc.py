"""Hybrid logical clock stamps.

A stamp is ``"<wall ms, 13 digits>-<counter, 4 hex>-<device id>"`` so that stamps compare correctly
as plain strings: by wall time, then counter, then device id. That total order is what
last-writer-wins merging in sync needs, even when device clocks are skewed.
"""

from __future__ import annotations

from dataclasses import dataclass

from aksio.clock import Clock

_MAX_COUNTER = 0xFFFF


@dataclass(frozen=True, order=True)
class Stamp:
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
        wall = self._wall()
        out: list[str] = []
        for _ in range(n):
            if wall > self._last.wall_ms:
                self._last = Stamp(wall, 0, self._device)
            elif self._last.counter < _MAX_COUNTER:
                self._last = Stamp(self._last.wall_ms, self._last.counter + 1, self._device)
            else:  # counter exhausted within one millisecond: borrow the next millisecond
                self._last = Stamp(self._last.wall_ms + 1, 0, self._device)
            out.append(str(self._last))
        return out

    def receive(self, remote: str) -> None:
        """Move past a stamp received from another device, so later local writes win over it."""
        other = Stamp.parse(remote)
        if (other.wall_ms, other.counter) > (self._last.wall_ms, self._last.counter):
            self._last = Stamp(other.wall_ms, other.counter, self._device)
