"""The server's settings, read from the environment (twelve-factor: Cloud Run, compose and a shell set them alike).

A missing or malformed setting is a ``ServerConfigError`` whose message names the variable, in one line.

Embedded default: with no ``DATABASE_URL`` the database is a SQLite file and blobs a directory, both under
``AKSIO_SERVER_HOME``, and a secret key is made once and kept there, so that ``aksio-server serve`` alone runs a
server. With ``DATABASE_URL`` (several processes sharing one PostgreSQL) ``SECRET_KEY`` must be given, as every
process has to use the same one.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from aksio.errors import ConfigError
from aksio_sync.protocol import BLOB_LIMIT

SECRET_FILE = "secret_key"
DATABASE_FILE = "server.db"
BLOB_DIR = "blobs"
_MIN_SECRET = 32


class ServerConfigError(ConfigError):
    """A server setting (an environment variable) is missing or malformed; the message names it."""


def _default_home() -> Path:
    return Path(user_data_dir("aksio-server", appauthor=False))


class ServerSettings(BaseSettings):
    """Every setting of a server process; each field's alias is its environment variable."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, env_ignore_empty=True)

    home: Path = Field(default_factory=_default_home, alias="AKSIO_SERVER_HOME")
    database_url: str = Field(default="", alias="DATABASE_URL")
    secret_key: str = Field(default="", alias="SECRET_KEY")
    gcs_bucket_name: str = Field(default="", alias="GCS_BUCKET_NAME")
    google_cloud_project: str = Field(default="", alias="GOOGLE_CLOUD_PROJECT")
    registration: Literal["open", "closed"] = Field(default="open", alias="AKSIO_SERVER_REGISTRATION")
    max_request_bytes: int = Field(default=1 << 20, ge=1024, le=1 << 30, alias="AKSIO_SERVER_MAX_REQUEST_BYTES")
    max_blob_bytes: int = Field(default=BLOB_LIMIT, ge=1024, le=1 << 40, alias="AKSIO_SERVER_MAX_BLOB_BYTES")
    login_failures: int = Field(default=10, ge=1, le=10_000, alias="AKSIO_SERVER_LOGIN_FAILURES")
    # a school or an office shares one address: more failures are allowed from it than for one email
    login_failures_per_address: int = Field(
        default=50, ge=1, le=100_000, alias="AKSIO_SERVER_LOGIN_FAILURES_PER_ADDRESS"
    )
    login_window_seconds: int = Field(default=900, ge=1, le=86_400 * 7, alias="AKSIO_SERVER_LOGIN_WINDOW_SECONDS")
    trusted_proxies: str = Field(default="127.0.0.1", max_length=2000, alias="AKSIO_SERVER_TRUSTED_PROXIES")
    token_idle_days: int = Field(default=180, ge=1, le=3650, alias="AKSIO_SERVER_TOKEN_IDLE_DAYS")

    @field_validator("secret_key")
    @classmethod
    def _secret_long_enough(cls, value: str) -> str:
        if value and len(value) < _MIN_SECRET:
            raise ValueError(f"must be at least {_MIN_SECRET} characters (e.g. `openssl rand -hex 32`)")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url_known(cls, value: str) -> str:
        if value:
            database_url(value)  # raises ValueError naming what is wrong
        return value

    @property
    def embedded(self) -> bool:
        """True when the database is the SQLite file under the home (no ``DATABASE_URL``)."""
        return not self.database_url

    @property
    def blob_dir(self) -> Path:
        """Where blobs live when no GCS bucket is set."""
        return self.home / BLOB_DIR

    def url(self) -> URL:
        """The SQLAlchemy URL of the database: ``DATABASE_URL``, else the SQLite file under the home."""
        if self.database_url:
            return database_url(self.database_url)
        return URL.create("sqlite+pysqlite", database=str(self.home / DATABASE_FILE))

    def secret(self) -> bytes:
        """The secret key: ``SECRET_KEY``, else (embedded only) one made once and kept in the home, mode 0600."""
        if self.secret_key:
            return self.secret_key.encode()
        if not self.embedded:
            raise ServerConfigError(
                "SECRET_KEY is not set: it is required with DATABASE_URL, as every server process must share it"
            )
        path = self.home / SECRET_FILE
        try:
            return path.read_bytes().strip()
        except FileNotFoundError:
            pass
        self.home.mkdir(parents=True, exist_ok=True)
        made = secrets.token_hex(32).encode()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_bytes().strip()
        with os.fdopen(fd, "wb") as out:
            out.write(made)
        return made


def database_url(text: str) -> URL:
    """``DATABASE_URL`` as SQLAlchemy reads it: ``postgresql://`` (or ``postgres://``) runs on psycopg 3, and
    ``sqlite:///PATH`` on the standard library; anything else is a ValueError saying so."""
    try:
        url = make_url(text)
    except ArgumentError:
        raise ValueError(
            "not a database URL (postgresql://USER:PASSWORD@HOST:PORT/DATABASE or sqlite:///PATH)"
        ) from None
    backend, _, driver = url.drivername.partition("+")
    if backend in ("postgresql", "postgres"):
        if driver not in ("", "psycopg"):
            raise ValueError(f"the driver {driver!r} is not supported: use postgresql:// (psycopg 3)")
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ValueError("a SQLite database must be a file: sqlite:///PATH")
        return url.set(drivername="sqlite+pysqlite")
    raise ValueError(f"the database {backend!r} is not supported: use postgresql:// or sqlite:///PATH")


def load_settings() -> ServerSettings:
    """The settings from the environment, or a ServerConfigError naming the first bad one."""
    try:
        return ServerSettings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "a setting"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ServerConfigError(f"{name}: {message}") from None
