"""The sync routes, under ``/api/v1/sync/`` (the protocol: ``aksio_sync.protocol``). Every route is signed in and
checks the client's protocol version; each touches only the caller's own rows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict

from aksio.changes import ChangeBatch
from aksio.errors import BadBatch
from aksio_server.auth import CurrentUser, Principal, runtime
from aksio_server.errors import ApiError, error_responses
from aksio_server.protocol import require_protocol
from aksio_server.runtime import Runtime
from aksio_server.sync import store
from aksio_sync import wire
from aksio_sync.protocol import IDEMPOTENCY, MEDIA, MORE, PREFIX, PULL_ROWS, PushAck, SyncStatus

router = APIRouter(prefix=PREFIX, tags=["sync"], dependencies=[Depends(require_protocol)])
Rt = Annotated[Runtime, Depends(runtime)]
_BATCH_BODY = {"content": {MEDIA: {"schema": {"type": "string", "format": "binary"}}}, "required": True}


class Acknowledged(BaseModel):
    """What a merged push says: the batch's end in the sender's log, the server's sequence number after it, and
    how many rows changed (0 for a push seen before)."""

    model_config = ConfigDict(extra="forbid")

    upto: int
    seq: int
    rows: int


class Status(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seq: int
    rows: int
    blobs: int


@router.post(
    "/push",
    responses=error_responses(401, 409, 426, 503),
    openapi_extra={"requestBody": _BATCH_BODY},
)
async def push(
    request: Request,
    who: CurrentUser,
    rt: Rt,
    key: Annotated[str, Header(alias=IDEMPOTENCY, min_length=1, max_length=200)],
) -> Acknowledged:
    """Merge one batch of a device's changes (the wire format) into the account's rows, once per Idempotency-Key."""
    body = await request.body()
    try:
        batch = wire.decode(body, "the pushed batch")
    except BadBatch as exc:
        raise ApiError(400 if isinstance(exc, wire.IncompleteBatch) else 422, str(exc)) from None
    ack = await run_in_threadpool(_push, rt, who, batch, key)
    return Acknowledged(upto=ack.upto, seq=ack.seq, rows=ack.rows)


def _push(rt: Runtime, who: Principal, batch: ChangeBatch, key: str) -> PushAck:
    with rt.engine.begin() as conn:
        return store.push(conn, who.user_id, batch, key, rt.now_ms())


@router.get(
    "/pull",
    response_class=Response,
    responses={
        200: {"content": {MEDIA: {"schema": {"type": "string", "format": "binary"}}}, "description": "a batch"},
        **error_responses(401, 426, 503),
    },
)
def pull(
    who: CurrentUser,
    rt: Rt,
    after: Annotated[int, Query(ge=0, le=2**62, description="the last sequence number merged (0: none)")] = 0,
    limit: Annotated[int, Query(ge=1, le=PULL_ROWS, description="rows at most")] = PULL_ROWS,
    device: Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z-]+$")] = "-",
) -> Response:
    """The account's rows changed after ``after``, oldest change first, as one batch (the wire format); rows only
    ``device`` wrote are left out. ``Aksio-More: 1`` when more follow."""
    with rt.engine.begin() as conn:
        batch, more = store.pull(conn, who.user_id, after, limit, device)
    return Response(wire.encode(batch), media_type=MEDIA, headers={MORE: "1" if more else "0"})


@router.get("/status", responses=error_responses(401, 426, 503))
def status(who: CurrentUser, rt: Rt) -> Status:
    """The account's latest sequence number and how many rows and files the server keeps for it."""
    with rt.engine.begin() as conn:
        found: SyncStatus = store.status(conn, who.user_id)
    return Status(seq=found.seq, rows=found.rows, blobs=found.blobs)
