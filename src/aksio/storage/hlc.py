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
    """Issues strictly increasing stamps for one device and absorbs stamps seen from others.

    In memory only: ``storage.db.Writer`` catches it up with the home's stored high-water mark inside each
    write transaction and stores the new mark before it commits, so that every process and connection on one
    home shares one clock.
    """

    def __init__(self, clock: Clock, device: str, last: Stamp | None = None) -> None:
        self._clock = clock
        self._device = device
        last = last or Stamp(0, 0, device)
        self._wall_ms, self._counter = last.wall_ms, last.counter
        self._text = str(Stamp(last.wall_ms, last.counter, device))

    @property
    def last(self) -> Stamp:
        return Stamp(self._wall_ms, self._counter, self._device)

    @property
    def last_text(self) -> str:
        """The last stamp issued or moved past, as text (what the database stores)."""
        return self._text

    def _wall(self) -> int:
        return int(self._clock.now().timestamp() * 1000)

    def tick(self) -> str:
        """A new stamp for a local write, greater than every stamp issued or received so far."""
        return self.tick_many(1)[0]

    def tick_many(self, n: int) -> list[str]:
        """``n`` increasing stamps for one batch of writes, reading the wall clock once."""
        wall, counter = max(self._wall(), self._wall_ms), 0
        if wall == self._wall_ms:
            counter = self._counter + 1
        out: list[str] = []
        device = self._device
        while len(out) < n:
            if counter > _MAX_COUNTER:  # counter exhausted within one millisecond: borrow the next one
                wall, counter = wall + 1, 0
            take = min(n - len(out), _MAX_COUNTER + 1 - counter)
            prefix = f"{wall:013d}-"
            out.extend([f"{prefix}{c:04x}-{device}" for c in range(counter, counter + take)])
            counter += take
        if out:  # kept as numbers and text: parsing the last stamp back cost as much as making it
            self._wall_ms, self._counter, self._text = wall, counter - 1, out[-1]
        return out

    def receive(self, stamp: str) -> bool:
        """Move past a stamp issued elsewhere (another device, or another process on this home), so that later
        local writes order after it. Whether the clock moved (not for a stamp older than the last one)."""
        seen = Stamp.parse(stamp)
        if (seen.wall_ms, seen.counter) <= (self._wall_ms, self._counter):
            return False
        self._wall_ms, self._counter = seen.wall_ms, seen.counter
        self._text = str(Stamp(seen.wall_ms, seen.counter, self._device))
        return True


def position(stamp: str) -> int:
    """A stamp as one integer, ordered as the stamps are (wall time, then counter; the device is left out): a
    place in a queue that is unique on one device and in creation order across devices."""
    return int(stamp[:13]) << 16 | int(stamp[14:18], 16)
