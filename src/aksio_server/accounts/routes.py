"""The accounts' routes, under ``/api/v1/accounts/``."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy import Connection

from aksio_server import ratelimit
from aksio_server.accounts import store
from aksio_server.accounts.models import (
    PREFERENCES_MAX_BYTES,
    Device,
    Devices,
    Login,
    PasswordChange,
    Profile,
    ProfilePatch,
    Register,
    Session,
)
from aksio_server.accounts.store import when
from aksio_server.auth import CurrentUser, runtime
from aksio_server.errors import ApiError, Unauthorized, error_responses
from aksio_server.runtime import Runtime
from aksio_server.tokens import keyed

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])
Rt = Annotated[Runtime, Depends(runtime)]
NO_STORE = "no-store"  # a response holding a token is kept by no cache


@router.post("/register", status_code=201, responses=error_responses(403, 409, 503))
def register(body: Register, response: Response, rt: Rt) -> Session:
    """Create an account (when the server's registration is open) and sign this device in."""
    if rt.settings.registration != "open":
        raise ApiError(403, "registration is closed on this server: ask its admin for an account")
    password_hash = rt.passwords.hash(body.password)  # ~150 ms: outside any transaction
    now = rt.now_ms()
    with rt.engine.begin() as conn:
        user_id = store.create_user(
            conn, email=body.email, password_hash=password_hash, display_name=body.display_name, now=now
        )
        device_id, token = store.add_device(conn, user_id, body.device_name, now)
    response.headers["Cache-Control"] = NO_STORE
    return Session(user_id=user_id, device_id=device_id, token=token)


@router.post("/login", responses=error_responses(401, 403, 429, 503))
def login(body: Login, request: Request, response: Response, rt: Rt) -> Session:
    """Sign a device in with email and password: a new device token. Repeated failures for one email or from one
    address are refused for a while (429, Retry-After)."""
    address = request.client.host if request.client else "unknown"
    limits = {
        keyed(rt.secret, "email", body.email): rt.settings.login_failures,
        keyed(rt.secret, "addr", address): rt.settings.login_failures_per_address,
    }
    subjects = list(limits)
    window_ms = rt.settings.login_window_seconds * 1000
    with rt.engine.begin() as conn:
        ratelimit.check(conn, limits, now=rt.now_ms(), window_ms=window_ms)
        found = store.user_by_email(conn, body.email)
    stored = found.password_hash if found is not None else None
    # the slow parts, outside any transaction: the check (as slow for an unknown email) and a rehash if it is due
    good = rt.passwords.verify(stored, body.password) and stored is not None
    rehashed = rt.passwords.hash(body.password) if good and rt.passwords.needs_rehash(stored or "") else None
    now = rt.now_ms()
    with rt.engine.begin() as conn:
        user = store.user_by_id(conn, found.id) if good and found is not None else None
        if user is None or user.password_hash != stored:  # wrong, or changed meanwhile: the one given is old
            ratelimit.record_failure(conn, subjects, now=now, window_ms=window_ms)
            good = False
        else:
            ratelimit.forget(conn, subjects[0])
            if not user.disabled:
                if rehashed is not None:
                    store.set_password(conn, user.id, rehashed, now)
                device_id, token = store.add_device(conn, user.id, body.device_name, now)
                response.headers["Cache-Control"] = NO_STORE
                return Session(user_id=user.id, device_id=device_id, token=token)
    if not good:
        raise Unauthorized("wrong email or password")
    raise ApiError(403, "this account is disabled: ask the server's admin")


@router.post("/logout", status_code=204, responses=error_responses(401))
def logout(who: CurrentUser, rt: Rt) -> Response:
    """Sign this device out: its token stops working."""
    with rt.engine.begin() as conn:
        store.revoke_device(conn, who.user_id, who.device_id, rt.now_ms())
    return Response(status_code=204)


def _profile(conn: Connection, user_id: str) -> Profile:
    user = store.user_by_id(conn, user_id)
    return Profile(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        preferences=json.loads(user.preferences),
        created_at=when(user.created_at),
    )


@router.get("/profile", responses=error_responses(401))
def profile(who: CurrentUser, rt: Rt) -> Profile:
    """The caller's account: email, display name, preferences."""
    with rt.engine.connect() as conn:
        return _profile(conn, who.user_id)


@router.patch("/profile", responses=error_responses(401, 409))
def edit_profile(body: ProfilePatch, who: CurrentUser, rt: Rt) -> Profile:
    """Change the display name and preferences (merged: a key set to null is removed). A merge that would hold more
    than 64 keys or 8 KB of JSON is refused (409): remove some first."""
    with rt.engine.begin() as conn:
        preferences = None
        if body.preferences is not None:
            merged: dict[str, Any] = json.loads(store.preferences_for_update(conn, who.user_id))
            for key, value in body.preferences.items():
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            preferences = json.dumps(merged, separators=(",", ":"), ensure_ascii=False)
            if len(preferences.encode()) > PREFERENCES_MAX_BYTES or len(merged) > 64:
                raise ApiError(
                    409,
                    f"preferences: at most 64 keys and {PREFERENCES_MAX_BYTES} bytes of JSON in all: remove some first",
                )
        store.update_profile(
            conn, who.user_id, display_name=body.display_name, preferences=preferences, now=rt.now_ms()
        )
        return _profile(conn, who.user_id)


@router.get("/devices", responses=error_responses(401))
def devices(who: CurrentUser, rt: Rt) -> Devices:
    """The caller's signed-in devices, oldest first; ``current`` marks the one asking."""
    with rt.engine.connect() as conn:
        rows = store.list_devices(conn, who.user_id)
    return Devices(
        devices=[
            Device(
                id=row.id,
                name=row.name,
                created_at=when(row.created_at),
                last_seen_at=when(row.last_seen_at),
                current=row.id == who.device_id,
            )
            for row in rows
        ]
    )


@router.delete("/devices/{device_id}", status_code=204, responses=error_responses(401, 404))
def revoke_device(device_id: Annotated[str, Path(max_length=64)], who: CurrentUser, rt: Rt) -> Response:
    """Sign one of the caller's devices out (this one too); another account's device is not found."""
    with rt.engine.begin() as conn:
        store.revoke_device(conn, who.user_id, device_id, rt.now_ms())
    return Response(status_code=204)


@router.post("/password", status_code=204, responses=error_responses(401, 403))
def change_password(body: PasswordChange, who: CurrentUser, rt: Rt) -> Response:
    """Change the password; every other device is signed out (this one stays signed in)."""
    with rt.engine.connect() as conn:
        stored = store.user_by_id(conn, who.user_id).password_hash
    if not rt.passwords.verify(stored, body.current_password):
        raise ApiError(403, "the current password is wrong")
    new_hash = rt.passwords.hash(body.new_password)
    now = rt.now_ms()
    with rt.engine.begin() as conn:
        store.set_password(conn, who.user_id, new_hash, now)
        store.revoke_all(conn, who.user_id, now, keep=who.device_id)
    return Response(status_code=204)
