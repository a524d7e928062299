"""What one server process holds: its settings, the database engine (a connection pool), the password hasher and
the clock. Nothing here decides order or remembers a request: that is the database's job, so processes can be
added or killed at will."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from aksio.clock import Clock, SystemClock
from aksio_server.db import make_engine
from aksio_server.passwords import Passwords
from aksio_server.settings import ServerSettings


@dataclass
class Runtime:
    settings: ServerSettings
    engine: Engine
    secret: bytes
    passwords: Passwords = field(default_factory=Passwords)
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def start(
        cls, settings: ServerSettings, *, passwords: Passwords | None = None, clock: Clock | None = None
    ) -> Runtime:
        """The runtime of ``settings``: its engine made (no connection yet) and its secret read or made."""
        return cls(
            settings=settings,
            engine=make_engine(settings.url()),
            secret=settings.secret(),
            passwords=passwords or Passwords(),
            clock=clock or SystemClock(),
        )

    def now_ms(self) -> int:
        """The clock's instant in milliseconds since the epoch: how times are stored."""
        return int(self.clock.now().timestamp() * 1000)

    def close(self) -> None:
        self.engine.dispose()
