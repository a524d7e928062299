"""The admin commands of ``aksio-server user``: accounts made, listed, disabled and reset on the database directly
(through the same store as the routes), whatever the server's registration setting."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter, ValidationError

from aksio.errors import InvalidInput
from aksio_server.accounts import store
from aksio_server.accounts.models import DisplayName, Email, NewPassword
from aksio_server.accounts.store import when
from aksio_server.migrate import require_current
from aksio_server.runtime import Runtime
from aksio_server.settings import load_settings


def _valid(kind: Any, value: str, what: str) -> str:
    try:
        checked: str = TypeAdapter[str](kind).validate_python(value, strict=True)
    except ValidationError as exc:
        raise InvalidInput(f"{what}: {exc.errors()[0]['msg']}") from None
    return checked


def run(args: argparse.Namespace, password: Callable[[bool], str]) -> None:
    """Carry out ``aksio-server user ACTION`` on the configured database (which must be migrated)."""
    rt = Runtime.start(load_settings())
    try:
        require_current(rt.engine)
        _ACTIONS[args.action](rt, args, password)
    finally:
        rt.close()


def _create(rt: Runtime, args: argparse.Namespace, password: Callable[[bool], str]) -> None:
    email = _valid(Email, args.email, "email")
    name = _valid(DisplayName, args.name, "--name")
    secret = _valid(NewPassword, password(args.password_stdin), "password")
    hashed = rt.passwords.hash(secret)
    with rt.engine.begin() as conn:
        store.create_user(conn, email=email, password_hash=hashed, display_name=name, now=rt.now_ms())
    print(f"created the account {email}")


def _list(rt: Runtime, args: argparse.Namespace, _password: Callable[[bool], str]) -> None:
    with rt.engine.connect() as conn:
        rows = store.list_users(conn)
    found = [
        {
            "id": row.id,
            "email": row.email,
            "display_name": row.display_name,
            "disabled": bool(row.disabled),
            "devices": int(row.devices),
            "created_at": when(row.created_at),
        }
        for row in rows
    ]
    if args.json:
        print(json.dumps({"users": found}, ensure_ascii=False))
        return
    if not found:
        print("no accounts yet: aksio-server user create EMAIL")
    for user in found:
        state = "disabled" if user["disabled"] else "active"
        print(f"{user['email']}  {state}  {user['devices']} device(s)  since {user['created_at'][:10]}")


def _set_disabled(disabled: bool) -> Callable[[Runtime, argparse.Namespace, Callable[[bool], str]], None]:
    def action(rt: Runtime, args: argparse.Namespace, _password: Callable[[bool], str]) -> None:
        email = _valid(Email, args.email, "email")
        with rt.engine.begin() as conn:
            user = store.account_of(conn, email)
            store.set_disabled(conn, user.id, disabled, rt.now_ms())
        print(f"{'disabled' if disabled else 'enabled'} the account {email}")

    return action


def _reset(rt: Runtime, args: argparse.Namespace, password: Callable[[bool], str]) -> None:
    email = _valid(Email, args.email, "email")
    with rt.engine.connect() as conn:
        store.account_of(conn, email)  # before asking for a password
    hashed = rt.passwords.hash(_valid(NewPassword, password(args.password_stdin), "password"))
    now = rt.now_ms()
    with rt.engine.begin() as conn:
        user = store.account_of(conn, email)
        store.set_password(conn, user.id, hashed, now)
        signed_out = store.revoke_all(conn, user.id, now)
    print(f"set a new password for {email}; signed out {signed_out} device(s)")


_ACTIONS: dict[str, Callable[[Runtime, argparse.Namespace, Callable[[bool], str]], None]] = {
    "create": _create,
    "list": _list,
    "disable": _set_disabled(True),
    "enable": _set_disabled(False),
    "reset-password": _reset,
}
