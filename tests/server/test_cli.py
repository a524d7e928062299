"""``aksio-server`` through its installed entry point, in a process of its own, on SQLite and PostgreSQL: the
admin commands, migrate, and serve answering over HTTP. A refusal is one line on stderr and a non-zero exit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.server.conftest import PASSWORD

ENTRY = Path(sys.executable).parent / "aksio-server"


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    assert ENTRY.exists(), f"{ENTRY} is missing: install the project (pip install -e '.[dev]')"
    return subprocess.run(
        [str(ENTRY), *args],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


def refused(result: subprocess.CompletedProcess[str], says: str) -> None:
    """The command failed with one line on stderr saying ``says``."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert says in lines[0], lines[0]


def test_admin_commands_create_list_disable_and_reset(server_env: dict[str, str]) -> None:
    refused(run(server_env, "user", "list"), "run `aksio-server migrate` first")
    migrated = run(server_env, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "migrated from revision none (empty) to" in migrated.stdout
    assert "up to date" in run(server_env, "migrate").stdout

    made = run(server_env, "user", "create", "Ada@Example.org", "--name", "Ada", "--password-stdin", stdin=PASSWORD)
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "created the account ada@example.org"
    refused(
        run(server_env, "user", "create", "ada@example.org", "--password-stdin", stdin=PASSWORD),
        "an account with the email ada@example.org exists already",
    )
    listed = run(server_env, "user", "list", "--json")
    users = __import__("json").loads(listed.stdout)["users"]
    assert [(u["email"], u["display_name"], u["disabled"]) for u in users] == [("ada@example.org", "Ada", False)]

    assert run(server_env, "user", "disable", "ada@example.org").returncode == 0
    assert "disabled" in run(server_env, "user", "list").stdout
    assert run(server_env, "user", "enable", "ada@example.org").returncode == 0
    reset = run(server_env, "user", "reset-password", "ada@example.org", "--password-stdin", stdin="another password\n")
    assert reset.returncode == 0, reset.stderr
    assert "signed out 0 device(s)" in reset.stdout
    refused(run(server_env, "user", "disable", "bob@example.org"), "no account has the email bob@example.org")


def test_admin_refusals_are_one_line(server_env: dict[str, str]) -> None:
    assert run(server_env, "migrate").returncode == 0
    refused(run(server_env, "user", "create", "not-an-email", "--password-stdin", stdin=PASSWORD), "email:")
    refused(run(server_env, "user", "create", "a@b.org", "--password-stdin", stdin="short"), "password:")
    refused(run(server_env, "user", "create", "a@b.org"), "no terminal to ask the password on")
    refused(run(server_env, "user", "frobnicate"), "invalid choice")
    refused(run(server_env), "the following arguments are required")
    refused(run(server_env, "serve", "--port", "70000"), "--port must be between 1 and 65535")
    refused(run({**server_env, "PORT": "eighty"}, "serve"), "PORT: must be a port number")
    refused(run({**server_env, "AKSIO_SERVER_REGISTRATION": "maybe"}, "migrate"), "AKSIO_SERVER_REGISTRATION:")


def test_a_shared_database_without_a_secret_key_is_refused(server_env: dict[str, str]) -> None:
    env = {**server_env, "DATABASE_URL": "postgresql://aksio@127.0.0.1:5432/test", "SECRET_KEY": ""}
    refused(run(env, "serve"), "SECRET_KEY is not set")


def test_an_unreachable_database_is_one_line(server_env: dict[str, str]) -> None:
    env = {**server_env, "DATABASE_URL": "postgresql://aksio@127.0.0.1:1/nothing?connect_timeout=2"}
    refused(run(env, "migrate"), "cannot use the database")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_migrates_and_answers_on_port(server_env: dict[str, str]) -> None:
    refused(run(server_env, "serve", "--no-migrate"), "run `aksio-server migrate` first")
    port = _free_port()
    env = {**os.environ, **server_env, "PORT": str(port)}
    process = subprocess.Popen(
        [str(ENTRY), "serve"], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()[1].decode()
            try:
                health = httpx.get(f"{base}/health", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail("aksio-server serve did not answer within 60 s")
                time.sleep(0.2)
        assert health.status_code == 200
        registered = httpx.post(
            f"{base}/api/v1/accounts/register",
            json={"email": "ada@example.org", "password": PASSWORD, "device_name": "laptop"},
        )
        assert registered.status_code == 201
        token = registered.json()["token"]
        profile = httpx.get(f"{base}/api/v1/accounts/profile", headers={"Authorization": f"Bearer {token}"})
        assert profile.json()["email"] == "ada@example.org"
        assert httpx.get(f"{base}/docs").status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err.decode()
    assert b"Traceback" not in err
    assert run(server_env, "user", "list").stdout.startswith("ada@example.org  active  1 device(s)")


def test_serve_refuses_a_bucket_without_credentials_at_once(server_env: dict[str, str], tmp_path: Path) -> None:
    env = {
        **server_env,
        "GCS_BUCKET_NAME": "a-bucket",
        "GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "missing.json"),
        "NO_GCE_CHECK": "True",  # never ask the cloud's metadata server
        "STORAGE_EMULATOR_HOST": "",
    }
    refused(run(env, "serve"), "GCS_BUCKET_NAME is set but no Google credentials")
