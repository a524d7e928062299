"""The fake LLM server, started once per session; its script is reset before every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.llm.fakeserver import FakeLLM


@pytest.fixture(scope="session")
def fake_llm_server() -> Iterator[FakeLLM]:
    server = FakeLLM().start()
    yield server
    server.stop()


@pytest.fixture
def fake_llm(fake_llm_server: FakeLLM) -> FakeLLM:
    """The running server with a fresh script: no queued replies, default answer ``{}``, no faults."""
    fake_llm_server.script.reset()
    return fake_llm_server
