"""The protocol version check for the sync routes: a client too old for this server gets 426 "please upgrade".

    @router.post("/push", dependencies=[Depends(require_protocol)])

The header (``aksio_sync.protocol.HEADER``) carries the client's version; this server speaks ``OLDEST`` up to
``aksio_sync.protocol.VERSION``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from aksio_server.errors import ApiError
from aksio_sync.protocol import HEADER, VERSION

OLDEST = 1
"""The oldest client protocol this server still answers."""


def require_protocol(
    aksio_protocol: Annotated[
        str | None,
        Header(alias=HEADER, max_length=8, description=f"the client's sync protocol version ({OLDEST}-{VERSION})"),
    ] = None,
) -> int:
    """The client's protocol version, or 400 (missing, not a number, newer than this server) or 426 (too old)."""
    if aksio_protocol is None:
        raise ApiError(400, f"missing the {HEADER} header: this route is for Aksio's sync")
    if not aksio_protocol.isdigit():
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
