"""The server's blob store: documents' files, content-addressed by sha256, kept per user.

A device uploads a document's file under the sha256 of its bytes and another device of the same user fetches it by
that name. Two stores keep them: a local directory (the default, for self-hosting) and a Google Cloud Storage bucket
(``GCS_BUCKET_NAME``, for Cloud Run). Both stream in both directions, so a blob never has to fit in memory, check the
bytes against the sha256 and the size cap while they arrive, and make a blob visible only once it is complete and
verified: a refused or interrupted upload leaves nothing behind. Keys are per user: the same bytes stored by two
users are two blobs, so no user can read, overwrite or even detect another's.

The stores are synchronous (the google-cloud-storage client is): an async route runs them in a worker thread.
Every name and digest handed in comes from the network, and is checked before it reaches a path or an object name.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import AsyncIterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol, cast

from aksio.blobs import ChunkReader, Readable, is_digest
from aksio.errors import AksioError, ConfigError, InvalidInput, NotFound

if TYPE_CHECKING:
    from google.cloud.storage import Client as GcsClient

MiB = 1 << 20
STALE_PARTIAL_SECONDS = 86_400
# a user id becomes a directory or an object name's part: no separators, no dots, nothing a shell or URL reads
_USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")

UserId = int | str


class BlobError(AksioError):
    """A blob could not be stored or read."""


class InvalidDigest(BlobError, InvalidInput):
    """A sha256 that is not 64 lowercase hexadecimal digits."""


class DigestMismatch(BlobError, InvalidInput):
    """The bytes sent do not have the sha256 they were sent under: nothing was stored."""


class BlobTooLarge(BlobError, InvalidInput):
    """The bytes sent are over the size cap: reading stopped there and nothing was stored."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"the file is larger than the limit of {max_bytes} bytes: nothing was stored")
        self.max_bytes = max_bytes


class BlobNotFound(BlobError, NotFound):
    """No blob of this user has this sha256."""


class BlobStoreUnavailable(BlobError):
    """The storage behind the store (the disk, the bucket) failed: try again later."""


class BlobStore(Protocol):
    """Blobs by (user, sha256). Every method checks both names and raises ``InvalidDigest`` for a malformed sha256
    (and ``InvalidInput`` for a malformed user id)."""

    def size(self, user_id: UserId, sha256: str) -> int | None:
        """The blob's size in bytes, or None when this user has no such blob."""
        ...

    def has(self, user_id: UserId, sha256: str) -> bool:
        """Whether this user has this blob."""
        ...

    def open(self, user_id: UserId, sha256: str) -> BinaryIO:
        """The blob for reading in chunks (close it, or use it as a context manager); ``BlobNotFound`` if absent."""
        ...

    def put(self, user_id: UserId, sha256: str, stream: Readable, *, max_bytes: int) -> int:
        """Stores what ``stream`` yields until its end under ``sha256`` and returns its size; ``DigestMismatch`` or
        ``BlobTooLarge`` (read stops one byte past ``max_bytes``) leave nothing stored. Storing a blob again is
        harmless: the bytes are checked again and the blob stays as it was."""
        ...

    def delete(self, user_id: UserId, sha256: str) -> bool:
        """Removes the blob; False when there was none."""
        ...


def check_sha256(sha256: str) -> str:
    """The sha256 itself when it is 64 lowercase hexadecimal digits; ``InvalidDigest`` otherwise."""
    if not isinstance(sha256, str) or not is_digest(sha256):
        raise InvalidDigest(f"not a sha256 (64 lowercase hexadecimal digits): {str(sha256)[:80]!r}")
    return sha256


def check_user_id(user_id: UserId) -> str:
    """The user id as the text a key holds: letters, digits, '-' and '_', at most 64, not starting with a sign."""
    text = str(user_id) if isinstance(user_id, int) and not isinstance(user_id, bool) else user_id
    if not isinstance(text, str) or not _USER_ID.fullmatch(text):
        raise InvalidInput(f"not a user id for the blob store: {str(user_id)[:80]!r}")
    return text


def iter_chunks(stream: Readable, chunk_size: int = MiB) -> Iterator[bytes]:
    """The stream's bytes in chunks of at most ``chunk_size``, e.g. for a streamed HTTP response."""
    while chunk := stream.read(chunk_size):
        yield chunk


def blob_chunks(store: BlobStore, user_id: UserId, sha256: str, chunk_size: int = MiB) -> Iterator[bytes]:
    """The blob's bytes in chunks, closed at the end, for a streamed response (Starlette runs a plain iterator in a
    worker thread). The blob is opened now, so ``BlobNotFound`` comes before any response has started."""
    stream = store.open(user_id, sha256)

    def chunks() -> Iterator[bytes]:
        with stream:
            yield from iter_chunks(stream, chunk_size)

    return chunks()


async def put_async(
    store: BlobStore, user_id: UserId, sha256: str, chunks: AsyncIterable[bytes], *, max_bytes: int
) -> int:
    """``store.put`` from an async route: the store's blocking I/O runs in a worker thread, which takes the body's
    chunks (``request.stream()``) one at a time from the event loop as it needs them, so the body is never held
    whole. A failure on either side (the client gone, the bytes refused) ends both and stores nothing."""
    import anyio.from_thread
    import anyio.to_thread

    iterator = aiter(chunks)
    done = object()

    async def next_chunk() -> bytes | object:
        return await anext(iterator, done)

    def pulled() -> Iterator[bytes]:
        while (chunk := anyio.from_thread.run(next_chunk)) is not done:
            yield cast(bytes, chunk)

    return await anyio.to_thread.run_sync(
        lambda: store.put(user_id, sha256, ChunkReader(pulled()), max_bytes=max_bytes)
    )


class VerifyingReader:
    """Reads an upload through: counts and hashes its bytes, refuses them past ``max_bytes``, and at the end checks
    the sha256 *before* handing out the last (possibly empty) read. A store that makes the blob visible only after
    that last read therefore never shows bytes that do not match. A short read means the end, as
    google-resumable-media takes it: ``read(n)`` gathers n bytes from the source unless the source has ended."""

    def __init__(self, source: Readable, sha256: str, max_bytes: int) -> None:
        self._source = source
        self._sha256 = sha256
        self._max_bytes = max_bytes
        self._hash = hashlib.sha256()
        self._total = 0
        self.finished = False

    @property
    def total(self) -> int:
        """The number of bytes read so far (the blob's size once ``finished``)."""
        return self._total

    def tell(self) -> int:
        return self._total

    def read(self, size: int = -1, /) -> bytes:
        if self.finished:
            return b""
        if size < 0:
            return b"".join(iter_chunks(self))
        parts: list[bytes] = []
        wanted = size
        while wanted > 0:
            # never more than one byte past the cap, whatever the caller asks for
            part = self._source.read(min(wanted, self._max_bytes - self._total + 1))
            if not part:
                self._finish()
                break
            self._total += len(part)
            if self._total > self._max_bytes:
                raise BlobTooLarge(self._max_bytes)
            self._hash.update(part)
            parts.append(part)
            wanted -= len(part)
        return b"".join(parts)

    def drain(self) -> int:
        """Reads (and checks) the rest; returns the size."""
        for _ in iter_chunks(self):
            pass
        return self._total

    def _finish(self) -> None:
        if self._hash.hexdigest() != self._sha256:
            raise DigestMismatch(f"the file's bytes do not have the sha256 {self._sha256}: nothing was stored")
        self.finished = True


class LocalBlobStore:
    """Blobs as files under ``root/<user>/<first two hex digits>/<sha256>``. An upload is written to a hidden
    temporary file in the blob's own directory, flushed to disk, and renamed over the final name only once verified,
    so a reader sees a whole blob or none. A crash leaves a ``.<sha256>.*.part`` file, removed by the next upload of
    that blob once a day old."""

    def __init__(self, root: Path, *, chunk_size: int = MiB) -> None:
        self.root = root
        self.chunk_size = chunk_size

    def _path(self, user_id: UserId, sha256: str) -> Path:
        sha256 = check_sha256(sha256)
        return self.root / check_user_id(user_id) / sha256[:2] / sha256

    def size(self, user_id: UserId, sha256: str) -> int | None:
        try:
            return self._path(user_id, sha256).stat().st_size
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise BlobStoreUnavailable(f"the blob directory cannot be read: {exc.strerror or exc}") from exc

    def has(self, user_id: UserId, sha256: str) -> bool:
        return self.size(user_id, sha256) is not None

    def open(self, user_id: UserId, sha256: str) -> BinaryIO:
        path = self._path(user_id, sha256)
        try:
            return path.open("rb")
        except FileNotFoundError:
            raise BlobNotFound(f"no file with sha256 {sha256}") from None
        except OSError as exc:
            raise BlobStoreUnavailable(f"the blob cannot be read: {exc.strerror or exc}") from exc

    def put(self, user_id: UserId, sha256: str, stream: Readable, *, max_bytes: int) -> int:
        path = self._path(user_id, sha256)
        reader = VerifyingReader(stream, sha256, max_bytes)
        with _disk_failure("the blob directory cannot be written"):
            path.parent.mkdir(parents=True, exist_ok=True)
            _remove_stale_partials(path.parent, sha256)
            fd, temp = tempfile.mkstemp(prefix=f".{sha256}.", suffix=".part", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                # only the disk's failures are the store's: the upload's own (a client gone) pass through as they are
                for chunk in iter_chunks(reader, self.chunk_size):
                    with _disk_failure("the blob cannot be written"):
                        out.write(chunk)
                with _disk_failure("the blob cannot be written"):
                    out.flush()
                    os.fsync(out.fileno())
            with _disk_failure("the blob cannot be written"):
                # the same sha256 means the same bytes: replacing a blob already there changes nothing a reader sees
                os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        with _disk_failure("the blob cannot be written"):
            _fsync_dir(path.parent)
        return reader.total

    def delete(self, user_id: UserId, sha256: str) -> bool:
        try:
            self._path(user_id, sha256).unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise BlobStoreUnavailable(f"the blob cannot be removed: {exc.strerror or exc}") from exc
        return True


@contextmanager
def _disk_failure(what: str) -> Iterator[None]:
    """Turns an OSError of the disk (full, read-only, permissions) into ``BlobStoreUnavailable`` saying ``what``."""
    try:
        yield
    except OSError as exc:
        raise BlobStoreUnavailable(f"{what}: {exc.strerror or exc}") from exc


def _remove_stale_partials(directory: Path, sha256: str) -> None:
    """Removes what uploads of this blob left when their process died (a day old: no upload still writes it)."""
    too_old = time.time() - STALE_PARTIAL_SECONDS
    for partial in directory.glob(f".{sha256}.*.part"):
        with contextlib.suppress(FileNotFoundError):
            if partial.stat().st_mtime < too_old:
                partial.unlink()


def _fsync_dir(directory: Path) -> None:
    """Makes a rename in ``directory`` durable (a crash after it returns keeps the blob)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class GcsBlobStore:
    """Blobs as objects ``<prefix>/<user>/<sha256>`` in a Google Cloud Storage bucket. An upload is one resumable
    upload session sent chunk by chunk as the bytes arrive (one chunk in memory at a time); GCS makes the object
    visible only when the session's last chunk is sent, and that chunk is read only after the sha256 matched, so a
    refused or interrupted upload leaves an unfinished session that expires, never an object. The object is created
    only if absent (generation 0): a blob already there is never replaced under a reader. Downloads are ranged reads
    of the generation that was looked up, ``chunk_size`` bytes at a time."""

    def __init__(
        self, client: GcsClient, bucket_name: str, *, prefix: str = "blobs", chunk_size: int = 8 * MiB
    ) -> None:
        if chunk_size % (256 * 1024):
            raise ValueError("a resumable upload's chunk size is a multiple of 256 KiB")
        self._bucket: Any = client.bucket(bucket_name)
        self._prefix = prefix.strip("/")
        self.chunk_size = chunk_size

    def _name(self, user_id: UserId, sha256: str) -> str:
        return f"{self._prefix}/{check_user_id(user_id)}/{check_sha256(sha256)}"

    def _lookup(self, user_id: UserId, sha256: str) -> Any:
        name = self._name(user_id, sha256)
        with _unavailable_on_api_error():
            return self._bucket.get_blob(name)

    def size(self, user_id: UserId, sha256: str) -> int | None:
        blob = self._lookup(user_id, sha256)
        return None if blob is None else int(blob.size)

    def has(self, user_id: UserId, sha256: str) -> bool:
        return self._lookup(user_id, sha256) is not None

    def open(self, user_id: UserId, sha256: str) -> BinaryIO:
        blob = self._lookup(user_id, sha256)
        if blob is None:
            raise BlobNotFound(f"no file with sha256 {sha256}")
        return cast(BinaryIO, blob.open("rb", chunk_size=self.chunk_size))

    def put(self, user_id: UserId, sha256: str, stream: Readable, *, max_bytes: int) -> int:
        from google.api_core.exceptions import NotFound as GcsNotFound
        from google.api_core.exceptions import PreconditionFailed

        name = self._name(user_id, sha256)
        reader = VerifyingReader(stream, sha256, max_bytes)
        if self._lookup(user_id, sha256) is not None:
            return reader.drain()
        blob = self._bucket.blob(name, chunk_size=self.chunk_size)
        try:
            with _unavailable_on_api_error():
                # a failed chunk is sent again from the client's own copy (the default retry), never by seeking
                # back in the stream; a session that lost part of a chunk ends in a ValueError, as it would for a file
                blob.upload_from_file(
                    reader, content_type="application/octet-stream", if_generation_match=0, checksum="crc32c"
                )
        except PreconditionFailed:
            pass  # stored meanwhile by another upload of the same bytes
        except GcsNotFound as exc:
            raise BlobStoreUnavailable(f"cloud storage has no bucket {self._bucket.name!r}") from exc
        except ValueError as exc:
            raise BlobStoreUnavailable(f"cloud storage lost part of the upload: {exc}") from exc
        return reader.drain()

    def delete(self, user_id: UserId, sha256: str) -> bool:
        from google.api_core.exceptions import NotFound as GcsNotFound

        name = self._name(user_id, sha256)
        try:
            with _unavailable_on_api_error():
                self._bucket.blob(name).delete()
        except GcsNotFound:
            return False
        return True


@contextmanager
def _unavailable_on_api_error() -> Iterator[None]:
    """Turns the failures of GCS itself (an error status other than 404 and 412, a broken connection) into
    ``BlobStoreUnavailable``; a 404 and a 412 pass through for the caller to read."""
    from google.api_core.exceptions import GoogleAPICallError, NotFound, PreconditionFailed
    from google.auth.exceptions import TransportError
    from google.cloud.storage.exceptions import DataCorruption, InvalidResponse
    from requests import RequestException

    try:
        yield
    except (NotFound, PreconditionFailed):
        raise
    # DataCorruption: the crc32c GCS computed is not the one sent (the object was deleted again)
    except (GoogleAPICallError, TransportError, RequestException, DataCorruption, InvalidResponse) as exc:
        raise BlobStoreUnavailable(f"cloud storage failed: {str(exc).splitlines()[0][:200]}") from exc


def make_blob_store(blob_dir: Path, gcs_bucket: str | None = None, gcp_project: str | None = None) -> BlobStore:
    """The store the settings ask for: the bucket ``gcs_bucket`` (GCS_BUCKET_NAME) in ``gcp_project``
    (GOOGLE_CLOUD_PROJECT, else the credentials' own) when it is set, else the directory ``blob_dir``. The GCS client
    finds its credentials the usual way (the service account on Cloud Run, GOOGLE_APPLICATION_CREDENTIALS,
    ``gcloud auth application-default login``; STORAGE_EMULATOR_HOST for an emulator); none is a ``ConfigError``."""
    if not gcs_bucket:
        return LocalBlobStore(blob_dir)
    from google.auth.exceptions import DefaultCredentialsError
    from google.cloud.storage import Client as GcsClient

    try:
        client = GcsClient(project=gcp_project or None)
    except DefaultCredentialsError as exc:
        first = str(exc).splitlines()[0][:200]
        raise ConfigError(f"GCS_BUCKET_NAME is set but no Google credentials were found: {first}") from exc
    return GcsBlobStore(client, gcs_bucket)
