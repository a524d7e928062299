"""Accounts over HTTP: register, login, logout, profile, devices and passwords, each on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from fastapi.testclient import TestClient

from aksio.clock import FixedClock
from aksio_server.runtime import Runtime
from tests.server.conftest import PASSWORD, bearer, login, register

ACCOUNTS = "/api/v1/accounts"


def test_register_signs_the_device_in_and_keeps_the_email_lower_cased(client: TestClient) -> None:
    session = register(client, "Ada@Example.ORG", name="Ada")
    profile = client.get(f"{ACCOUNTS}/profile", headers=bearer(session))
    assert profile.status_code == 200
    body = profile.json()
    assert body["email"] == "ada@example.org"
    assert body["display_name"] == "Ada"
    assert body["preferences"] == {}
    assert body["id"] == session["user_id"]
    assert session["token"].startswith("aksio_")
    assert login(client, "ada@example.org").headers["Cache-Control"] == "no-store"


def test_a_second_account_for_one_email_is_refused(client: TestClient) -> None:
    register(client, "ada@example.org")
    again = client.post(
        f"{ACCOUNTS}/register",
        json={"email": "ADA@example.org", "password": PASSWORD + "x", "device_name": "other"},
    )
    assert again.status_code == 409
    assert again.json() == {"error": "an account with the email ada@example.org exists already"}


def test_closed_registration_is_refused(start: object) -> None:
    rt: Runtime = start(registration="closed")  # type: ignore[operator]
    from aksio_server.app import create_app

    with TestClient(create_app(rt)) as closed:
        refused = closed.post(
            f"{ACCOUNTS}/register", json={"email": "ada@example.org", "password": PASSWORD, "device_name": "laptop"}
        )
    assert refused.status_code == 403
    assert "registration is closed" in refused.json()["error"]


def test_login_makes_a_new_device_beside_the_first(client: TestClient) -> None:
    first = register(client, "ada@example.org")
    response = login(client, "ada@example.org", device="phone")
    assert response.status_code == 200
    second = response.json()
    assert second["user_id"] == first["user_id"]
    assert second["device_id"] != first["device_id"]
    assert second["token"] != first["token"]
    listed = client.get(f"{ACCOUNTS}/devices", headers=bearer(second)).json()["devices"]
    assert [(d["name"], d["current"]) for d in listed] == [("laptop", False), ("phone", True)]


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client: TestClient) -> None:
    register(client, "ada@example.org")
    wrong = login(client, "ada@example.org", password="not the password")
    unknown = login(client, "nobody@example.org")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"error": "wrong email or password"}


def test_logout_revokes_only_this_devices_token(client: TestClient) -> None:
    laptop = register(client, "ada@example.org")
    phone = login(client, "ada@example.org").json()
    assert client.post(f"{ACCOUNTS}/logout", headers=bearer(phone)).status_code == 204
    assert client.get(f"{ACCOUNTS}/profile", headers=bearer(phone)).status_code == 401
    assert client.post(f"{ACCOUNTS}/logout", headers=bearer(phone)).status_code == 401
    assert client.get(f"{ACCOUNTS}/profile", headers=bearer(laptop)).status_code == 200


def test_profile_edits_merge_preferences_and_a_null_removes_a_key(client: TestClient) -> None:
    session = register(client, "ada@example.org")
    first = client.patch(
        f"{ACCOUNTS}/profile",
        headers=bearer(session),
        json={"display_name": "Ada L.", "preferences": {"theme": "dark", "retention": 0.9, "sound": False}},
    )
    assert first.status_code == 200
    assert first.json()["display_name"] == "Ada L."
    second = client.patch(
        f"{ACCOUNTS}/profile", headers=bearer(session), json={"preferences": {"sound": None, "new_per_day": 20}}
    )
    assert second.json()["preferences"] == {"theme": "dark", "retention": 0.9, "new_per_day": 20}
    assert second.json()["display_name"] == "Ada L."
    assert client.get(f"{ACCOUNTS}/profile", headers=bearer(session)).json() == second.json()


def test_preferences_must_stay_a_small_flat_object(client: TestClient) -> None:
    session = register(client, "ada@example.org")
    refused = [
        {"preferences": {"theme": {"nested": 1}}},
        {"preferences": {"k" * 65: 1}},
        {"preferences": {"bad key": 1}},
        {"preferences": {"note": "x" * 1001}},
        {"preferences": {f"k{i}": i for i in range(65)}},
        {"preferences": ["not", "an", "object"]},
        {"display_name": "x" * 101},
        {"display_name": "bell\x07"},
        {"email": "other@example.org"},
    ]
    for body in refused:
        response = client.patch(f"{ACCOUNTS}/profile", headers=bearer(session), json=body)
        assert response.status_code == 422, body
        assert list(response.json()) == ["error"]
        assert "\n" not in response.json()["error"]
    # values of 1000 characters pass one by one, but not past 8 KB together
    for i in range(9):
        big = client.patch(f"{ACCOUNTS}/profile", headers=bearer(session), json={"preferences": {f"k{i}": "x" * 1000}})
    assert big.status_code == 409
    assert "8192 bytes" in big.json()["error"]
    assert len(client.get(f"{ACCOUNTS}/profile", headers=bearer(session)).json()["preferences"]) == 8


def test_revoking_a_device_stops_its_token(client: TestClient) -> None:
    laptop = register(client, "ada@example.org")
    phone = login(client, "ada@example.org").json()
    gone = client.delete(f"{ACCOUNTS}/devices/{phone['device_id']}", headers=bearer(laptop))
    assert gone.status_code == 204
    assert client.get(f"{ACCOUNTS}/profile", headers=bearer(phone)).status_code == 401
    listed = client.get(f"{ACCOUNTS}/devices", headers=bearer(laptop)).json()["devices"]
    assert [d["id"] for d in listed] == [laptop["device_id"]]
    again = client.delete(f"{ACCOUNTS}/devices/{phone['device_id']}", headers=bearer(laptop))
    assert again.status_code == 404


def test_another_account_never_sees_nor_changes_ones_profile_or_devices(client: TestClient) -> None:
    ada = register(client, "ada@example.org", name="Ada")
    bob = register(client, "bob@example.org", name="Bob")
    client.patch(f"{ACCOUNTS}/profile", headers=bearer(bob), json={"display_name": "Robert", "preferences": {"a": 1}})
    assert client.get(f"{ACCOUNTS}/profile", headers=bearer(ada)).json()["display_name"] == "Ada"
    assert client.get(f"{ACCOUNTS}/profile", headers=bearer(ada)).json()["preferences"] == {}
    bobs = client.get(f"{ACCOUNTS}/devices", headers=bearer(bob)).json()["devices"]
    assert [d["id"] for d in bobs] == [bob["device_id"]]
    refused = client.delete(f"{ACCOUNTS}/devices/{ada['device_id']}", headers=bearer(bob))
    assert refused.status_code == 404
    assert refused.json() == {"error": "no such device among yours"}
    assert client.get(f"{ACCOUNTS}/profile", headers=bearer(ada)).status_code == 200
    # a body cannot name another account: the profile is always the caller's
    named = client.patch(f"{ACCOUNTS}/profile", headers=bearer(bob), json={"id": ada["user_id"], "display_name": "x"})
    assert named.status_code == 422


def test_changing_the_password_signs_the_other_devices_out(client: TestClient) -> None:
    laptop = register(client, "ada@example.org")
    phone = login(client, "ada@example.org").json()
    wrong = client.post(
        f"{ACCOUNTS}/password",
        headers=bearer(laptop),
        json={"current_password": "not it", "new_password": "a new long password"},
    )
    assert wrong.status_code == 403
    changed = client.post(
        f"{ACCOUNTS}/password",
        headers=bearer(laptop),
        json={"current_password": PASSWORD, "new_password": "a new long password"},
    )
    assert changed.status_code == 204
    assert client.get(f"{ACCOUNTS}/profile", headers=bearer(laptop)).status_code == 200
    assert client.get(f"{ACCOUNTS}/profile", headers=bearer(phone)).status_code == 401
    assert login(client, "ada@example.org").status_code == 401
    assert login(client, "ada@example.org", password="a new long password").status_code == 200


def test_missing_malformed_and_unknown_tokens_are_refused(client: TestClient) -> None:
    session = register(client, "ada@example.org")
    cases = {
        "none": {},
        "basic": {"Authorization": "Basic YWRhOnB3"},
        "empty": {"Authorization": "Bearer "},
        "unknown": bearer("aksio_" + "A" * 43),
        "one off": bearer(session["token"][:-1] + ("A" if session["token"][-1] != "A" else "B")),
        "huge": bearer("x" * 10_000),
    }
    for what, headers in cases.items():
        response = client.get(f"{ACCOUNTS}/profile", headers=headers)
        assert response.status_code == 401, what
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert list(response.json()) == ["error"]


def test_a_token_unused_for_too_long_expires_and_use_keeps_it_alive(client: TestClient, clock: FixedClock) -> None:
    session = register(client, "ada@example.org")
    clock.advance(timedelta(days=170))
    assert client.get(f"{ACCOUNTS}/profile", headers=bearer(session)).status_code == 200
    clock.advance(timedelta(days=170))
    assert client.get(f"{ACCOUNTS}/profile", headers=bearer(session)).status_code == 200
    clock.advance(timedelta(days=181))
    expired = client.get(f"{ACCOUNTS}/profile", headers=bearer(session))
    assert expired.status_code == 401
    assert "expired" in expired.json()["error"]


def test_a_disabled_account_cannot_log_in_and_its_tokens_stop(client: TestClient, rt: Runtime) -> None:
    from aksio_server.accounts import store

    session = register(client, "ada@example.org")
    with rt.engine.begin() as conn:
        store.set_disabled(conn, session["user_id"], True, rt.now_ms())
    assert client.get(f"{ACCOUNTS}/profile", headers=bearer(session)).json() == {"error": "this account is disabled"}
    refused = login(client, "ada@example.org")
    assert refused.status_code == 403
    assert "disabled" in refused.json()["error"]
    assert login(client, "ada@example.org", password="wrong password").status_code == 401  # tells nothing more
    with rt.engine.begin() as conn:
        store.set_disabled(conn, session["user_id"], False, rt.now_ms())
    assert login(client, "ada@example.org").status_code == 200


def test_a_token_from_one_server_process_works_on_another(client: TestClient, start: object) -> None:
    from aksio_server.app import create_app

    session = register(client, "ada@example.org")
    other: Runtime = start()  # type: ignore[operator]
    with TestClient(create_app(other)) as second:
        assert second.get(f"{ACCOUNTS}/profile", headers=bearer(session)).status_code == 200
        assert second.post(f"{ACCOUNTS}/logout", headers=bearer(session)).status_code == 204
    assert client.get(f"{ACCOUNTS}/profile", headers=bearer(session)).status_code == 401


def test_registering_one_email_at_once_through_two_processes_makes_one_account(
    client: TestClient, start: Callable[..., Runtime]
) -> None:
    from aksio_server.app import create_app

    with TestClient(create_app(start())) as other:
        tries = [(client if i % 2 else other, f"device {i}") for i in range(8)]

        def attempt(pair: tuple[TestClient, str]) -> int:
            via, device = pair
            body = {"email": "ada@example.org", "password": PASSWORD, "device_name": device}
            return via.post(f"{ACCOUNTS}/register", json=body).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = sorted(pool.map(attempt, tries))
    assert statuses == [201] + [409] * 7


def test_a_password_hashed_with_older_parameters_is_rehashed_at_login(client: TestClient, rt: Runtime) -> None:
    from argon2 import PasswordHasher

    from aksio_server.accounts import store

    older = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash(PASSWORD)
    with rt.engine.begin() as conn:
        user_id = store.create_user(conn, email="ada@example.org", password_hash=older, display_name="", now=0)
    assert rt.passwords.needs_rehash(older)
    assert login(client, "ada@example.org").status_code == 200
    with rt.engine.connect() as conn:
        now_stored = store.user_by_id(conn, user_id).password_hash
    assert now_stored != older
    assert not rt.passwords.needs_rehash(now_stored)
    assert rt.passwords.verify(now_stored, PASSWORD)
    assert login(client, "ada@example.org").status_code == 200
