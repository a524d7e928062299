"""The wire format of a batch of changes (``aksio.changes.ChangeBatch``), shared by every transport: a file in a
shared folder now, an HTTP body later.

A batch travels as one header line of JSON, then the batch itself as zlib-compressed msgpack::

    {"aksio": "changes", "wire": 1, "format": 1, "device": "...", "since": 0, "upto": 42, "rows": 57,
     "bytes": 1234, "sha256": "..."}\\n<1234 bytes>

The header says what follows without decoding it: the wire version (a later one is refused: upgrade Aksio), the
core's record format, whose changes, which part of their log, and the body's length and checksum, so that a file
still being copied (shorter than it says) is told from a damaged one (its checksum does not match).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import Any

import msgspec

from aksio.changes import FORMAT, ChangeBatch
from aksio.errors import BadBatch

WIRE = 1  # the version of this envelope; the records inside have their own (aksio.changes.FORMAT)
_MARK = "changes"
_HEADER_LIMIT = 4096  # a header line is ~300 bytes: past this without a newline, it is not one
_LEVEL = 1  # zlib's fastest: the stamps and ids that make most of a batch compress ~5x at any level
_LARGEST = 1 << 30  # unpacked: ~1M rows; a body that inflates past it is refused, not held in memory

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(ChangeBatch)


class IncompleteBatch(BadBatch):
    """Shorter than its header says: still being written or copied (a sync tool at work); try again later."""


def encode(batch: ChangeBatch) -> bytes:
    """A batch as it travels: its header line, then its body."""
    body = zlib.compress(_encoder.encode(batch), _LEVEL)
    header = {
        "aksio": _MARK,
        "wire": WIRE,
        "format": batch.format,
        "device": batch.device,
        "since": batch.since,
        "upto": batch.upto,
        "rows": batch.size,
        "bytes": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + body


def header(data: bytes, name: str) -> dict[str, Any]:
    """What a batch's header says, checked: its wire version and record format readable here. ``name`` (a file
    name, a URL) names it in the errors."""
    end = data.find(b"\n", 0, _HEADER_LIMIT)
    if end < 0:
        if len(data) < _HEADER_LIMIT and data.startswith(b'{"aksio"'):
            raise IncompleteBatch(f"{name}: incomplete (it is still being written or copied)")
        raise BadBatch(f"{name}: not a batch of Aksio changes")
    try:
        found = json.loads(data[:end])
    except ValueError:
        raise BadBatch(f"{name}: not a batch of Aksio changes") from None
    if not isinstance(found, dict) or found.get("aksio") != _MARK:
        raise BadBatch(f"{name}: not a batch of Aksio changes")
    wire, form = found.get("wire"), found.get("format")
    if not isinstance(wire, int) or not isinstance(form, int) or not isinstance(found.get("bytes"), int):
        raise BadBatch(f"{name}: damaged (its header does not say its version, format and length)")
    if wire > WIRE or form > FORMAT:
        raise BadBatch(
            f"{name}: written by a newer Aksio (sync format {wire}.{form}; this one reads {WIRE}.{FORMAT}): "
            "upgrade Aksio to merge it"
        )
    found["body_at"] = end + 1
    return found


def decode(data: bytes, name: str) -> ChangeBatch:
    """The batch ``data`` carries. A file shorter than its header says raises ``IncompleteBatch`` (try again once
    it is whole); one that is not a batch, is damaged (its checksum does not match, its body is not a batch) or
    comes from a newer Aksio raises ``BadBatch``, in one line naming ``name``."""
    found = header(data, name)
    body = data[found["body_at"] :]
    if len(body) < found["bytes"]:
        raise IncompleteBatch(
            f"{name}: incomplete ({len(body)} of {found['bytes']} bytes; it is still being written or copied)"
        )
    if len(body) > found["bytes"] or hashlib.sha256(body).hexdigest() != found.get("sha256"):
        raise BadBatch(f"{name}: damaged (its checksum does not match its contents)")
    try:
        inflate = zlib.decompressobj()
        packed = inflate.decompress(body, _LARGEST)
        if inflate.unconsumed_tail:
            raise BadBatch(f"{name}: larger than a batch may be ({_LARGEST >> 20} MB unpacked)")
        batch = _decoder.decode(packed)
    except (zlib.error, msgspec.DecodeError) as exc:
        raise BadBatch(f"{name}: damaged ({exc})") from None
    said = (found.get("device"), found.get("since"), found.get("upto"))
    if said != (batch.device, batch.since, batch.upto):
        raise BadBatch(f"{name}: damaged (its header and its contents name different changes)")
    return batch
