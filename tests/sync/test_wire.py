"""The wire format of a batch of changes: what every transport writes and reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path

import msgspec
import pytest

from aksio.changes import FORMAT, ChangeBatch
from aksio.clock import FixedClock
from aksio.errors import BadBatch
from aksio.service import Aksio
from aksio_sync import wire
from tests.conftest import NOW


@pytest.fixture
def homes(tmp_path: Path) -> Iterator[tuple[Aksio, Aksio]]:
    a = Aksio.open(tmp_path / "a", FixedClock(NOW), tz=UTC)
    b = Aksio.open(tmp_path / "b", FixedClock(NOW + timedelta(seconds=5)), tz=UTC)
    yield a, b
    a.close()
    b.close()


def _batch(home: Aksio) -> ChangeBatch:
    home.add_course("Geography", tags=["europe"])
    card = home.add_card("Geography", "Capital of France?", "Paris", tags=["capitals"])[0]
    home.add_card("Geography", "{{c1::Rome}} is in {{c2::Italy}}", kind="cloze")
    home.answer(card.id, "good")
    home.edit_course("Geography", desired_retention=0.85)
    return home.changes_since(0)[0]


def test_a_batch_read_back_is_the_batch_written_and_merges(homes: tuple[Aksio, Aksio]) -> None:
    a, b = homes
    batch = _batch(a)
    data = wire.encode(batch)
    assert wire.decode(data, "a.changes") == batch
    b.apply_changes(wire.decode(data, "a.changes"))
    assert [c.front for c in b.cards()] == [c.front for c in a.cards()]
    assert b.course("Geography").desired_retention == 0.85  # a float comes back a float


def test_a_file_still_being_copied_is_told_from_a_damaged_one(homes: tuple[Aksio, Aksio]) -> None:
    data = wire.encode(_batch(homes[0]))
    at = data.index(b"\n") + 1
    for cut in (10, at - 1, at, len(data) - 1):  # within the header, before and after its end, the last byte
        with pytest.raises(wire.IncompleteBatch, match=r"^a\.changes: incomplete"):
            wire.decode(data[:cut], "a.changes")
    flipped = data[:-5] + bytes([data[-5] ^ 0xFF]) + data[-4:]
    with pytest.raises(BadBatch, match="checksum") as failure:
        wire.decode(flipped, "a.changes")
    assert not isinstance(failure.value, wire.IncompleteBatch)
    with pytest.raises(BadBatch, match="checksum"):
        wire.decode(data + b"more", "a.changes")


def _with_header(data: bytes, **changes: object) -> bytes:
    at = data.index(b"\n")
    header = {**json.loads(data[:at]), **changes}
    return json.dumps(header).encode() + data[at:]


def test_a_batch_from_a_newer_aksio_is_refused_in_one_line(homes: tuple[Aksio, Aksio]) -> None:
    data = wire.encode(_batch(homes[0]))
    for newer in ({"wire": wire.WIRE + 1}, {"format": FORMAT + 1}):
        with pytest.raises(BadBatch, match=r"^b\.changes: written by a newer Aksio .*upgrade Aksio") as failure:
            wire.decode(_with_header(data, **newer), "b.changes")
        assert "\n" not in str(failure.value)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello\nworld",
        b"PK\x03\x04" + bytes(5000),
        b'{"aksio": "changes", "wire": "one"}\n',
        b'{"aksio": "mail"}\n',
    ],
)
def test_what_is_not_a_batch_is_refused_in_one_line(data: bytes) -> None:
    with pytest.raises(BadBatch) as failure:
        wire.decode(data, "stray.file")
    message = str(failure.value)
    assert message.startswith("stray.file: ") and "\n" not in message


def test_a_body_that_is_no_batch_is_damaged_even_with_a_right_checksum(homes: tuple[Aksio, Aksio]) -> None:
    import hashlib
    import zlib

    good = wire.encode(_batch(homes[0]))
    body = zlib.compress(msgspec.msgpack.encode({"not": "a batch"}))
    forged = _with_header(good, bytes=len(body), sha256=hashlib.sha256(body).hexdigest())
    forged = forged[: forged.index(b"\n") + 1] + body
    with pytest.raises(BadBatch, match=r"^x: damaged"):
        wire.decode(forged, "x")
    other = msgspec.structs.replace(wire.decode(good, "x"), upto=999)
    mixed = _with_header(wire.encode(other), upto=1)
    with pytest.raises(BadBatch, match="header and its contents"):
        wire.decode(mixed, "x")
