"""Running the Alembic migrations shipped in ``aksio_server/migrations``, and telling whether a database is behind.

``aksio-server migrate`` upgrades; ``aksio-server serve`` upgrades on start too (``--no-migrate``: refuse to start
on a database that is behind instead). Upgrading holds the database's own lock (a PostgreSQL advisory lock, SQLite's
write lock) for the whole transaction, so server processes starting together migrate once, one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from aksio.errors import DatabaseError

_LOCK_KEY = 0x616B73696F  # "aksio": the advisory lock that serializes migrations on PostgreSQL


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands: its revision (None: empty) and the newest this server knows."""

    current: str | None
    head: str
    known: bool  # False: a revision this server does not know (a newer server migrated it)

    @property
    def behind(self) -> bool:
        return self.known and self.current != self.head


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return config


def _state(connection: Connection) -> SchemaState:
    script = ScriptDirectory.from_config(_config())
    head = script.get_current_head()
    assert head is not None
    current = MigrationContext.configure(connection).get_current_revision()
    known = current is None or any(rev.revision == current for rev in script.walk_revisions())
    return SchemaState(current, head, known)


def schema_state(engine: Engine) -> SchemaState:
    """The database's revision beside this server's newest."""
    with engine.connect() as connection:
        return _state(connection)


def newer_schema(state: SchemaState) -> DatabaseError:
    return DatabaseError(
        f"the database is at revision {state.current}, which this aksio-server does not know: "
        "it was migrated by a newer version; upgrade aksio-server"
    )


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Migrate the database to this server's newest revision; returns (revision before, revision after)."""
    config = _config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        state = _state(connection)
        if not state.known:
            raise newer_schema(state)
        if state.behind:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    return state.current, state.head


def require_current(engine: Engine) -> None:
    """Refuse (DatabaseError) a database that is behind or ahead of this server."""
    state = schema_state(engine)
    if not state.known:
        raise newer_schema(state)
    if state.behind:
        raise DatabaseError(
            f"the database is at revision {state.current or 'none (empty)'}, this server needs {state.head}: "
            "run `aksio-server migrate` first"
        )
