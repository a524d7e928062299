"""What every request meets before a route: the login rate limit, body limits, malformed bodies, the protocol
check, /health and the OpenAPI schema. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient

from aksio.clock import FixedClock
from aksio_server.app import create_app
from aksio_server.blobstore import LocalBlobStore
from aksio_server.protocol import require_protocol
from aksio_server.runtime import Runtime
from aksio_server.settings import load_settings
from aksio_sync.protocol import HEADER, PREFIX, PUSH_LIMIT, VERSION
from tests.server.conftest import bearer, login, register

ACCOUNTS = "/api/v1/accounts"


def test_ten_failed_logins_lock_the_email_for_the_window(client: TestClient, clock: FixedClock) -> None:
    register(client, "ada@example.org")
    for _ in range(10):
        assert login(client, "ada@example.org", password="guess").status_code == 401
    clock.advance(timedelta(minutes=5))
    locked = login(client, "ada@example.org")  # even the right password: the limit is checked first
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == str(10 * 60)
    assert "too many failed logins" in locked.json()["error"]
    clock.advance(timedelta(minutes=10))
    assert login(client, "ada@example.org").status_code == 200


def test_failures_from_one_address_over_many_emails_lock_the_address(start: Callable[..., Runtime]) -> None:
    rt = start(login_failures_per_address=20)
    with TestClient(create_app(rt)) as client:
        register(client, "ada@example.org")
        for i in range(20):
            assert login(client, f"guess{i}@example.org").status_code == 401
        assert login(client, "ada@example.org").status_code == 429


def test_a_successful_login_forgets_the_emails_failures(start: Callable[..., Runtime]) -> None:
    rt = start(login_failures=3, login_failures_per_address=100)
    with TestClient(create_app(rt)) as client:
        register(client, "ada@example.org")
        for _ in range(2):
            login(client, "ada@example.org", password="guess")
        assert login(client, "ada@example.org").status_code == 200
        for _ in range(2):
            login(client, "ada@example.org", password="guess")
        assert login(client, "ada@example.org").status_code == 200


def test_the_limit_is_shared_by_every_server_process(start: Callable[..., Runtime]) -> None:
    first, second = start(login_failures=4), start(login_failures=4)
    with TestClient(create_app(first)) as one, TestClient(create_app(second)) as two:
        register(one, "ada@example.org")
        for client in (one, two, one, two):
            assert login(client, "ada@example.org", password="guess").status_code == 401
        assert login(one, "ada@example.org").status_code == 429
        assert login(two, "ada@example.org").status_code == 429


def test_a_body_over_the_limit_is_refused_before_it_is_read(start: Callable[..., Runtime]) -> None:
    rt = start(max_request_bytes=4096)
    with TestClient(create_app(rt)) as client:
        big = {"email": "ada@example.org", "password": "x" * 5000, "device_name": "laptop"}
        declared = client.post(f"{ACCOUNTS}/register", json=big)
        assert declared.status_code == 413
        assert declared.json() == {"error": "the request body is too large: at most 4096 bytes"}

        def chunks() -> Iterator[bytes]:  # no Content-Length: cut off once past the limit
            yield b'{"email": "ada@example.org", "password": "'
            for _ in range(100):
                yield b"x" * 1000
            yield b'", "device_name": "laptop"}'

        streamed = client.post(f"{ACCOUNTS}/register", content=chunks(), headers={"Content-Type": "application/json"})
        assert streamed.status_code == 413
        assert "too large" in streamed.json()["error"]


def test_malformed_bodies_get_one_line_4xx(client: TestClient) -> None:
    session = register(client, "ada@example.org")
    cases: list[tuple[str, str, bytes | None, int]] = [
        ("post", "/register", b"{not json", 400),
        ("post", "/register", b"", 422),
        ("post", "/register", b"[]", 422),
        ("post", "/register", b'"a string"', 422),
        ("post", "/register", b'{"email": 5, "password": "long enough", "device_name": "x"}', 422),
        ("post", "/register", b'{"email": "no-at-sign", "password": "long enough", "device_name": "x"}', 422),
        ("post", "/register", b'{"email": "a@b.c", "password": "short", "device_name": "x"}', 422),
        ("post", "/register", b'{"email": "a@b.c", "password": "long enough", "device_name": ""}', 422),
        ("post", "/register", b'{"email": "a@b.c", "password": "long enough", "device_name": "x", "admin": true}', 422),
        ("post", "/login", b'{"email": "a@b.c", "password": "' + b"p" * 300 + b'", "device_name": "x"}', 422),
        ("post", "/login", b'{"email": "a@b.c", "password": null, "device_name": "x"}', 422),
        ("patch", "/profile", b'{"display_name": 12}', 422),
        ("patch", "/profile", b'{"preferences": {"x": NaN}}', 422),
        ("post", "/password", b'{"current_password": "x"}', 422),
    ]
    for method, path, body, status in cases:
        response = client.request(
            method,
            f"{ACCOUNTS}{path}",
            content=body,
            headers={"Content-Type": "application/json", **bearer(session)},
        )
        assert response.status_code == status, (path, body, response.text)
        assert list(response.json()) == ["error"]
        assert "\n" not in response.json()["error"]
    long_id = client.delete(f"{ACCOUNTS}/devices/{'x' * 100}", headers=bearer(session))
    assert long_id.status_code == 422
    assert client.get("/api/v1/nothing-here").json() == {"error": "Not Found"}
    assert client.put(f"{ACCOUNTS}/login").status_code == 405


def test_an_error_names_the_field_in_one_line(client: TestClient) -> None:
    response = client.post(
        f"{ACCOUNTS}/register", json={"email": "ada@example.org", "password": "short", "device_name": "laptop"}
    )
    assert response.json() == {"error": "password: String should have at least 8 characters"}


def test_the_protocol_check_asks_too_old_clients_to_upgrade(rt: Runtime) -> None:
    app = create_app(rt)

    @app.get("/probe")
    def probe(version: Annotated[int, Depends(require_protocol)]) -> dict[str, int]:
        return {"version": version}

    with TestClient(app) as client:
        assert client.get("/probe", headers={HEADER: str(VERSION)}).json() == {"version": VERSION}
        old = client.get("/probe", headers={HEADER: "0"})
        assert old.status_code == 426
        assert "please upgrade" in old.json()["error"]
        for bad in ("", "abc", "-1", str(VERSION + 1), "9" * 20):
            assert client.get("/probe", headers={HEADER: bad}).status_code in (400, 422), bad
        assert "missing" in client.get("/probe").json()["error"]


def test_health_checks_the_database(client: TestClient, rt: Runtime) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": rt.engine.dialect.name}


def test_docs_and_schema_document_the_errors(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    login_op = schema["paths"][f"{ACCOUNTS}/login"]["post"]
    assert {"200", "400", "401", "413", "422", "429"} <= set(login_op["responses"])
    error = login_op["responses"]["429"]["content"]["application/json"]["schema"]["$ref"]
    assert error.endswith("/ErrorBody")
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    profile_op = schema["paths"][f"{ACCOUNTS}/profile"]["get"]
    assert profile_op["security"] == [{"HTTPBearer": []}]


def test_a_database_that_does_not_answer_is_a_503_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKSIO_SERVER_HOME", str(tmp_path / "server"))
    monkeypatch.setenv("DATABASE_URL", "postgresql://aksio@127.0.0.1:1/nothing?connect_timeout=2")
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    rt = Runtime.start(load_settings())
    try:
        with TestClient(create_app(rt)) as client:
            health = client.get("/health")
            assert health.status_code == 503
            assert health.json() == {"error": "the database is unavailable"}
            signed_in = client.get(f"{ACCOUNTS}/profile", headers=bearer("aksio_" + "A" * 43))
            assert signed_in.status_code == 503
            assert signed_in.headers["Retry-After"] == "5"
            assert signed_in.json() == {"error": "the database is unavailable: try again later"}
    finally:
        rt.close()


def test_a_blob_upload_and_a_push_have_limits_of_their_own(start: Callable[..., Runtime]) -> None:
    rt = start(max_request_bytes=4096, max_blob_bytes=64 * 1024)
    with TestClient(create_app(rt)) as client:
        blob = f"{PREFIX}/blobs/{'a' * 64}"
        # past the limit of JSON bodies but within a blob's: refused by no limit, but by the route's own checks
        within = client.put(blob, content=b"x" * 10_000)
        assert within.status_code == 400 and HEADER in within.json()["error"]
        over = client.put(blob, content=b"x" * (64 * 1024 + 1))
        assert over.status_code == 413
        assert over.json() == {"error": f"the request body is too large: at most {64 * 1024} bytes"}
        # the blob limit is for uploads only: asking which blobs are missing is a JSON body like any other
        assert client.post(f"{PREFIX}/blobs/missing", content=b"x" * 10_000).status_code == 413
        assert client.post(f"{PREFIX}/push", content=b"x" * 10_000).status_code == 400
        assert client.post(f"{PREFIX}/push", content=b"x" * (PUSH_LIMIT + 1)).status_code == 413


def test_the_runtime_keeps_blobs_under_its_home_without_a_bucket(rt: Runtime, server_env: dict[str, str]) -> None:
    assert isinstance(rt.blobs, LocalBlobStore)
    assert rt.blobs.root == Path(server_env["AKSIO_SERVER_HOME"]) / "blobs"
    assert rt.blobs is rt.blobs
