"""The protocol version check for the sync routes: a client too old for this server gets 426 "please upgrade".

    @router.post("/push", dependencies=[Depends(require_protocol)])

The header (``aksio_sync.protocol.HEADER``) carries the client's version; this server speaks ``OLDEST`` up to
``aksio_sync.protocol.VERSION``.
"""

from __future__ import annotations

from fastapi import Request

from aksio_server.errors import ApiError
from aksio_sync.protocol import HEADER, VERSION

OLDEST = 1
"""The oldest client protocol this server still answers."""


def require_protocol(request: Request) -> int:
    """The client's protocol version, or 400 (missing, not a number, newer than this server) or 426 (too old).

    Read from the request rather than declared as a header parameter: every sync route takes it, as every
    signed-in route takes its token, and the OpenAPI schema says so in the routes' description."""
    aksio_protocol = request.headers.get(HEADER)
    if aksio_protocol is None:
        raise ApiError(400, f"missing the {HEADER} header: this route is for Aksio's sync")
    if len(aksio_protocol) > 8 or not aksio_protocol.isdigit():
        raise ApiError(400, f"{HEADER} must be a number, not {aksio_protocol!r}")
    version = int(aksio_protocol)
    if version < OLDEST:
        raise ApiError(
            426,
            f"this Aksio is too old for the server (protocol {version}, it needs {OLDEST} or newer): please upgrade",
        )
    if version > VERSION:
        raise ApiError(
            400,
            f"the server is older than this Aksio (it speaks protocol up to {VERSION}, this is {version}): "
            "ask its admin to upgrade aksio-server",
        )
    return version
