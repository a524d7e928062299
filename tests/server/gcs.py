"""Google Cloud Storage for tests: gcp-storage-emulator in this process on 127.0.0.1 (a free port, in memory, quiet),
reached through the real google-cloud-storage client. Import the fixtures into a test module (or a conftest) to use
them: ``from tests.server.gcs import gcs_bucket, gcs_client, gcs_emulator``.

The emulator ignores generation preconditions (``if_generation_match`` never gives 412) and pagination: behaviour
that rests on those is not tested here (shared/TRAPS.md).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from google.api_core.exceptions import Conflict
from google.auth.credentials import AnonymousCredentials
from google.cloud.storage import Client

PROJECT = "aksio-test"
# the emulator logs every request at INFO, under its module names and two of its own
_LOGGERS = ("gcp_storage_emulator", "api.object", "api.bucket")


@pytest.fixture(scope="session")
def gcs_emulator() -> Iterator[str]:
    """The emulator's endpoint (``http://127.0.0.1:PORT``), one for the whole run; each test has its own bucket."""
    from gcp_storage_emulator.server import create_server

    for name in _LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    server: Any = create_server("127.0.0.1", 0, in_memory=True)
    server.start()  # its thread is not a daemon: it must be stopped, or the run never ends
    try:
        host, port = server._api._httpd.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def gcs_client(gcs_emulator: str) -> Client:
    """A real client talking to the emulator with anonymous credentials (no environment variable involved)."""
    return Client(project=PROJECT, credentials=AnonymousCredentials(), client_options={"api_endpoint": gcs_emulator})


@pytest.fixture
def gcs_bucket(gcs_client: Client) -> Iterator[Any]:
    """A new, empty bucket of this test's own, emptied after the test. The emulator refuses to delete a bucket that
    has an unfinished resumable upload (a refused one, on purpose), so such a bucket stays until the run ends."""
    bucket = gcs_client.create_bucket(f"aksio-test-{uuid.uuid4().hex[:16]}")
    yield bucket
    for blob in gcs_client.list_blobs(bucket):
        blob.delete()
    with contextlib.suppress(Conflict):
        bucket.delete()
