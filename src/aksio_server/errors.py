"""Errors a client sees: each an ``AksioError`` (so the admin CLI prints it in one line) with an HTTP status.

Every error response is JSON ``{"error": "one line"}``; ``ERROR_RESPONSES`` documents them in the OpenAPI schema.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from aksio.errors import AksioError


class ErrorBody(BaseModel):
    """What every error response holds: one line saying what went wrong."""

    model_config = ConfigDict(extra="forbid")

    error: str


class ApiError(AksioError):
    """A refusal with its HTTP status (and headers, e.g. Retry-After): ``ApiError(404, "no such device")``."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


class Unauthorized(ApiError):
    """No token, or one that opens nothing (unknown, revoked, expired, of a disabled account)."""

    def __init__(self, message: str) -> None:
        super().__init__(401, message, headers={"WWW-Authenticate": "Bearer"})


class TooManyAttempts(ApiError):
    """Too many failed logins for an email or from an address within the window."""

    def __init__(self, retry_after: int) -> None:
        message = f"too many failed logins: try again in {retry_after} s"
        super().__init__(429, message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


_DESCRIBED = {
    400: "malformed request (not JSON, a bad header)",
    401: "missing, unknown, revoked or expired token",
    403: "not allowed (registration closed, account disabled)",
    404: "no such thing among yours",
    409: "conflicts with what exists",
    413: "request body too large",
    422: "a field is missing, of the wrong type, or out of bounds",
    426: "the client's protocol is too old: upgrade Aksio",
    429: "too many attempts: see Retry-After",
    503: "the database is unavailable",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a route that may answer these errors (400, 413 and 422 always)."""
    wanted = sorted({400, 413, 422, *statuses})
    return {status: {"model": ErrorBody, "description": _DESCRIBED[status]} for status in wanted}
