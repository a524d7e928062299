"""The sync routes, under ``/api/v1/sync/`` (the protocol: ``aksio_sync.protocol``). Every route is signed in and
checks the client's protocol version; each touches only the caller's own rows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi import Path as FastPath
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from aksio.changes import DEVICE, ChangeBatch
from aksio.errors import BadBatch
from aksio_server.auth import CurrentUser, Principal, runtime
from aksio_server.blobstore import BlobNotFound, BlobTooLarge, DigestMismatch, InvalidDigest, blob_chunks, put_async
from aksio_server.errors import ApiError, error_responses
from aksio_server.protocol import require_protocol
from aksio_server.runtime import Runtime
from aksio_server.sync import store
from aksio_sync import wire
from aksio_sync.protocol import BLOBS_PER_ASK, IDEMPOTENCY, MEDIA, MORE, PREFIX, PULL_ROWS, PushAck, SyncStatus

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
    request: Request,
    who: CurrentUser,
    rt: Rt,
    after: Annotated[int, Query(ge=0, le=2**62, description="the last sequence number merged (0: none)")] = 0,
    limit: Annotated[int, Query(ge=1, le=PULL_ROWS, description="rows at most")] = PULL_ROWS,
    device: Annotated[str, Query(min_length=1, max_length=64, pattern=f"^{DEVICE.pattern}$")] = "-",
) -> Response:
    """The account's rows changed after ``after``, oldest change first, as one batch (the wire format); rows only
    ``device`` wrote are left out. ``Aksio-More: 1`` when more follow."""
    unknown = sorted(set(request.query_params) - {"after", "limit", "device"})
    if unknown:
        raise ApiError(422, f"{unknown[0][:40]!r} is not a parameter of a pull (after, limit, device)")
    with rt.engine.begin() as conn:
        batch, more = store.pull(conn, who.user_id, after, limit, device)
    return Response(wire.encode(batch), media_type=MEDIA, headers={MORE: "1" if more else "0"})


@router.get("/status", responses=error_responses(401, 426, 503))
def status(who: CurrentUser, rt: Rt) -> Status:
    """The account's latest sequence number and how many rows the server keeps for it."""
    with rt.engine.begin() as conn:
        found: SyncStatus = store.status(conn, who.user_id)
    return Status(seq=found.seq, rows=found.rows)


# -- documents' files -----------------------------------------------------------------------------------------

Digest = Annotated[str, FastPath(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$", description="sha256")]


class Digests(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sha256: list[Annotated[str, Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")]] = Field(
        max_length=BLOBS_PER_ASK
    )


class Missing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    missing: list[str]


@router.post("/blobs/missing", responses=error_responses(401, 426, 503))
def missing_blobs(body: Digests, who: CurrentUser, rt: Rt) -> Missing:
    """Which of these files the server does not keep for the account (the ones a device should upload)."""
    return Missing(missing=[digest for digest in dict.fromkeys(body.sha256) if not rt.blobs.has(who.user_id, digest)])


@router.put(
    "/blobs/{sha256}",
    status_code=204,
    responses=error_responses(401, 426, 503),
    openapi_extra={"requestBody": {"content": {"application/octet-stream": {}}, "required": True}},
)
async def put_blob(sha256: Digest, request: Request, who: CurrentUser, rt: Rt) -> Response:
    """Keep a document's file for the account: streamed, kept only whole and only if its bytes hash to its name."""
    try:
        await put_async(rt.blobs, who.user_id, sha256, request.stream(), max_bytes=rt.settings.max_blob_bytes)
    except BlobTooLarge as exc:
        raise ApiError(413, str(exc)) from None
    except (DigestMismatch, InvalidDigest) as exc:
        raise ApiError(422, str(exc)) from None
    return Response(status_code=204)


@router.get(
    "/blobs/{sha256}",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}}, **error_responses(401, 404, 426, 503)},
)
def get_blob(sha256: Digest, who: CurrentUser, rt: Rt) -> StreamingResponse:
    """A document's file the account keeps, streamed."""
    size = rt.blobs.size(who.user_id, sha256)
    if size is None:
        raise ApiError(404, "no such file among yours")
    try:
        chunks = blob_chunks(rt.blobs, who.user_id, sha256)
    except BlobNotFound:  # removed since its size was read
        raise ApiError(404, "no such file among yours") from None
    headers = {"Content-Length": str(size)}
    return StreamingResponse(chunks, media_type="application/octet-stream", headers=headers)


@router.head("/blobs/{sha256}", responses=error_responses(401, 404, 426, 503))
def has_blob(sha256: Digest, who: CurrentUser, rt: Rt) -> Response:
    size = rt.blobs.size(who.user_id, sha256)
    if size is None:
        raise ApiError(404, "no such file among yours")
    return Response(status_code=200, headers={"Content-Length": str(size)})
