"""Server fixtures: every server test runs on SQLite (the embedded default: no DATABASE_URL) and on the real
PostgreSQL at 127.0.0.1:5432.

For PostgreSQL a database of its own is made for the run (``aksio_test_<random>``, dropped at the end) and each
test gets a schema of its own in it (the connection's ``search_path``), so every test migrates from empty. With
nothing answering on 5432 the PostgreSQL half is skipped, saying why, except under CI (``CI`` set), where it fails.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from aksio.clock import FixedClock
from aksio_server.app import create_app
from aksio_server.migrate import upgrade
from aksio_server.passwords import Passwords
from aksio_server.runtime import Runtime
from aksio_server.settings import load_settings

POSTGRES = os.environ.get("AKSIO_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
PASSWORD = "correct horse battery"
SECRET = "s" * 40
# a cheap argon2id for tests only (the server's default costs ~150 ms a hash)
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

_SERVER_ENV = (
    "AKSIO_SERVER_HOME",
    "DATABASE_URL",
    "SECRET_KEY",
    "GCS_BUCKET_NAME",
    "GOOGLE_CLOUD_PROJECT",
    "AKSIO_SERVER_REGISTRATION",
    "AKSIO_SERVER_MAX_REQUEST_BYTES",
    "AKSIO_SERVER_LOGIN_FAILURES",
    "AKSIO_SERVER_LOGIN_FAILURES_PER_ADDRESS",
    "AKSIO_SERVER_LOGIN_WINDOW_SECONDS",
    "AKSIO_SERVER_TOKEN_IDLE_DAYS",
    "PORT",
)


def _postgres_answers() -> bool:
    url = make_url(POSTGRES)
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database of this run's own, dropped at its end: its URL."""
    if not _postgres_answers():
        reason = f"nothing answers at {make_url(POSTGRES).render_as_string(hide_password=True)} (AKSIO_TEST_POSTGRES)"
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI: {reason}")
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    import psycopg

    name = f"aksio_test_{secrets.token_hex(4)}"
    base = make_url(POSTGRES)
    with psycopg.connect(base.set(drivername="postgresql").render_as_string(False), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(base.set(drivername="postgresql").render_as_string(False), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def server_env(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """The environment of one test's server (also set in this process): SQLite under a home of its own, or a
    schema of its own in the run's PostgreSQL database."""
    for name in _SERVER_ENV:
        monkeypatch.delenv(name, raising=False)
    env = {"AKSIO_SERVER_HOME": str(tmp_path / "server")}
    schema = ""
    if request.param == "postgresql":
        database = request.getfixturevalue("postgres_database")
        schema = f"t_{secrets.token_hex(6)}"
        _run_sql(database, f'CREATE SCHEMA "{schema}"')
        url = make_url(database).update_query_dict({"options": f"-csearch_path={schema}"})
        env |= {"DATABASE_URL": url.render_as_string(hide_password=False), "SECRET_KEY": SECRET}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield env
    if schema:
        _run_sql(request.getfixturevalue("postgres_database"), f'DROP SCHEMA "{schema}" CASCADE')


def _run_sql(database: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(make_url(database).set(drivername="postgresql").render_as_string(False), autocommit=True) as c:
        c.execute(sql.encode())


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def start(server_env: dict[str, str], clock: FixedClock) -> Iterator[Callable[..., Runtime]]:
    """Start a server process's runtime on the test's database (migrated): as many as a test wants, as several
    processes would share one database. Keyword arguments override settings."""
    started: list[Runtime] = []

    def make(**overrides: Any) -> Runtime:
        settings = load_settings()
        if overrides:
            settings = settings.model_copy(update=overrides)
        rt = Runtime.start(settings, passwords=Passwords(CHEAP), clock=clock)
        upgrade(rt.engine)
        started.append(rt)
        return rt

    yield make
    for rt in started:
        rt.close()


@pytest.fixture
def rt(start: Callable[..., Runtime]) -> Runtime:
    return start()


@pytest.fixture
def client(rt: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(rt)) as test_client:
        yield test_client


def register(
    client: TestClient, email: str, *, password: str = PASSWORD, device: str = "laptop", name: str = ""
) -> dict[str, str]:
    """A new account signed in on ``device``: its session (user_id, device_id, token)."""
    response = client.post(
        "/api/v1/accounts/register",
        json={"email": email, "password": password, "device_name": device, "display_name": name},
    )
    assert response.status_code == 201, response.text
    session: dict[str, str] = response.json()
    return session


def login(client: TestClient, email: str, *, password: str = PASSWORD, device: str = "phone") -> Any:
    return client.post("/api/v1/accounts/login", json={"email": email, "password": password, "device_name": device})


def bearer(session: dict[str, str] | str) -> dict[str, str]:
    token = session if isinstance(session, str) else session["token"]
    return {"Authorization": f"Bearer {token}"}
