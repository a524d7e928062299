"""The migrations shipped in the package build exactly the schema the code uses, on SQLite and PostgreSQL, and a
database behind or ahead of the server is told apart."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from aksio.errors import DatabaseError
from aksio_server.db import make_engine
from aksio_server.migrate import require_current, schema_state, upgrade
from aksio_server.schema import metadata
from aksio_server.settings import load_settings


@pytest.fixture
def engine(server_env: dict[str, str]) -> Iterator[Engine]:
    made = make_engine(load_settings().url())
    yield made
    made.dispose()


def test_the_migrations_build_exactly_the_tables_of_the_code(engine: Engine) -> None:
    assert upgrade(engine) == (None, schema_state(engine).head)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert differences == []
    assert set(inspect(engine).get_table_names()) == {*metadata.tables, "alembic_version"}


def test_migrating_twice_changes_nothing(engine: Engine) -> None:
    head = upgrade(engine)[1]
    assert upgrade(engine) == (head, head)
    require_current(engine)


def test_an_empty_database_is_behind_and_says_to_migrate(engine: Engine) -> None:
    assert schema_state(engine).behind
    with pytest.raises(DatabaseError, match=r"run `aksio-server migrate` first"):
        require_current(engine)


def test_a_database_migrated_by_a_newer_server_is_refused(engine: Engine) -> None:
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    for refuse in (require_current, upgrade):
        with pytest.raises(DatabaseError, match=r"migrated by a newer version; upgrade aksio-server"):
            refuse(engine)


def test_processes_starting_together_migrate_once(server_env: dict[str, str]) -> None:
    engines = [make_engine(load_settings().url()) for _ in range(4)]
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            outcomes = list(pool.map(upgrade, engines))
        head = schema_state(engines[0]).head
        assert outcomes.count((None, head)) == 1  # one migrated; the others waited on its lock and found it done
        assert outcomes.count((head, head)) == 3
    finally:
        for engine in engines:
            engine.dispose()
