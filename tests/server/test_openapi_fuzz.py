"""Property-based: schemathesis generates requests from the server's own OpenAPI schema, valid ones and ones that
break it (wrong types, missing fields, out-of-bounds strings), and every answer must be what the schema documents:
never a 5xx, always a documented status and body. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from aksio_server.accounts import store
from aksio_server.app import create_app
from aksio_server.runtime import Runtime

EXAMPLES = 30


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

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            def answers_as_documented(case: schemathesis.Case) -> None:
                with rt.engine.begin() as conn:  # a fresh device each time: a generated logout ends only its own
                    _device, token = store.add_device(conn, owner, "fuzz", rt.now_ms())
                case.call_and_validate(headers={"Authorization": f"Bearer {token}"})

            try:
                answers_as_documented()
            except Unsatisfiable:  # nothing to break (GET /health takes no input)
                continue
            except AssertionError as failed:
                failures.append(f"{operation.label} ({mode.value}): {failed}")
    if failures:
        pytest.fail("\n\n".join(failures))
