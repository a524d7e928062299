"""The server's settings: read from the environment, a missing or malformed one named in one line."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from aksio_server.settings import ServerConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DATABASE_URL", "SECRET_KEY", "AKSIO_SERVER_REGISTRATION", "AKSIO_SERVER_LOGIN_FAILURES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AKSIO_SERVER_HOME", str(tmp_path / "srv"))


def test_the_embedded_default_is_a_sqlite_file_and_a_blob_dir_under_the_home(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.embedded
    assert settings.url().render_as_string() == f"sqlite+pysqlite:///{tmp_path / 'srv' / 'server.db'}"
    assert settings.blob_dir == tmp_path / "srv" / "blobs"
    assert settings.registration == "open"


def test_the_embedded_secret_is_made_once_private_and_kept(tmp_path: Path) -> None:
    first = load_settings().secret()
    path = tmp_path / "srv" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 64
    assert load_settings().secret() == first


def test_postgresql_urls_run_on_psycopg_3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://aksio:pw@db.internal:5432/aksio")
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    settings = load_settings()
    assert settings.url().drivername == "postgresql+psycopg"
    assert settings.secret() == b"k" * 32


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("DATABASE_URL", "mysql://u@h/db", "DATABASE_URL: the database 'mysql' is not supported"),
        ("DATABASE_URL", "postgresql+asyncpg://u@h/db", "DATABASE_URL: the driver 'asyncpg' is not supported"),
        ("DATABASE_URL", "not a url", "DATABASE_URL: not a database URL"),
        ("DATABASE_URL", "sqlite://", "DATABASE_URL: a SQLite database must be a file"),
        ("SECRET_KEY", "short", "SECRET_KEY: must be at least 32 characters"),
        ("AKSIO_SERVER_REGISTRATION", "maybe", "AKSIO_SERVER_REGISTRATION: Input should be 'open' or 'closed'"),
        ("AKSIO_SERVER_LOGIN_FAILURES", "ten", "AKSIO_SERVER_LOGIN_FAILURES: Input should be a valid integer"),
        ("AKSIO_SERVER_LOGIN_FAILURES", "0", "AKSIO_SERVER_LOGIN_FAILURES: Input should be greater than or equal"),
    ],
)
def test_a_malformed_setting_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ServerConfigError) as raised:
        load_settings()
    assert str(raised.value).startswith(says)
    assert "\n" not in str(raised.value)


def test_a_shared_database_needs_a_shared_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://aksio@db/aksio")
    with pytest.raises(ServerConfigError, match=r"^SECRET_KEY is not set: it is required with DATABASE_URL"):
        load_settings().secret()


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKSIO_SERVER_LOGIN_FAILURES", "")
    assert load_settings().login_failures == 10
