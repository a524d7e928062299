"""The blob store, the same specification for the local directory and for GCS (through the real client against
gcp-storage-emulator): blobs go in and out whole and streamed, bytes that do not match their sha256 or pass the cap
are refused with nothing stored, and one user's blobs are out of another's reach."""

from __future__ import annotations

import hashlib
import os
import random
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest

from aksio.blobs import ChunkReader
from aksio.errors import ConfigError, InvalidInput
from aksio_server.blobstore import (
    STALE_PARTIAL_SECONDS,
    BlobNotFound,
    BlobStore,
    BlobStoreUnavailable,
    BlobTooLarge,
    DigestMismatch,
    GcsBlobStore,
    InvalidDigest,
    LocalBlobStore,
    MiB,
    blob_chunks,
    iter_chunks,
    make_blob_store,
    put_async,
)
from tests.server.gcs import gcs_bucket, gcs_client, gcs_emulator

__all__ = ["gcs_bucket", "gcs_client", "gcs_emulator"]  # fixtures, imported for pytest to find

CAP = 64 * MiB
GCS_CHUNK = 256 * 1024  # the smallest a resumable upload allows: a few hundred KiB already take several chunks


@dataclass
class Store:
    """A store under test and what it really holds underneath (files or objects), to prove nothing was left."""

    blobs: BlobStore
    underneath: Callable[[], list[str]]


@pytest.fixture(params=["local", "gcs"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "local":
        root = tmp_path / "blobs"
        return Store(
            LocalBlobStore(root, chunk_size=64 * 1024),
            lambda: sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()),
        )
    bucket = request.getfixturevalue("gcs_bucket")
    client = request.getfixturevalue("gcs_client")
    return Store(
        GcsBlobStore(client, bucket.name, chunk_size=GCS_CHUNK),
        lambda: sorted(blob.name for blob in client.list_blobs(bucket)),
    )


def blob(size: int, seed: int = 1) -> tuple[bytes, str]:
    data = random.Random(seed).randbytes(size)
    return data, hashlib.sha256(data).hexdigest()


class Source:
    """An upload made on the fly in 64 KiB pieces (never whole in memory), recording what the store asked of it."""

    def __init__(self, size: int, seed: int = 1, fail_after: int | None = None) -> None:
        self._reader = ChunkReader(self._pieces(size, seed))
        self.sent = 0
        self.largest_request = 0
        self._fail_after = fail_after

    @staticmethod
    def _pieces(size: int, seed: int) -> Iterator[bytes]:
        rng = random.Random(seed)
        while size > 0:
            piece = rng.randbytes(min(size, 64 * 1024))
            size -= len(piece)
            yield piece

    @staticmethod
    def digest(size: int, seed: int = 1) -> str:
        sha = hashlib.sha256()
        for piece in Source._pieces(size, seed):
            sha.update(piece)
        return sha.hexdigest()

    def read(self, size: int, /) -> bytes:
        assert size > 0, "a store must never ask for the whole upload at once"
        self.largest_request = max(self.largest_request, size)
        if self._fail_after is not None and self.sent >= self._fail_after:
            raise ConnectionResetError("the client went away")
        data = self._reader.read(size)
        self.sent += len(data)
        return data


def put(store: Store, user: int | str, data: bytes, sha: str, max_bytes: int = CAP) -> int:
    return store.blobs.put(
        user, sha, ChunkReader([data[i : i + 70_000] for i in range(0, len(data), 70_000)]), max_bytes=max_bytes
    )


def read_back(store: Store, user: int | str, sha: str) -> bytes:
    with store.blobs.open(user, sha) as stream:
        return b"".join(iter_chunks(stream, 100_000))


@pytest.mark.parametrize("size", [0, 1, 1000, GCS_CHUNK, 3 * GCS_CHUNK + 7])
def test_a_blob_comes_back_as_it_was_stored(store: Store, size: int) -> None:
    data, sha = blob(size)
    assert put(store, 1, data, sha) == size
    assert store.blobs.has(1, sha)
    assert store.blobs.size(1, sha) == size
    assert read_back(store, 1, sha) == data


def test_bytes_that_do_not_match_their_sha256_are_refused_and_nothing_is_stored(store: Store) -> None:
    data, sha = blob(GCS_CHUNK * 2 + 5)
    damaged = data[:-1] + bytes([data[-1] ^ 1])
    with pytest.raises(DigestMismatch, match="do not have the sha256"):
        put(store, 1, damaged, sha)
    assert not store.blobs.has(1, sha)
    assert store.underneath() == []


def test_an_oversize_upload_is_refused_after_one_byte_past_the_cap_and_nothing_is_stored(store: Store) -> None:
    cap = 300_000
    source = Source(5 * MiB)
    with pytest.raises(BlobTooLarge, match="300000 bytes"):
        store.blobs.put(7, Source.digest(5 * MiB), source, max_bytes=cap)
    assert source.sent == cap + 1
    assert store.underneath() == []


def test_an_upload_of_exactly_the_cap_is_taken(store: Store) -> None:
    data, sha = blob(300_000)
    assert put(store, 1, data, sha, max_bytes=300_000) == 300_000


def test_an_upload_cut_off_midway_leaves_nothing(store: Store) -> None:
    size = 3 * GCS_CHUNK
    with pytest.raises(ConnectionResetError):
        store.blobs.put(1, Source.digest(size), Source(size, fail_after=GCS_CHUNK + 1), max_bytes=CAP)
    assert store.underneath() == []


def test_one_users_blob_is_out_of_anothers_reach(store: Store) -> None:
    data, sha = blob(5000)
    put(store, "alice", data, sha)
    assert not store.blobs.has("bob", sha)
    assert store.blobs.size("bob", sha) is None
    with pytest.raises(BlobNotFound):
        store.blobs.open("bob", sha)
    assert store.blobs.delete("bob", sha) is False
    # bob storing the same bytes gets a copy of his own, and removing it leaves alice's
    put(store, "bob", data, sha)
    assert store.blobs.delete("bob", sha) is True
    assert read_back(store, "alice", sha) == data
    # bob cannot put other bytes under alice's blob's name either: the name is the bytes' digest
    with pytest.raises(DigestMismatch):
        put(store, "bob", b"other bytes", sha)
    assert read_back(store, "alice", sha) == data
    assert not store.blobs.has("bob", sha)


def test_storing_a_blob_again_changes_nothing_and_still_checks_the_bytes(store: Store) -> None:
    data, sha = blob(GCS_CHUNK + 10)
    put(store, 1, data, sha)
    before = store.underneath()
    assert put(store, 1, data, sha) == len(data)
    with pytest.raises(DigestMismatch):
        put(store, 1, data[:-1], sha)
    with pytest.raises(BlobTooLarge):
        put(store, 1, data, sha, max_bytes=1000)
    assert store.underneath() == before
    assert read_back(store, 1, sha) == data


def test_uploads_of_one_blob_at_once_all_succeed_and_leave_one_blob(store: Store) -> None:
    data, sha = blob(GCS_CHUNK + 99)
    with ThreadPoolExecutor(4) as pool:
        sizes = list(pool.map(lambda _: put(store, 1, data, sha), range(4)))
    assert sizes == [len(data)] * 4
    [only] = store.underneath()  # no temporary file or second copy left
    assert only.endswith(sha)
    assert read_back(store, 1, sha) == data


def test_a_missing_blob_is_absent_everywhere(store: Store) -> None:
    _, sha = blob(10)
    assert store.blobs.size(1, sha) is None
    assert not store.blobs.has(1, sha)
    with pytest.raises(BlobNotFound, match=sha):
        store.blobs.open(1, sha)
    assert store.blobs.delete(1, sha) is False


def test_a_deleted_blob_is_gone(store: Store) -> None:
    data, sha = blob(10)
    put(store, 1, data, sha)
    assert store.blobs.delete(1, sha) is True
    assert not store.blobs.has(1, sha)
    assert store.underneath() == []


BAD_SHA = [
    "",
    "abc",
    "A" * 64,  # upper case is another spelling of the same digest: refused, so a blob has one name
    "0" * 63,
    "0" * 65,
    "g" * 64,
    "../" + "0" * 61,
    "0" * 63 + "\n",
    " " + "0" * 63,
    "٠" * 64,  # Arabic-Indic digits are digits to str.isdigit and to \d, not to a sha256
]


@pytest.mark.parametrize("sha", BAD_SHA)
def test_a_malformed_sha256_is_refused_by_every_operation(store: Store, sha: str) -> None:
    calls: list[Callable[[], Any]] = [
        lambda: store.blobs.size(1, sha),
        lambda: store.blobs.has(1, sha),
        lambda: store.blobs.open(1, sha),
        lambda: store.blobs.delete(1, sha),
        lambda: store.blobs.put(1, sha, ChunkReader([b"x"]), max_bytes=CAP),
    ]
    for call in calls:
        with pytest.raises(InvalidDigest, match="not a sha256"):
            call()
    assert store.underneath() == []


@pytest.mark.parametrize("user", ["", "..", "a/b", "a\\b", "a.b", "-1", -1, "x" * 65, "é", True])
def test_a_malformed_user_id_is_refused(store: Store, user: Any) -> None:
    data, sha = blob(10)
    with pytest.raises(InvalidInput, match="not a user id"):
        put(store, user, data, sha)
    with pytest.raises(InvalidInput, match="not a user id"):
        store.blobs.size(user, sha)
    assert store.underneath() == []


def test_a_multi_megabyte_blob_streams_both_ways_in_chunks(store: Store) -> None:
    size = 6 * MiB + 123
    source = Source(size, seed=9)
    assert store.blobs.put(3, Source.digest(size, seed=9), source, max_bytes=CAP) == size
    assert 0 < source.largest_request <= GCS_CHUNK
    sha = hashlib.sha256()
    got = 0
    with store.blobs.open(3, Source.digest(size, seed=9)) as stream:
        while chunk := stream.read(64 * 1024):
            assert len(chunk) <= 64 * 1024
            sha.update(chunk)
            got += len(chunk)
    assert got == size
    assert sha.hexdigest() == Source.digest(size, seed=9)


def test_an_upload_to_a_bucket_that_is_not_there_fails_in_one_line(gcs_client: Any) -> None:
    store = GcsBlobStore(gcs_client, "no-such-bucket")
    data, sha = blob(10)
    with pytest.raises(BlobStoreUnavailable, match="no bucket 'no-such-bucket'") as caught:
        store.put(1, sha, ChunkReader([data]), max_bytes=CAP)
    assert "\n" not in str(caught.value)


def test_the_local_store_holds_a_chunk_not_the_blob(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs", chunk_size=64 * 1024)
    size = 8 * MiB
    sha = Source.digest(size)
    tracemalloc.start()
    try:
        store.put(1, sha, Source(size), max_bytes=CAP)
        with store.open(1, sha) as stream:
            for _ in iter_chunks(stream, 64 * 1024):
                pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * MiB


def test_an_async_body_is_stored_as_it_arrives(store: Store) -> None:
    data, sha = blob(3 * GCS_CHUNK + 11)
    pulled: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 50_000):
            pulled.append(start)
            yield data[start : start + 50_000]

    assert anyio.run(lambda: put_async(store.blobs, 1, sha, body(), max_bytes=CAP)) == len(data)
    assert read_back(store, 1, sha) == data
    assert len(pulled) == -(-len(data) // 50_000)


def test_an_async_body_that_fails_midway_stores_nothing(store: Store) -> None:
    data, sha = blob(3 * GCS_CHUNK)

    async def body() -> AsyncIterator[bytes]:
        yield data[: GCS_CHUNK + 5]
        raise ConnectionResetError("the client went away")

    with pytest.raises(ConnectionResetError):
        anyio.run(lambda: put_async(store.blobs, 1, sha, body(), max_bytes=CAP))
    with pytest.raises(DigestMismatch):
        anyio.run(lambda: put_async(store.blobs, 1, sha, body_of(data[:-1]), max_bytes=CAP))
    assert store.underneath() == []


async def body_of(data: bytes) -> AsyncIterator[bytes]:
    yield data


def test_blob_chunks_finds_a_missing_blob_before_streaming_and_closes_what_it_opened(store: Store) -> None:
    data, sha = blob(GCS_CHUNK + 3)
    with pytest.raises(BlobNotFound):
        blob_chunks(store.blobs, 1, sha)
    put(store, 1, data, sha)
    chunks = list(blob_chunks(store.blobs, 1, sha, 100_000))
    assert [len(c) for c in chunks] == [100_000, 100_000, GCS_CHUNK + 3 - 200_000]
    assert b"".join(chunks) == data


def test_chunk_reader_hands_out_at_most_what_is_asked() -> None:
    reader = ChunkReader([b"abc", b"", b"defgh", b"i"])
    assert [reader.read(2) for _ in range(6)] == [b"ab", b"c", b"de", b"fg", b"h", b"i"]
    assert reader.read(5) == b""
    assert ChunkReader([b"ab", b"cd"]).read(-1) == b"abcd"


def test_the_factory_picks_the_directory_without_a_bucket(tmp_path: Path) -> None:
    store = make_blob_store(tmp_path / "blobs", "", "")
    assert isinstance(store, LocalBlobStore)
    assert store.root == tmp_path / "blobs"


def test_the_factory_picks_the_bucket_when_one_is_named(
    tmp_path: Path, gcs_emulator: str, gcs_bucket: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_emulator)
    store = make_blob_store(tmp_path / "blobs", gcs_bucket.name, "aksio-test")
    assert isinstance(store, GcsBlobStore)
    data, sha = blob(1000)
    store.put(1, sha, ChunkReader([data]), max_bytes=CAP)
    assert [b.name for b in gcs_bucket.list_blobs()] == [f"blobs/1/{sha}"]
    assert not (tmp_path / "blobs").exists()


def test_the_factory_says_in_one_line_that_a_bucket_needs_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    # a credentials file that is not there fails at once, before any look for the cloud's metadata server
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    with pytest.raises(ConfigError, match="GCS_BUCKET_NAME is set but no Google credentials") as caught:
        make_blob_store(tmp_path / "blobs", "a-bucket", "a-project")
    assert "\n" not in str(caught.value)


def test_what_a_dead_upload_left_is_removed_by_the_next_upload_of_that_blob(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    data, sha = blob(100)
    directory = tmp_path / "blobs" / "1" / sha[:2]
    directory.mkdir(parents=True)
    stale, recent = directory / f".{sha}.dead.part", directory / f".{sha}.alive.part"
    stale.write_bytes(b"half")
    recent.write_bytes(b"half")
    day_and_more = time.time() - STALE_PARTIAL_SECONDS - 60
    os.utime(stale, (day_and_more, day_and_more))
    store.put(1, sha, ChunkReader([data]), max_bytes=CAP)
    assert sorted(p.name for p in directory.iterdir()) == sorted([sha, recent.name])
