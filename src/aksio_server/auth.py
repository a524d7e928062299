"""Bearer-token authentication, the dependency every signed-in route uses:

    @router.post("/push")
    def push(who: Annotated[Principal, Depends(current_user)], ...) -> ...:
        who.user_id, who.device_id

A token opens nothing when it is unknown, revoked, unused for longer than ``AKSIO_SERVER_TOKEN_IDLE_DAYS``, or its
account is disabled: each is a 401 with one line saying which.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from aksio_server.accounts import store
from aksio_server.errors import Unauthorized
from aksio_server.runtime import Runtime
from aksio_server.tokens import MAX_LENGTH

_DAY_MS = 86_400_000
_TOUCH_EVERY_MS = 60_000  # last_seen_at is written at most once a minute per device, not on every request

bearer = HTTPBearer(auto_error=False, description="the device token that login or register returned")


def runtime(request: Request) -> Runtime:
    """The process's runtime (a FastAPI dependency): ``rt: Annotated[Runtime, Depends(runtime)]``."""
    found: Runtime = request.app.state.runtime
    return found


@dataclass(frozen=True)
class Principal:
    """Who is calling: the account and the device whose token was presented."""

    user_id: str
    device_id: str


def current_user(
    rt: Annotated[Runtime, Depends(runtime)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller of a signed-in route, from its ``Authorization: Bearer`` token, or 401."""
    if credentials is None:
        raise Unauthorized("sign in first: this needs an Authorization: Bearer token")
    token = credentials.credentials
    if len(token) > MAX_LENGTH:
        raise Unauthorized("the token is not valid: sign in again")
    now = rt.now_ms()
    with rt.engine.begin() as conn:
        found = store.device_of_token(conn, token)
        if found is None:
            raise Unauthorized("the token is not valid (unknown or revoked): sign in again")
        if found.disabled:
            raise Unauthorized("this account is disabled")
        if now - found.last_seen_at > rt.settings.token_idle_days * _DAY_MS:
            raise Unauthorized("the token has expired (unused for too long): sign in again")
        if now - found.last_seen_at > _TOUCH_EVERY_MS:
            store.touch_device(conn, found.id, now)
    return Principal(user_id=found.user_id, device_id=found.id)


CurrentUser = Annotated[Principal, Depends(current_user)]
"""The annotation a route's parameter takes: ``who: CurrentUser``."""
