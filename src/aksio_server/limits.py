"""Every request body is bounded before it is read: ``Content-Length`` over the limit is refused at once (413), and
a body sent without one (chunked) is cut off as soon as it passes the limit. Routes that stream large bodies (blobs)
get a limit of their own by path prefix, optionally for one method: ``{"PUT /api/v1/sync/blobs/": 1 << 30}``."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    """ASGI middleware: ``default`` bytes per body, or the limit of the longest matching prefix in ``by_prefix``
    (a key ``"METHOD /prefix"`` matches that method only)."""

    def __init__(self, app: ASGIApp, *, default: int, by_prefix: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.default = default
        rules = [(*_rule(key), limit) for key, limit in (by_prefix or {}).items()]
        self.by_prefix = sorted(rules, key=lambda rule: (-len(rule[1]), rule[0] == ""))

    def limit_for(self, method: str, path: str) -> int:
        matches = (limit for only, prefix, limit in self.by_prefix if path.startswith(prefix) and only in ("", method))
        return next(matches, self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        declared = [value for name, value in scope["headers"] if name == b"content-length"]
        if declared:
            text = declared[0].decode("latin-1").strip()
            if not text.isdigit():
                await _refuse(scope, receive, send, 400, "the Content-Length header is not a number")
                return
            if int(text) > limit:
                await _refuse(scope, receive, send, 413, f"the request body is too large: at most {limit} bytes")
                return
        seen = 0

        async def bounded() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # an HTTPException passes through FastAPI's body parsing as it is and becomes our 413
                    raise HTTPException(413, f"the request body is too large: at most {limit} bytes")
            return message

        await self.app(scope, bounded, send)


def _rule(key: str) -> tuple[str, str]:
    """``"PUT /path"`` as ("PUT", "/path"); ``"/path"`` as ("", "/path")."""
    method, _, prefix = key.partition(" ")
    return (method.upper(), prefix) if prefix else ("", method)


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    response = JSONResponse({"error": message}, status_code=status, headers={"Connection": "close"})
    await response(scope, receive, send)
