"""What one server process holds: its settings, the database engine (a connection pool), the password hasher and
the clock. Nothing here decides order or remembers a request: that is the database's job, so processes can be
added or killed at will."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine

from aksio.clock import Clock, SystemClock
from aksio_server.blobstore import BlobStore, make_blob_store
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

    @cached_property
    def blobs(self) -> BlobStore:
        """The blob store the settings ask for (GCS_BUCKET_NAME, else the home's blob dir), made at first use."""
        settings = self.settings
        return make_blob_store(settings.blob_dir, settings.gcs_bucket_name, settings.google_cloud_project)

    def now_ms(self) -> int:
        """The clock's instant in milliseconds since the epoch: how times are stored."""
        return int(self.clock.now().timestamp() * 1000)

    def close(self) -> None:
        self.engine.dispose()
