"""The FastAPI application: routes, error handling, body limits. ``create_app(runtime)`` builds it for one process;
``aksio-server serve`` runs it under uvicorn, tests through ``TestClient``.

Later routes (sync, blobs) are routers included here. Their signed-in routes take ``who: CurrentUser``
(``aksio_server.auth``) and the protocol check ``Depends(require_protocol)`` (``aksio_server.protocol``); the blob
store is ``runtime.blobs``. Bodies are bounded by ``AKSIO_SERVER_MAX_REQUEST_BYTES``, except a push
(``aksio_sync.protocol.PUSH_LIMIT``) and a blob's upload (``AKSIO_SERVER_MAX_BLOB_BYTES``), set below;
``body_limits`` adds others.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from aksio_server.accounts.routes import router as accounts_router
from aksio_server.auth import runtime
from aksio_server.errors import ApiError, error_responses
from aksio_server.limits import BodyLimit
from aksio_server.runtime import Runtime
from aksio_server.sync.routes import router as sync_router
from aksio_sync.protocol import PREFIX, PUSH_LIMIT

log = logging.getLogger("aksio_server")


class Health(BaseModel):
    status: str
    database: str


def create_app(rt: Runtime, *, body_limits: Mapping[str, int] | None = None) -> FastAPI:
    """The server's app on ``rt``; ``body_limits`` maps a path prefix to its own body limit in bytes."""
    app = FastAPI(
        title="Aksio sync server",
        version="1",
        description="Accounts and sync for Aksio, the local-first study app.",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.runtime = rt
    limits = {f"POST {PREFIX}/push": PUSH_LIMIT, f"PUT {PREFIX}/blobs/": rt.settings.max_blob_bytes}
    app.add_middleware(BodyLimit, default=rt.settings.max_request_bytes, by_prefix=limits | dict(body_limits or {}))
    _handle_errors(app)
    app.include_router(accounts_router)
    app.include_router(sync_router)

    @app.get("/health", tags=["server"], responses=error_responses(503))
    def health(found: Annotated[Runtime, Depends(runtime)]) -> Health:
        """Whether this process answers and reaches its database."""
        try:
            with found.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError:
            raise ApiError(503, "the database is unavailable") from None
        return Health(status="ok", database=found.engine.dialect.name)

    return app


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=dict(headers or {}))


def _one_line(exc: RequestValidationError) -> tuple[int, str]:
    errors: list[dict[str, Any]] = list(exc.errors())
    if not errors:
        return 422, "the request is not valid"
    first = errors[0]
    if first.get("type") == "json_invalid":
        return 400, "the body is not valid JSON"
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "body"
    message = str(first.get("msg", "not valid")).replace("\n", " ")
    return 422, f"{where}: {message}"


def _handle_errors(app: FastAPI) -> None:
    """Every error leaves as ``{"error": "one line"}``: refusals with their status, the database's absence as 503,
    a bug as 500 (logged, never shown)."""

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, str(exc), exc.headers)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        status, message = _one_line(exc)
        return _error(status, message)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)  # every pooled connection busy for 30 s
    async def database_down(_request: Request, exc: Exception) -> JSONResponse:
        log.warning("database error: %s", exc)
        return _error(503, "the database is unavailable: try again later", {"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def bug(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return _error(500, "internal error (logged on the server)")
