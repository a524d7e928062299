"""The sync protocol over HTTP, shared by the client (``aksio_sync.client``) and the server (``aksio_server``).

Every request says ``Aksio-Protocol: <VERSION>``; a server answers a client older than it supports with 426
("please upgrade"), and a client refuses a server that says a newer one. Signed-in routes take the device token
that ``/api/v1/accounts/login`` gave, as ``Authorization: Bearer <token>``.

``POST /api/v1/sync/push``
    Body: one batch of this device's changes in the wire format (``aksio_sync.wire``, ``application/x-aksio-changes``),
    at most ``PUSH_LIMIT`` bytes. Header ``Idempotency-Key``: ``<device>:<since>-<upto>`` of the batch, so a push
    retried after a lost answer is applied once. The server merges it into the user's rows column by column
    (``aksio.changes.merge_columns``) and answers ``PushAck`` (JSON).

``GET /api/v1/sync/pull?after=<seq>&limit=<rows>&device=<device id>``
    The user's rows changed after server sequence number ``after`` (0: all), at most ``limit`` rows, oldest change
    first, as one batch in the wire format whose ``since``/``upto`` are server sequence numbers: the client merges it
    and stores ``upto`` as its pull cursor in the same transaction. Rows that only ``device`` wrote (every column's
    stamp is its own) are left out: it has them. Header ``Aksio-More: 1`` when more rows follow.

``POST /api/v1/sync/blobs/missing``
    Body ``{"sha256": [...]}`` (at most ``BLOBS_PER_ASK``): answers ``{"missing": [...]}``, the ones the server lacks.
``PUT | GET | HEAD /api/v1/sync/blobs/{sha256}``
    A document's file, streamed, at most ``BLOB_LIMIT`` bytes, kept only if it hashes to its name; per user.

``GET /api/v1/sync/status``
    ``SyncStatus`` (JSON): the user's latest sequence number and how many rows the server keeps.
"""

from __future__ import annotations

from aksio.records import FrozenRecord

HEADER = "Aksio-Protocol"
VERSION = 1
"""What this Aksio speaks. Raised when a request or response changes in a way an older peer would misread."""
MORE = "Aksio-More"
IDEMPOTENCY = "Idempotency-Key"
MEDIA = "application/x-aksio-changes"

PREFIX = "/api/v1/sync"
PUSH_LIMIT = 64 << 20  # a batch of 5,000 rows is ~1 MB
PULL_ROWS = 5000  # rows a pull gives at most (a client may ask fewer)
BLOB_LIMIT = 1 << 30
BLOBS_PER_ASK = 1000


class PushAck(FrozenRecord, frozen=True):
    """What the server says of a push it merged: the batch's end in the sender's log (its push cursor from now)
    and the server's sequence number after it."""

    upto: int
    seq: int
    rows: int  # rows that changed on the server (0 for a push seen before)


class SyncStatus(FrozenRecord, frozen=True):
    seq: int
    rows: int
