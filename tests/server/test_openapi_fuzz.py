"""Property-based: schemathesis generates requests from the server's own OpenAPI schema, valid ones and ones that
break it (wrong types, missing fields, out-of-bounds strings), and every answer must be what the schema documents:
never a 5xx, always a documented status and body. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from aksio.changes import FORMAT, ChangeBatch
from aksio_server.accounts import store
from aksio_server.app import create_app
from aksio_server.runtime import Runtime
from aksio_sync import wire
from aksio_sync.protocol import HEADER, MEDIA, VERSION

EXAMPLES = 30

# the sync routes' bodies are bytes: a batch in the wire format, and a document's file (whose name is its sha256,
# so a generated one is never valid: that route is fuzzed with broken requests only; tests/server/test_sync.py
# sends it real files and wrong ones)
schemathesis.openapi.media_type(
    MEDIA,
    st.builds(
        lambda since, size: wire.encode(
            ChangeBatch(format=FORMAT, device="fuzz-device", since=since, upto=since + size, high=None, tables={})
        ),
        st.integers(0, 2**40),
        st.integers(0, 50),
    ),
)
schemathesis.openapi.media_type("application/octet-stream", st.binary(max_size=1024))
UNGUESSABLE = {"PUT /api/v1/sync/blobs/{sha256}"}


def _signed_in(case: schemathesis.Case, token: str, mode: GenerationMode) -> dict[str, str]:
    """The headers a generated request is sent with: a real device token where it carries a bearer token (or, valid,
    carries none), while a broken request keeps what breaks it: a token left out, or one not of the bearer form,
    must be refused, not mended here into a valid request."""
    headers = {HEADER: str(VERSION)}
    given = (case.headers or {}).get("Authorization")
    if given is None and mode is GenerationMode.NEGATIVE:
        return headers
    if given is None or given.startswith("Bearer "):
        headers["Authorization"] = f"Bearer {token}"
    return headers


def test_every_operation_answers_as_documented(start: Callable[..., Runtime]) -> None:
    # generated logins fail by the hundred from one address: a limit that high lets them reach the password check
    rt = start(login_failures_per_address=100_000)
    with rt.engine.begin() as conn:
        owner = store.create_user(
            conn, email="fuzz@example.org", password_hash=rt.passwords.hash("x" * 12), display_name="", now=rt.now_ms()
        )
    app = create_app(rt)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if mode is GenerationMode.POSITIVE and operation.label in UNGUESSABLE:
                continue

            @given(case=operation.as_strategy(generation_mode=mode), generated=st.just(mode))
            @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            def answers_as_documented(case: schemathesis.Case, generated: GenerationMode) -> None:
                with rt.engine.begin() as conn:  # a fresh device each time: a generated logout ends only its own
                    _device, token = store.add_device(conn, owner, "fuzz", rt.now_ms())
                case.call_and_validate(headers=_signed_in(case, token, generated))

            try:
                answers_as_documented()
            except Unsatisfiable:  # nothing to break (GET /health takes no input)
                continue
            except AssertionError as failed:
                failures.append(f"{operation.label} ({mode.value}): {failed}")
    if failures:
        pytest.fail("\n\n".join(failures))
